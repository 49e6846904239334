// GIVEN a charge point with 2 connectors, a transaction 7 on connector 1, ChargeProfileMaxStackLevel 10,
// ChargingScheduleAllowedChargingRateUnit A,W and ChargingScheduleMaxPeriods 48
// WHEN SetChargingProfile requests are checked
// THEN OCPP 1.6 3.13 / 5.16 / 7.12-7.15: every rule accepts what is allowed and rejects the rest with a
// readable reason naming the problem.

import { describe, expect, it } from 'vitest';
import { checkProfile, type CheckContext } from '../../../../src/charging/profile-check.js';
import type { ChargingProfile } from '../../../../src/charging/types.js';
import { MON, iso, profile } from './fixtures.js';

const CTX: CheckContext = {
  connectorCount: 2,
  activeTx: (c) => (c === 1 ? { transactionId: 7, startedAt: MON } : null),
  maxStackLevel: 10,
  allowedUnits: ['A', 'W'],
  maxPeriods: 48,
};

type Edit = (p: ChargingProfile) => void;
const periods = (n: number): Array<[number, number]> => Array.from({ length: n }, (_, i) => [i * 60, 16]);

interface Case {
  name: string;
  connectorId?: number;
  base?: Parameters<typeof profile>[0];
  edit?: Edit;
  ctx?: Partial<CheckContext>;
  /** null = accepted; else a pattern the reason must match. */
  reject: RegExp | null;
}

const CASES: Case[] = [
  // connectorId
  { name: 'a TxDefault on connector 0', connectorId: 0, reject: null },
  { name: 'a TxDefault on connector 2 (the last)', connectorId: 2, reject: null },
  { name: 'connector 3 of 2', connectorId: 3, reject: /connectorId 3 is not a connector.*0\.\.2/ },
  { name: 'connector -1', connectorId: -1, reject: /connectorId -1/ },
  // purposes
  { name: 'ChargePointMaxProfile on connector 0', connectorId: 0, base: { purpose: 'ChargePointMaxProfile' }, reject: null },
  { name: 'ChargePointMaxProfile on connector 1', connectorId: 1, base: { purpose: 'ChargePointMaxProfile' }, reject: /ChargePointMaxProfile can only be set on connector 0/ },
  { name: 'TxProfile on connector 1 with its transaction', connectorId: 1, base: { purpose: 'TxProfile', transactionId: 7 }, reject: null },
  { name: 'TxProfile on connector 1 without transactionId', connectorId: 1, base: { purpose: 'TxProfile' }, reject: null },
  { name: 'TxProfile naming another transaction', connectorId: 1, base: { purpose: 'TxProfile', transactionId: 8 }, reject: /names transaction 8 but connector 1 runs transaction 7/ },
  { name: 'TxProfile on connector 2 without a transaction', connectorId: 2, base: { purpose: 'TxProfile' }, reject: /needs an active transaction and connector 2 has none/ },
  { name: 'TxProfile on connector 0', connectorId: 0, base: { purpose: 'TxProfile' }, reject: /TxProfile can only be set on a connector > 0/ },
  {
    name: 'TxProfile naming a transaction whose id is not yet known',
    connectorId: 1,
    base: { purpose: 'TxProfile', transactionId: 7 },
    ctx: { activeTx: () => ({ transactionId: null, startedAt: MON }) },
    reject: /runs transaction \(id not yet known\)/,
  },
  { name: 'transactionId on a TxDefaultProfile', base: { transactionId: 7 }, reject: /transactionId is only allowed on a TxProfile, not on a TxDefaultProfile/ },
  { name: 'transactionId on a ChargePointMaxProfile', connectorId: 0, base: { purpose: 'ChargePointMaxProfile', transactionId: 7 }, reject: /not on a ChargePointMaxProfile/ },
  // stack level, unit, periods
  { name: 'stackLevel 10 (the max)', base: { stackLevel: 10 }, reject: null },
  { name: 'stackLevel 11', base: { stackLevel: 11 }, reject: /stackLevel 11 is outside 0\.\.10/ },
  { name: 'stackLevel -1', base: { stackLevel: -1 }, reject: /stackLevel -1/ },
  { name: 'unit W when only A is allowed', base: { unit: 'W' }, ctx: { allowedUnits: ['A'] }, reject: /chargingRateUnit W is not allowed.*A\)/ },
  { name: 'unit W when W is allowed', base: { unit: 'W', periods: [[0, 11000]] }, reject: null },
  { name: '48 periods (the max)', base: { periods: periods(48) }, reject: null },
  { name: '49 periods', base: { periods: periods(49) }, reject: /49 periods; 1\.\.48/ },
  { name: 'no period', base: { periods: [] }, reject: /0 periods/ },
  { name: 'a first period at 60', base: { periods: [[60, 16]] }, reject: /first period must start at 0, not at 60/ },
  { name: 'equal startPeriods', base: { periods: [[0, 16], [60, 10], [60, 8]] }, reject: /period 3 starts at 60, not after the previous one/ },
  { name: 'decreasing startPeriods', base: { periods: [[0, 16], [120, 10], [60, 8]] }, reject: /period 3 starts at 60/ },
  { name: 'limit 0 (pause)', base: { periods: [[0, 0]] }, reject: null },
  { name: 'a negative limit', base: { periods: [[0, 16], [60, -1]] }, reject: /period 2 has limit -1/ },
  { name: 'numberPhases 1 and 3', base: { periods: [[0, 16, 1], [60, 16, 3]] }, reject: null },
  { name: 'numberPhases 0', base: { periods: [[0, 16, 0]] }, reject: /numberPhases 0/ },
  { name: 'numberPhases 4', base: { periods: [[0, 16, 4]] }, reject: /numberPhases 4; it must be 1, 2 or 3/ },
  // kinds
  { name: 'Absolute with startSchedule', base: { start: MON }, reject: null },
  { name: 'Absolute without startSchedule', base: { kind: 'Absolute' }, reject: /Absolute profile needs chargingSchedule\.startSchedule/ },
  { name: 'Recurring Daily with startSchedule', base: { kind: 'Recurring', recurrencyKind: 'Daily', start: MON }, reject: null },
  { name: 'Recurring without recurrencyKind', base: { kind: 'Recurring', start: MON }, reject: /Recurring profile needs recurrencyKind/ },
  { name: 'Recurring Weekly without startSchedule', base: { kind: 'Recurring', recurrencyKind: 'Weekly' }, reject: /Recurring profile needs chargingSchedule\.startSchedule/ },
  { name: 'recurrencyKind on a Relative profile', base: { kind: 'Relative', recurrencyKind: 'Daily' }, reject: /recurrencyKind is only allowed on a Recurring profile, not on a Relative one/ },
  { name: 'recurrencyKind on an Absolute profile', base: { start: MON, recurrencyKind: 'Weekly' }, reject: /not on an Absolute one/ },
  // validity, duration, dates
  { name: 'validFrom before validTo', base: { validFrom: MON, validTo: MON + 1000 }, reject: null },
  { name: 'validFrom equal to validTo', base: { validFrom: MON, validTo: MON }, reject: /validFrom .* must be before validTo/ },
  { name: 'validFrom after validTo', base: { validFrom: MON + 1000, validTo: MON }, reject: /must be before validTo/ },
  { name: 'duration 3600', base: { durationS: 3600 }, reject: null },
  { name: 'duration 0', base: { durationS: 0 }, reject: /duration 0 must be > 0/ },
  { name: 'duration -5', base: { durationS: -5 }, reject: /duration -5/ },
  { name: 'minChargingRate 6', base: { minChargingRate: 6 }, reject: null },
  { name: 'minChargingRate -1', base: { minChargingRate: -1 }, reject: /minChargingRate -1 must be >= 0/ },
  { name: 'a validFrom that is no date', edit: (p) => void (p.validFrom = 'tomorrow'), reject: /validFrom "tomorrow" is not a valid date/ },
  { name: 'a validTo that is no date', edit: (p) => void (p.validTo = '2025-13-45T99:00:00Z'), reject: /validTo "2025-13-45T99:00:00Z" is not a valid date/ },
  { name: 'a startSchedule that is no date', base: { start: MON }, edit: (p) => void (p.chargingSchedule.startSchedule = 'x'), reject: /startSchedule "x" is not a valid date/ },
  { name: 'dates with an offset', edit: (p) => Object.assign(p, { validFrom: '2025-03-03T01:00:00+01:00', validTo: iso(MON + 1000) }), reject: null },
];

describe('checkProfile', () => {
  it.each(CASES)('GIVEN $name WHEN checked THEN accepted unless the rule says otherwise', (c) => {
    const p = profile({ id: 42, ...c.base });
    c.edit?.(p);
    const out = checkProfile({ connectorId: c.connectorId ?? 1, csChargingProfiles: p }, { ...CTX, ...c.ctx });
    if (c.reject === null) expect(out).toEqual({ ok: true });
    else {
      expect(out.ok).toBe(false);
      const reason = out.ok ? '' : out.reason;
      expect(reason).toMatch(c.reject);
      expect(reason).toMatch(/^Charging profile 42: .*\.$/);
    }
  });
});
