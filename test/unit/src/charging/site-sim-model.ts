// Simulated site for the 24 h site-balancer run (site-balancer-24h.test.ts): a seeded PRNG, a house load (steps,
// slow ramps, spikes near or above the limit), EVs that plug in and out with random demand, a connector PWM that
// changes at most every 5 s (pausing below 6 A included), EVs that follow a new offer after 0-5 s and draw 95-100 %
// of it (less when their own charger is smaller), and a grid meter that reads every 1-2 s with outages.
// Must not: know the balancer's internals; all times are multiples of TICK_MS so the state is constant between ticks.

export const TICK_MS = 250;
const PWM_HOLD_MS = 5_000;
const MAX_EV_RESPONSE_MS = 5_000;

/** Seeded PRNG (mulberry32): the same seed gives the same day. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Rnd = () => number;
export const between = (rnd: Rnd, lo: number, hi: number): number => lo + (hi - lo) * rnd();
/** A random duration in [lo, hi] ms, on the tick grid. */
export const ticks = (rnd: Rnd, lo: number, hi: number): number => Math.round(between(rnd, lo, hi) / TICK_MS) * TICK_MS;

/**
 * House load per phase. Events at least 20 s apart: a step to a new everyday level, a slow ramp to one (at most
 * maxRampAPerS, which the balancer's margin must cover over its 12 s lag), or a spike of one or more phases to
 * limitA - 10 .. limitA + 5 for 20-120 s.
 */
export class House {
  readonly level = [3, 3, 3];
  private target = [3, 3, 3];
  private perTick = Infinity;
  private nextAt = 0;

  constructor(
    private readonly rnd: Rnd,
    private readonly limitA: number,
    private readonly maxRampAPerS: number,
  ) {}

  step(now: number): void {
    if (now >= this.nextAt) this.event(now);
    for (let p = 0; p < 3; p++) {
      const d = this.target[p]! - this.level[p]!;
      this.level[p] = Math.abs(d) <= this.perTick ? this.target[p]! : this.level[p]! + Math.sign(d) * this.perTick;
    }
  }

  private event(now: number): void {
    const r = this.rnd();
    if (r < 0.2) {
      this.target = this.level.map((l) => (this.rnd() < 0.6 ? between(this.rnd, this.limitA - 10, this.limitA + 5) : l));
      this.perTick = Infinity;
      this.nextAt = now + ticks(this.rnd, 20_000, 120_000);
      return;
    }
    this.target = [0, 1, 2].map(() => between(this.rnd, 0.5, 14));
    this.perTick = r < 0.55 ? (this.maxRampAPerS * TICK_MS) / 1000 : Infinity;
    this.nextAt = now + ticks(this.rnd, 20_000, 300_000);
  }
}

export interface SimConnector {
  id: number;
  /** Site phases (0..2) the connector is wired to. */
  phases: number[];
  capA: number;
  plugged: boolean;
  startedAt: number;
  plugAt: number;
  unplugAt: number;
  evMaxA: number;
  demandKWh: number;
  deliveredKWh: number;
  full: boolean;
  /** What the pilot offers now (0 = no PWM). */
  offeredA: number;
  lastPwmChange: number;
  drawA: number;
  pending: { at: number; offeredA: number }[];
}

export function simConnector(id: number, phases: number[], capA: number, rnd: Rnd): SimConnector {
  return {
    id, phases, capA, plugged: false, startedAt: 0, plugAt: ticks(rnd, 0, 3_600_000), unplugAt: Infinity, evMaxA: 0,
    demandKWh: 0, deliveredKWh: 0, full: false, offeredA: 0, lastPwmChange: -Infinity, drawA: 0, pending: [],
  };
}

/** Plug in / out and battery full. Returns true when the session set changed (the controller calls update()). */
export function sessionStep(c: SimConnector, now: number, rnd: Rnd): boolean {
  if (!c.plugged && now >= c.plugAt) {
    Object.assign(c, { plugged: true, startedAt: now, full: false, deliveredKWh: 0, unplugAt: Infinity });
    c.evMaxA = c.phases.length === 3 ? [10, 16, 32][Math.floor(rnd() * 3)]! : [16, 32][Math.floor(rnd() * 2)]!;
    c.demandKWh = between(rnd, 3, 40);
    if (rnd() < 0.3) c.unplugAt = now + ticks(rnd, 600_000, 4 * 3_600_000); // leaves before full
    return true;
  }
  if (!c.plugged) return false;
  if (!c.full && c.deliveredKWh >= c.demandKWh) {
    Object.assign(c, { full: true, drawA: 0, unplugAt: Math.min(c.unplugAt, now + ticks(rnd, 0, 1_800_000)) });
  }
  if (now < c.unplugAt) return false;
  Object.assign(c, { plugged: false, drawA: 0, offeredA: 0, pending: [], plugAt: now + ticks(rnd, 60_000, 3 * 3_600_000) });
  return true;
}

/** The connector machine: follows the budget at most every 5 s; the EV answers 0-5 s later. */
export function pwmStep(c: SimConnector, budgetA: number, now: number, rnd: Rnd): void {
  const want = c.plugged && budgetA >= 6 ? Math.min(budgetA, c.capA) : 0;
  if (want === c.offeredA || now - c.lastPwmChange < PWM_HOLD_MS || !c.plugged) return;
  c.offeredA = want;
  c.lastPwmChange = now;
  c.pending.push({ at: now + ticks(rnd, 0, MAX_EV_RESPONSE_MS), offeredA: want });
}

/** The EV follows offers whose response time has come, drawing 95-100 % of min(offer, own charger). */
export function evRespond(c: SimConnector, now: number, rnd: Rnd): void {
  while (c.pending.length > 0 && c.pending[0]!.at <= now) {
    const { offeredA } = c.pending.shift()!;
    c.drawA = c.full ? 0 : between(rnd, 0.95, 1) * Math.min(offeredA, c.evMaxA);
  }
}

/** Energy into the battery over one tick. */
export function evCharge(c: SimConnector): void {
  c.deliveredKWh += (c.drawA * 230 * c.phases.length * TICK_MS) / 3.6e9;
}

export function drawPhases(c: SimConnector): number[] {
  return [0, 1, 2].map((p) => (c.phases.includes(p) ? c.drawA : 0));
}

/** Grid meter: a reading every 1-2 s, with a few outages of 3-120 s over the day. */
export class GridMeter {
  private nextAt = 0;
  private outages: { from: number; to: number }[];
  lastReadingAt = -Infinity;

  constructor(private readonly rnd: Rnd, dayMs: number, count: number) {
    this.outages = Array.from({ length: count }, () => {
      const from = ticks(rnd, 0, dayMs);
      return { from, to: from + ticks(rnd, 3_000, 120_000) };
    });
  }

  inOutage(now: number): boolean {
    return this.outages.some((o) => now >= o.from && now < o.to);
  }

  /** True when a reading is taken now. */
  due(now: number): boolean {
    if (now < this.nextAt) return false;
    this.nextAt = now + ticks(this.rnd, 1_000, 2_000);
    if (this.inOutage(now)) return false;
    this.lastReadingAt = now;
    return true;
  }
}
