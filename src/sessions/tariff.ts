// Session cost by the configured tariff (config `tariff`): start fee + price per kWh + price per minute.
// Owns: the cost formula and its rounding. Must not: read the clock, the store or the configuration file
// (callers pass the tariff and the session's figures).
//
// Rules (documented in the README):
// - energy = meterStop - meterStart (Wh, never negative), priced per kWh (Wh / 1000, not rounded);
// - minutes = the whole session, from its start to its stop (not only the time the EV drew power), as exact
//   fractional minutes (90 s = 1.5 min, not rounded up); a stop time before the start counts as 0;
// - the total is rounded once, half up, to 2 decimals (cents); the parts are not rounded separately.

/** The tariff section of the configuration (src/config/schema.ts `tariff`). */
export interface Tariff {
  currency: string;
  startFee: number;
  perKwh: number;
  perMinute: number;
}

/** The figures of a stopped session the cost depends on. */
export interface PricedSession {
  meterStartWh: number;
  meterStopWh: number;
  /** ISO 8601 timestamps. */
  startedAt: string;
  stoppedAt: string;
}

export interface SessionCost {
  cost: number;
  currency: string;
}

/** Rounds a non-negative amount half up to 2 decimals; float noise (1.005 stored as 1.00499...) is removed first. */
export function roundMoney(amount: number): number {
  const cents = Number((amount * 100).toPrecision(12));
  return Math.round(cents) / 100;
}

/** Whole session length in (fractional) minutes; 0 when a timestamp is unreadable or the stop precedes the start. */
export function sessionMinutes(startedAt: string, stoppedAt: string): number {
  const ms = Date.parse(stoppedAt) - Date.parse(startedAt);
  return Number.isFinite(ms) && ms > 0 ? ms / 60_000 : 0;
}

/** The session's cost, or null without a tariff. */
export function sessionCost(tariff: Tariff | null | undefined, s: PricedSession): SessionCost | null {
  if (!tariff) return null;
  const kWh = Math.max(0, s.meterStopWh - s.meterStartWh) / 1000;
  const amount = tariff.startFee + tariff.perKwh * kWh + tariff.perMinute * sessionMinutes(s.startedAt, s.stoppedAt);
  return { cost: roundMoney(amount), currency: tariff.currency };
}
