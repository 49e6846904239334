// Validation of a SetChargingProfile.req against the charge point's rules and configuration (OCPP 1.6 sections
// 3.13, 5.16, 7.12-7.15, 9.4 ChargeProfileMaxStackLevel / ChargingScheduleAllowedChargingRateUnit /
// ChargingScheduleMaxPeriods). The first broken rule is returned as one readable sentence for the log.
// Must not: install anything (profile-set.ts), count installed profiles (wouldExceed), read clocks or do I/O.

import { parseUtc } from './schedule.js';
import type { ActiveTx, ChargingProfile, ChargingSchedule, RateUnit } from './types.js';

export interface CheckContext {
  connectorCount: number;
  activeTx(connectorId: number): ActiveTx | null;
  /** ChargeProfileMaxStackLevel. */
  maxStackLevel: number;
  /** ChargingScheduleAllowedChargingRateUnit. */
  allowedUnits: readonly RateUnit[];
  /** ChargingScheduleMaxPeriods. */
  maxPeriods: number;
}

export type CheckResult = { ok: true } | { ok: false; reason: string };

export interface ProfileRequest {
  connectorId: number;
  csChargingProfiles: ChargingProfile;
}

type Rule = (req: ProfileRequest, ctx: CheckContext) => string | null;

const connectorRule: Rule = ({ connectorId }, ctx) =>
  Number.isInteger(connectorId) && connectorId >= 0 && connectorId <= ctx.connectorCount
    ? null
    : `connectorId ${connectorId} is not a connector of this charge point (0..${ctx.connectorCount}).`;

const purposeRule: Rule = ({ connectorId, csChargingProfiles: p }, ctx) => {
  const purpose = p.chargingProfilePurpose;
  if (purpose === 'ChargePointMaxProfile' && connectorId !== 0) return `a ChargePointMaxProfile can only be set on connector 0, not on connector ${connectorId}.`;
  if (purpose !== 'TxProfile') return p.transactionId === undefined ? null : `transactionId is only allowed on a TxProfile, not on a ${purpose}.`;
  if (connectorId === 0) return 'a TxProfile can only be set on a connector > 0, not on connector 0.';
  const tx = ctx.activeTx(connectorId);
  if (!tx) return `a TxProfile needs an active transaction and connector ${connectorId} has none.`;
  if (p.transactionId !== undefined && p.transactionId !== tx.transactionId) {
    return `the TxProfile names transaction ${p.transactionId} but connector ${connectorId} runs transaction ${tx.transactionId ?? '(id not yet known)'}.`;
  }
  return null;
};

const stackLevelRule: Rule = ({ csChargingProfiles: { stackLevel } }, ctx) =>
  Number.isInteger(stackLevel) && stackLevel >= 0 && stackLevel <= ctx.maxStackLevel
    ? null
    : `stackLevel ${stackLevel} is outside 0..${ctx.maxStackLevel} (ChargeProfileMaxStackLevel).`;

const unitRule: Rule = ({ csChargingProfiles: { chargingSchedule: s } }, ctx) =>
  ctx.allowedUnits.includes(s.chargingRateUnit)
    ? null
    : `chargingRateUnit ${s.chargingRateUnit} is not allowed here (ChargingScheduleAllowedChargingRateUnit: ${ctx.allowedUnits.join(',') || 'none'}).`;

function periodProblem(s: ChargingSchedule, maxPeriods: number): string | null {
  const periods = s.chargingSchedulePeriod;
  if (periods.length < 1 || periods.length > maxPeriods) return `the schedule has ${periods.length} periods; 1..${maxPeriods} are allowed (ChargingScheduleMaxPeriods).`;
  if (periods[0]!.startPeriod !== 0) return `the first period must start at 0, not at ${periods[0]!.startPeriod}.`;
  for (let i = 0; i < periods.length; i++) {
    const x = periods[i]!;
    if (i > 0 && !(x.startPeriod > periods[i - 1]!.startPeriod)) return `period ${i + 1} starts at ${x.startPeriod}, not after the previous one (${periods[i - 1]!.startPeriod}).`;
    if (!(x.limit >= 0) || !Number.isFinite(x.limit)) return `period ${i + 1} has limit ${x.limit}; a limit must be >= 0.`;
    const n = x.numberPhases;
    if (n !== undefined && !(Number.isInteger(n) && n >= 1 && n <= 3)) return `period ${i + 1} has numberPhases ${n}; it must be 1, 2 or 3.`;
  }
  return null;
}

const periodsRule: Rule = ({ csChargingProfiles: { chargingSchedule: s } }, ctx) => periodProblem(s, ctx.maxPeriods);

const scheduleRule: Rule = ({ csChargingProfiles: { chargingSchedule: s } }) => {
  if (s.duration !== undefined && !(s.duration > 0)) return `duration ${s.duration} must be > 0 seconds when given.`;
  if (s.minChargingRate !== undefined && !(s.minChargingRate >= 0)) return `minChargingRate ${s.minChargingRate} must be >= 0.`;
  return null;
};

const kindRule: Rule = ({ csChargingProfiles: p }) => {
  const kind = p.chargingProfileKind;
  const start = p.chargingSchedule.startSchedule;
  if (kind === 'Absolute' && start === undefined) return 'an Absolute profile needs chargingSchedule.startSchedule.';
  if (kind === 'Recurring' && p.recurrencyKind === undefined) return 'a Recurring profile needs recurrencyKind (Daily or Weekly).';
  if (kind === 'Recurring' && start === undefined) return 'a Recurring profile needs chargingSchedule.startSchedule.';
  if (kind !== 'Recurring' && p.recurrencyKind !== undefined) return `recurrencyKind is only allowed on a Recurring profile, not on ${kind === 'Absolute' ? 'an' : 'a'} ${kind} one.`;
  return null;
};

const datesRule: Rule = ({ csChargingProfiles: p }) => {
  const dates: Array<[string, string | undefined]> = [
    ['validFrom', p.validFrom],
    ['validTo', p.validTo],
    ['startSchedule', p.chargingSchedule.startSchedule],
  ];
  for (const [name, value] of dates) if (value !== undefined && Number.isNaN(parseUtc(value))) return `${name} "${value}" is not a valid date.`;
  if (p.validFrom !== undefined && p.validTo !== undefined && !(parseUtc(p.validFrom) < parseUtc(p.validTo))) {
    return `validFrom ${p.validFrom} must be before validTo ${p.validTo}.`;
  }
  return null;
};

const RULES: readonly Rule[] = [connectorRule, purposeRule, stackLevelRule, unitRule, periodsRule, scheduleRule, kindRule, datesRule];

/** Checks a SetChargingProfile.req; the reason of a refusal names the first broken rule. */
export function checkProfile(req: ProfileRequest, ctx: CheckContext): CheckResult {
  for (const rule of RULES) {
    const reason = rule(req, ctx);
    if (reason !== null) return { ok: false, reason: `Charging profile ${req.csChargingProfiles.chargingProfileId}: ${reason}` };
  }
  return { ok: true };
}
