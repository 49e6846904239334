// One installed charging profile evaluated at an instant (OCPP 1.6 sections 3.13.3, 7.12-7.15): its dates parsed
// once (cached per InstalledProfile object, which is treated as immutable), the schedule start (Absolute,
// Relative, Recurring), the period covering the instant and the next instant that answer can change. Also the
// W <-> A conversion and the rounding of limits.
// All time is UTC epoch milliseconds; a Recurring schedule repeats every 24 h / 7 x 24 h of UTC milliseconds,
// so there is no DST shift (a Daily profile starting 06:00 local time moves by an hour in local terms at a DST
// change; the CSMS sends UTC times, OCPP 1.6 7.14 has no time zone).
// Must not: read clocks, do I/O, choose between profiles (composite.ts does).

import type { ChargingProfile, InstalledProfile, ProfilePurpose, RateUnit } from './types.js';

export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;

/** A profile reduced to numbers: what evaluation needs, nothing to parse on the hot path. */
export interface PreparedProfile {
  readonly id: number;
  readonly purpose: ProfilePurpose;
  readonly stackLevel: number;
  readonly kind: ChargingProfile['chargingProfileKind'];
  readonly unit: RateUnit;
  readonly transactionId: number | undefined;
  readonly installedAt: number;
  /** -Infinity when absent. */
  readonly validFrom: number;
  /** +Infinity when absent. */
  readonly validTo: number;
  /** Absolute/Recurring start (epoch ms); installedAt when absent (a profile checkProfile would refuse). */
  readonly startSchedule: number;
  /** Schedule length in ms; +Infinity without duration; a Recurring one is capped to its recurrence period. */
  readonly durationMs: number;
  /** 24 h or 7 d for Recurring, 0 otherwise. */
  readonly recurrenceMs: number;
  /** startPeriod of each period in ms, increasing. */
  readonly starts: readonly number[];
  /** Limit of each period in the profile's unit, 0 where it is below minChargingRate. */
  readonly limits: readonly number[];
  /** numberPhases of each period as sent (undefined = the connector's phases). */
  readonly phases: readonly (number | undefined)[];
}

const prepared = new WeakMap<InstalledProfile, PreparedProfile>();

/**
 * An OCPP date-time to epoch ms. One without a zone ("2024-01-01T06:00:00") is taken as UTC, never as the Pi's
 * local time (Date.parse would), so a schedule means the same on every charge point.
 */
export function parseUtc(date: string): number {
  const zoned = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(date) || !date.includes('T') ? date : `${date}Z`;
  return Date.parse(zoned);
}

/** Parses an ISO date to epoch ms; `fallback` when absent or unparsable (checkProfile refuses the latter). */
function ms(date: string | undefined, fallback: number): number {
  if (date === undefined) return fallback;
  const t = parseUtc(date);
  return Number.isNaN(t) ? fallback : t;
}

/**
 * minChargingRate (OCPP 1.6 7.13): the EV cannot charge usefully below it, so a period limit below it counts as
 * 0 (pause). Rounding it up to the minimum instead could exceed the CSMS's cap; pausing never does.
 */
function effectiveLimit(limit: number, minRate: number | undefined): number {
  return minRate !== undefined && limit < minRate ? 0 : limit;
}

export function prepare(ip: InstalledProfile): PreparedProfile {
  const cached = prepared.get(ip);
  if (cached) return cached;
  const p = ip.profile;
  const s = p.chargingSchedule;
  const recurrenceMs = p.chargingProfileKind !== 'Recurring' ? 0 : p.recurrencyKind === 'Weekly' ? WEEK_MS : DAY_MS;
  const durationMs = s.duration !== undefined ? s.duration * 1000 : Infinity;
  const out: PreparedProfile = {
    id: p.chargingProfileId,
    purpose: p.chargingProfilePurpose,
    stackLevel: p.stackLevel,
    kind: p.chargingProfileKind,
    unit: s.chargingRateUnit,
    transactionId: p.transactionId,
    installedAt: ip.installedAt,
    validFrom: ms(p.validFrom, -Infinity),
    validTo: ms(p.validTo, Infinity),
    startSchedule: ms(s.startSchedule, ip.installedAt),
    durationMs: recurrenceMs > 0 ? Math.min(durationMs, recurrenceMs) : durationMs,
    recurrenceMs,
    starts: s.chargingSchedulePeriod.map((x) => x.startPeriod * 1000),
    limits: s.chargingSchedulePeriod.map((x) => effectiveLimit(x.limit, s.minChargingRate)),
    phases: s.chargingSchedulePeriod.map((x) => x.numberPhases),
  };
  prepared.set(ip, out);
  return out;
}

/** Result of one evaluation; `limit` null = the profile does not cover the instant. Reused to avoid garbage. */
export interface Evaluation {
  limit: number | null;
  phases: number | undefined;
  /** Next instant (epoch ms, > t) at which this profile's answer can change; Infinity = never. */
  next: number;
}

export const newEvaluation = (): Evaluation => ({ limit: null, phases: undefined, next: Infinity });

/**
 * Start of the schedule run that governs instant t. Relative: `relativeAnchor` (the transaction start, or the
 * composite's `from` as if a transaction started then). Recurring: startSchedule shifted by whole recurrence
 * periods to the latest start <= t (also backwards, before startSchedule).
 */
export function scheduleStart(p: PreparedProfile, t: number, relativeAnchor: number): number {
  if (p.kind === 'Relative') return relativeAnchor;
  if (p.recurrenceMs === 0) return p.startSchedule;
  return p.startSchedule + Math.floor((t - p.startSchedule) / p.recurrenceMs) * p.recurrenceMs;
}

/** Index of the last period starting at or before `offset` ms, -1 when none does. */
function periodIndex(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (starts[mid]! <= offset) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

function miss(out: Evaluation, next: number): Evaluation {
  out.limit = null;
  out.phases = undefined;
  out.next = next;
  return out;
}

/**
 * Evaluates `p` at t into `out`. Period i covers [start + startPeriod_i, start + startPeriod_i+1), the last
 * one up to start + duration (or forever without duration); the profile covers nothing outside
 * [validFrom, validTo) (OCPP 1.6 7.12).
 */
export function evaluate(p: PreparedProfile, t: number, relativeAnchor: number, out: Evaluation): Evaluation {
  if (t < p.validFrom) return miss(out, p.validFrom);
  if (t >= p.validTo) return miss(out, Infinity);
  const start = scheduleStart(p, t, relativeAnchor);
  const end = start + p.durationMs;
  const rerun = p.recurrenceMs > 0 ? start + p.recurrenceMs : Infinity;
  if (t < start) return miss(out, Math.min(start, p.validTo));
  if (t >= end) return miss(out, Math.min(rerun, p.validTo));
  const i = periodIndex(p.starts, t - start);
  if (i < 0) return miss(out, Math.min(start + p.starts[0]!, end, p.validTo));
  const nextPeriod = i + 1 < p.starts.length ? start + p.starts[i + 1]! : Infinity;
  out.limit = p.limits[i]!;
  out.phases = p.phases[i];
  out.next = Math.min(nextPeriod, end, rerun, p.validTo);
  return out;
}

/** Converts a limit between A (per phase) and W (total): W = A x voltage x phases (OCPP 1.6 3.13.6 example). */
export function convert(limit: number, from: RateUnit, to: RateUnit, phases: number, voltageV: number): number {
  if (from === to) return limit;
  return from === 'W' ? limit / (voltageV * phases) : limit * voltageV * phases;
}

/**
 * Limits are rounded DOWN to 0.1 (A or W), so a conversion never offers more than the CSMS's cap; the tiny
 * epsilon keeps an exact value (16 A via 11040 W / 690 V) from dropping to 15.9 through float error.
 */
export function roundLimit(x: number): number {
  return Math.floor(x * 10 + 1e-7) / 10;
}
