// Composite schedule of a connector (OCPP 1.6 sections 3.13.4, 5.7, 7.12-7.15) and the limit now, from the
// installed profiles. Per instant: connector 0 -> ChargePointMaxProfile; connector > 0 -> min(ChargePointMax,
// TxProfile if one applies else TxDefaultProfile); within one purpose the highest stackLevel profile covering
// the instant wins; where nothing applies, `defaultLimitA`. A ChargePointMax limit is taken as this connector's
// cap as is: sharing it among connectors is the station share's job (limits.ts), not this module's.
// Must not: read clocks (time is a parameter, UTC epoch ms, no DST: see schedule.ts), do I/O, or mutate input.

import { convert, evaluate, newEvaluation, prepare, roundLimit, type Evaluation, type PreparedProfile } from './schedule.js';
import type { ActiveTx, Electrical, InstalledProfile, LimitSource, RateUnit } from './types.js';

export interface CompositeInput {
  profiles: readonly InstalledProfile[];
  connectorId: number;
  /** Start of the composite (epoch ms); also the start of Relative profiles when there is no transaction. */
  from: number;
  durationS: number;
  unit: RateUnit;
  tx: ActiveTx | null;
  electrical: Electrical;
  /** Amps per phase where no profile limits (e.g. the connector's configured max). */
  defaultLimitA: number;
}

export interface CompositePeriod {
  /** Seconds from startSchedule. */
  startPeriod: number;
  /** Amps per phase (unit A) or total watts (unit W), rounded down to 0.1. */
  limit: number;
  /** Only when the winning profile's period states it. */
  numberPhases?: number;
}

export interface CompositeSchedule {
  /** Epoch ms (= input.from). */
  startSchedule: number;
  /** Seconds (= input.durationS). */
  duration: number;
  unit: RateUnit;
  periods: CompositePeriod[];
}

export type ProfileLimitSource = Extract<LimitSource, 'charge-point-max' | 'tx-profile' | 'tx-default-profile'>;

export interface LimitNow {
  /** Amps per phase, rounded down to 0.1. */
  amps: number;
  /** The profile purpose that sets `amps`; null = no profile applies (defaultLimitA). */
  source: ProfileLimitSource | null;
  /** Next instant (epoch ms) the composite limit can change (a timer for the caller); null = never. */
  nextChangeAt: number | null;
}

/** Profile stacks that count for one connector, each sorted by precedence (highest stackLevel first). */
interface Stacks {
  cpMax: PreparedProfile[];
  tx: PreparedProfile[];
  txDefault: PreparedProfile[];
}

/** Higher stackLevel first; equal levels (only possible across connectors) -> the later installed first. */
const byPrecedence = (a: PreparedProfile, b: PreparedProfile): number => b.stackLevel - a.stackLevel || b.installedAt - a.installedAt;

function selectStacks(profiles: readonly InstalledProfile[], connectorId: number, tx: ActiveTx | null): Stacks {
  const cpMax: PreparedProfile[] = [];
  const txs: PreparedProfile[] = [];
  const ownDefault: PreparedProfile[] = [];
  const stationDefault: PreparedProfile[] = [];
  for (const ip of profiles) {
    const p = prepare(ip);
    if (ip.connectorId === 0 && p.purpose === 'ChargePointMaxProfile') cpMax.push(p);
    if (connectorId === 0) continue;
    if (p.purpose === 'TxDefaultProfile' && ip.connectorId === 0) stationDefault.push(p);
    if (ip.connectorId !== connectorId) continue;
    if (p.purpose === 'TxDefaultProfile') ownDefault.push(p);
    // A TxProfile counts only during a transaction, and only for that transaction when it names one.
    if (p.purpose === 'TxProfile' && tx && (p.transactionId === undefined || p.transactionId === tx.transactionId)) txs.push(p);
  }
  // The connector's own TxDefault profiles, when it has any installed, replace connector 0's (whole stack).
  const txDefault = ownDefault.length > 0 ? ownDefault : stationDefault;
  return { cpMax: cpMax.sort(byPrecedence), tx: txs.sort(byPrecedence), txDefault: txDefault.sort(byPrecedence) };
}

/** Value of one purpose at t: the first profile (by precedence) covering t; next accounts for higher ones starting. */
interface PurposeValue {
  hit: PreparedProfile | null;
  limit: number;
  phases: number | undefined;
  next: number;
}

function stackAt(stack: readonly PreparedProfile[], t: number, anchor: number, scratch: Evaluation, out: PurposeValue): PurposeValue {
  out.hit = null;
  out.next = Infinity;
  for (const p of stack) {
    evaluate(p, t, anchor, scratch);
    out.next = Math.min(out.next, scratch.next);
    if (scratch.limit !== null) {
      out.hit = p;
      out.limit = scratch.limit;
      out.phases = scratch.phases;
      return out; // lower stack levels cannot matter until this one's answer changes
    }
  }
  return out;
}

interface Step {
  limit: number;
  phases: number | undefined;
  source: ProfileLimitSource | null;
  next: number;
}

/** Evaluates the composite at t in `unit`; a reusable evaluator so a long composite allocates little. */
function evaluator(stacks: Stacks, anchor: number, unit: RateUnit, el: Electrical, defaultLimitA: number): (t: number) => Step {
  const scratch = newEvaluation();
  const cp: PurposeValue = { hit: null, limit: 0, phases: undefined, next: Infinity };
  const tx: PurposeValue = { ...cp };
  const def: PurposeValue = { ...cp };
  const defaultLimit = convert(defaultLimitA, 'A', unit, el.phases, el.voltageV);
  const inUnit = (v: PurposeValue): number => convert(v.limit, v.hit!.unit, unit, v.phases ?? el.phases, el.voltageV);
  return (t) => {
    stackAt(stacks.cpMax, t, anchor, scratch, cp);
    stackAt(stacks.tx, t, anchor, scratch, tx);
    let next = Math.min(cp.next, tx.next);
    let txSide: PurposeValue | null = tx.hit ? tx : null;
    if (!txSide) {
      stackAt(stacks.txDefault, t, anchor, scratch, def);
      next = Math.min(next, def.next);
      if (def.hit) txSide = def;
    }
    const step: Step = { limit: defaultLimit, phases: undefined, source: null, next };
    const txLimit = txSide ? inUnit(txSide) : Infinity;
    const cpLimit = cp.hit ? inUnit(cp) : Infinity;
    // On a tie the transaction side is named: it is the more specific constraint.
    if (txSide && txLimit <= cpLimit) Object.assign(step, { limit: txLimit, phases: txSide.phases, source: txSide === tx ? 'tx-profile' : 'tx-default-profile' });
    else if (cp.hit) Object.assign(step, { limit: cpLimit, phases: cp.phases, source: 'charge-point-max' });
    return step;
  };
}

function evaluatorFor(input: Omit<CompositeInput, 'durationS'>, unit: RateUnit): (t: number) => Step {
  const stacks = selectStacks(input.profiles, input.connectorId, input.tx);
  const anchor = input.tx ? input.tx.startedAt : input.from;
  return evaluator(stacks, anchor, unit, input.electrical, input.defaultLimitA);
}

/** Appends a period; one starting in the same whole second replaces the earlier; equal neighbours merge. */
function append(periods: CompositePeriod[], startPeriod: number, limit: number, phases: number | undefined): void {
  let last = periods.at(-1);
  if (last && last.startPeriod === startPeriod) {
    periods.pop();
    last = periods.at(-1);
  }
  if (last && last.limit === limit && last.numberPhases === phases) return;
  periods.push(phases === undefined ? { startPeriod, limit } : { startPeriod, limit, numberPhases: phases });
}

/**
 * GetCompositeSchedule (OCPP 1.6 5.7): the limits from `from` for `durationS` seconds in `unit`. Change
 * instants inside a second are reported at the start of that second (startPeriod is whole seconds), the
 * later value winning. Always at least one period, the first at startPeriod 0.
 */
export function compositeSchedule(input: CompositeInput): CompositeSchedule {
  const at = evaluatorFor(input, input.unit);
  const end = input.from + input.durationS * 1000;
  const periods: CompositePeriod[] = [];
  let t = input.from;
  do {
    const step = at(t);
    append(periods, Math.floor((t - input.from) / 1000), roundLimit(step.limit), step.phases);
    t = step.next > t ? step.next : t + 1;
  } while (t < end);
  return { startSchedule: input.from, duration: input.durationS, unit: input.unit, periods };
}

/** The composite limit at `at` in amps per phase (for the runtime limits), with its source and next change. */
export function limitNow(input: Omit<CompositeInput, 'durationS'>, at: number): LimitNow {
  const step = evaluatorFor(input, 'A')(at);
  return { amps: roundLimit(step.limit), source: step.source, nextChangeAt: Number.isFinite(step.next) ? step.next : null };
}
