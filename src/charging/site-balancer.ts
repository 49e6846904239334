// Site load balancing, stateful part: turns the site limit (main fuse, A per phase) and an optional grid meter
// into a budget for the chargers, splits it with shareSite and publishes per-connector budgets (source 'site').
// Owns: the house-load estimate, the raise hysteresis, the stale-meter fallback and break-before-make staging.
// Must not: do I/O, read the system time or set timers other than through the Clock passed in.
//
// Timing (REFERENCE.md 1.3): the connector machine changes the PWM duty at most every 5 s, so a lowering may wait
// up to 5 s, and the EV has up to 5 s to follow a new duty (IEC 61851-1). A house step is seen at the next meter
// reading (every meterIntervalMs) and confirmed by the one after it (a single reading can mistake our own EV's
// ramp-up for house load: the grid meter sees it before the charger's meter does), so the chargers are back under
// the limit within 2 x meterIntervalMs + 5 s + 5 s (4 + 5 + 5 = 14 s with defaults). A meter that stops answering
// is noticed after staleMs, so the worst case is max(2 x meterIntervalMs, staleMs) + 10 s = 15 s with defaults; a
// reactionTimeMs below that is refused. Raising waits until the budget has been at least the new value for raiseHoldMs, so the PWM
// does not flap; a raise for one connector waits until other connectors' lowerings have had 10 s to take effect.
// marginA must cover the house load rising during that lag: a ramp steeper than marginA per 12 s, or steps closer
// together than the lag, can keep the total above the limit for longer (no controller behind a 5 s PWM hold can do better).

import type { Clock } from '../../hal/clock.js';
import type { ConnectorLimit } from './types.js';
import { shareSite, stageShares, type SiteConnector } from './site-share.js';

/** Minimum time between PWM duty changes (REFERENCE.md 1.3, EVerest IEC_PWM_MAX_UPDATE_INTERVAL). */
export const PWM_CHANGE_HOLD_MS = 5_000;
/** Time an EV has to follow a new duty (IEC 61851-1). */
export const EV_RESPONSE_MS = 5_000;
/** How long an EV may still draw a higher, earlier offer after a lowering. */
export const SETTLE_MS = PWM_CHANGE_HOLD_MS + EV_RESPONSE_MS;

export interface SiteBalancerConfig {
  /** Site limit in A per phase (the main fuse). */
  limitA: number;
  /** 'grid': a meter at the grid connection measures house + chargers per phase; 'none': chargers share limitA. */
  meter: 'none' | 'grid';
  /** The total current may stay above limitA at most this long at a stretch (default 15 s). */
  reactionTimeMs?: number;
  /** Safety margin below limitA with a grid meter (default 1 A). */
  marginA?: number;
  /** Expected time between grid readings (default 2 s). */
  meterIntervalMs?: number;
  /** A grid reading older than this is stale: the budget falls back to fallbackA (default 5 s). */
  staleMs?: number;
  /** A raise is taken only when the budget has been at least that high for this long (default 12 s). */
  raiseHoldMs?: number;
  /** Budget for all chargers while the grid meter is stale or has not answered yet (default 0: pause all). */
  fallbackA?: number;
}

export type ResolvedSiteConfig = Required<SiteBalancerConfig>;

export const SITE_DEFAULTS = {
  reactionTimeMs: 15_000,
  marginA: 1,
  meterIntervalMs: 2_000,
  staleMs: 5_000,
  raiseHoldMs: 12_000,
  fallbackA: 0,
} as const;

/** The connector state update() takes: shareSite's view plus its measured current per site phase (L1..L3). */
export interface SiteConnectorState extends SiteConnector {
  /** Measured current per site phase; missing counts as 0, i.e. as house load (the safe side). */
  drawPhasesA?: readonly number[];
}

export interface SiteBalancerStatus {
  limitA: number;
  /** Budget for all chargers together, A per phase, after hysteresis / fallback. */
  budgetA: number;
  /** Last house-load estimate (A, worst phase); null without a grid meter or before the first reading. */
  houseA: number | null;
  /** True while the grid meter is stale or has not answered yet (budget = fallbackA). */
  meterStale: boolean;
}

export function resolveSiteConfig(config: SiteBalancerConfig): ResolvedSiteConfig {
  return { ...SITE_DEFAULTS, ...stripUndefined(config) } as ResolvedSiteConfig;
}

function stripUndefined(config: SiteBalancerConfig): Partial<SiteBalancerConfig> {
  return Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined));
}

/** Longest the total can stay above the limit after one house-load step (see the header). */
export function worstCaseReactionMs(config: SiteBalancerConfig): number {
  const c = resolveSiteConfig(config);
  const detect = c.meter === 'grid' ? Math.max(2 * c.meterIntervalMs, c.staleMs) : 0;
  return detect + SETTLE_MS;
}

/** One line per problem; empty when the config is usable. */
export function siteConfigProblems(config: SiteBalancerConfig): string[] {
  const c = resolveSiteConfig(config);
  const out: string[] = [];
  const need = (ok: boolean, msg: string): void => {
    if (!ok) out.push(msg);
  };
  need(Number.isFinite(c.limitA) && c.limitA > 0, `limitA: expected a number > 0, found ${c.limitA}`);
  need(c.meter === 'none' || c.meter === 'grid', `meter: expected 'none' or 'grid', found ${String(c.meter)}`);
  need(c.marginA >= 0 && c.marginA < c.limitA, `marginA: expected 0 <= marginA < limitA, found ${c.marginA}`);
  need(c.meterIntervalMs > 0, `meterIntervalMs: expected > 0, found ${c.meterIntervalMs}`);
  need(c.staleMs >= c.meterIntervalMs, `staleMs: expected >= meterIntervalMs (${c.meterIntervalMs}), found ${c.staleMs}`);
  need(c.raiseHoldMs >= PWM_CHANGE_HOLD_MS, `raiseHoldMs: expected >= ${PWM_CHANGE_HOLD_MS}, found ${c.raiseHoldMs}`);
  need(c.fallbackA >= 0 && c.fallbackA <= c.limitA, `fallbackA: expected 0..limitA, found ${c.fallbackA}`);
  const worst = worstCaseReactionMs(c);
  need(
    c.reactionTimeMs >= worst,
    `reactionTimeMs: ${c.reactionTimeMs} ms cannot be met; the worst case is ${worst} ms ` +
      `(meter detection ${worst - SETTLE_MS} + PWM hold ${PWM_CHANGE_HOLD_MS} + EV response ${EV_RESPONSE_MS})`,
  );
  return out;
}

interface Held {
  amps: number;
  until: number;
}

export class SiteBalancer {
  private readonly cfg: ResolvedSiteConfig;
  private connectors: SiteConnectorState[] = [];
  private current = new Map<number, number>();
  private held = new Map<number, Held[]>();
  /** Candidate budgets from grid readings within the raise hold, oldest first; the budget is their minimum. */
  private window: { at: number; amps: number }[] = [];
  private lastReadingAt: number | null = null;
  /** The budget the previous grid reading alone gave (null before the first reading or after staleness). */
  private lastCandidateA: number | null = null;
  private houseA: number | null = null;
  private budgetA = 0;
  private timer: unknown = null;
  private listeners = new Set<(budgets: ReadonlyMap<number, number>) => void>();
  private evaluating = false;
  private again = false;
  private stopped = false;

  constructor(
    config: SiteBalancerConfig,
    private readonly clock: Clock,
  ) {
    const problems = siteConfigProblems(config);
    if (problems.length > 0) throw new Error(`site balancer config: ${problems.join('; ')}`);
    this.cfg = resolveSiteConfig(config);
    this.budgetA = this.siteBudget(clock.now());
  }

  /**
   * A grid meter reading: current per phase measured at `at` (epoch ms, default now). The sign is ignored (the
   * fuse sees the magnitude; export then counts as house load, the conservative side). A reading with a
   * non-finite value, or not newer than the last, is dropped: staleness handles a meter that only sends those.
   */
  onGridReading(phaseAmps: readonly number[], at: number = this.clock.now()): void {
    if (this.cfg.meter !== 'grid' || phaseAmps.length === 0) return;
    if (!phaseAmps.every(Number.isFinite)) return;
    const when = Math.min(at, this.clock.now());
    if (this.lastReadingAt !== null && when <= this.lastReadingAt) return;
    if (this.isStale(when)) {
      this.window = [{ at: when, amps: this.cfg.fallbackA }];
      this.lastCandidateA = null;
    }
    this.houseA = this.estimateHouse(phaseAmps);
    const amps = Math.max(0, this.cfg.limitA - this.cfg.marginA - this.houseA);
    // One-reading glitch filter: a lower budget counts once two readings in a row show it. The grid meter sees
    // an EV follow a raise before that charger's own meter does, so one reading can take our raise for house load.
    const confirmed = this.lastCandidateA === null ? amps : Math.max(amps, this.lastCandidateA);
    this.lastCandidateA = amps;
    this.window.push({ at: when, amps: confirmed });
    this.lastReadingAt = when;
    this.evaluate();
  }

  /** The connectors' state (replaces the previous set); call with draws read in the same poll as the grid meter. */
  update(connectors: readonly SiteConnectorState[]): void {
    this.connectors = connectors.map((c) => ({ ...c }));
    this.evaluate();
  }

  /** Budget per known connector, A per phase (0 = pause / no PWM). */
  budgets(): ReadonlyMap<number, number> {
    return new Map(this.current);
  }

  /** The connector's site limit for the limit resolver; an unknown connector gets 0. */
  limitFor(connectorId: number): ConnectorLimit {
    return { amps: this.current.get(connectorId) ?? 0, source: 'site' };
  }

  /** Amps a connector may still draw: its budget, or more while a lowering settles (SETTLE_MS). */
  committedA(connectorId: number): number {
    const held = this.held.get(connectorId) ?? [];
    return Math.max(this.current.get(connectorId) ?? 0, ...held.filter((h) => h.until > this.clock.now()).map((h) => h.amps));
  }

  /** Connectors the balancer holds amps for (a budget, or a lowering still settling). */
  known(): number[] {
    return [...new Set([...this.current.keys(), ...this.held.keys()])];
  }

  /** Called synchronously with all budgets whenever one of them changes. Returns an unsubscribe function. */
  onChange(listener: (budgets: ReadonlyMap<number, number>) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  status(): SiteBalancerStatus {
    const meterStale = this.cfg.meter === 'grid' && this.isStale(this.clock.now());
    return { limitA: this.cfg.limitA, budgetA: this.budgetA, houseA: this.houseA, meterStale };
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.listeners.clear();
  }

  /** House = grid - our chargers' measured draw, per phase; the worst phase counts, never below 0. */
  private estimateHouse(phaseAmps: readonly number[]): number {
    let worst = 0;
    phaseAmps.forEach((grid, p) => {
      let ours = 0;
      for (const c of this.connectors) ours += Math.max(0, c.drawPhasesA?.[p] ?? 0);
      worst = Math.max(worst, Math.abs(grid) - ours);
    });
    return worst;
  }

  private isStale(now: number): boolean {
    return this.lastReadingAt === null || now - this.lastReadingAt >= this.cfg.staleMs;
  }

  private siteBudget(now: number): number {
    if (this.cfg.meter === 'none') return this.cfg.limitA;
    if (this.isStale(now)) return this.cfg.fallbackA;
    return Math.min(...this.window.map((e) => e.amps));
  }

  private evaluate(): void {
    if (this.evaluating) {
      this.again = true; // a listener called back into us: run once more after this pass
      return;
    }
    this.evaluating = true;
    try {
      do {
        this.again = false;
        this.evaluateOnce();
      } while (this.again);
    } finally {
      this.evaluating = false;
    }
  }

  private evaluateOnce(): void {
    const now = this.clock.now();
    this.pruneHeld(now);
    while (this.window.length > 1 && this.window[0]!.at + this.cfg.raiseHoldMs <= now) this.window.shift();
    this.budgetA = this.siteBudget(now);
    const targets = shareSite({ budgetA: this.budgetA, connectors: this.connectors });
    const heldA = new Map([...this.held].map(([id, hs]) => [id, Math.max(...hs.map((h) => h.amps))]));
    const next = stageShares({ budgetA: this.budgetA, targets, current: this.current, heldA });
    this.commit(next, now);
    this.arm(now);
  }

  private commit(next: Map<number, number>, now: number): void {
    let changed = next.size !== this.current.size;
    for (const [id, prev] of this.current) {
      const amps = next.get(id) ?? 0;
      if (amps !== prev || !next.has(id)) changed = true;
      if (amps < prev) this.held.set(id, [...(this.held.get(id) ?? []), { amps: prev, until: now + SETTLE_MS }]);
    }
    this.current = next;
    if (!changed) return;
    const snapshot: ReadonlyMap<number, number> = new Map(next);
    for (const l of [...this.listeners]) l(snapshot);
  }

  private pruneHeld(now: number): void {
    for (const [id, hs] of this.held) {
      const live = hs.filter((h) => h.until > now);
      if (live.length === 0) this.held.delete(id);
      else this.held.set(id, live);
    }
  }

  /** One timer at the next moment the budget or the staging can change without an input: stale, hold, settle. */
  private arm(now: number): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    if (this.stopped) return;
    const dues: number[] = [];
    if (this.cfg.meter === 'grid' && !this.isStale(now)) dues.push(this.lastReadingAt! + this.cfg.staleMs);
    if (this.window.length > 1) dues.push(this.window[0]!.at + this.cfg.raiseHoldMs);
    for (const hs of this.held.values()) for (const h of hs) dues.push(h.until);
    if (dues.length === 0) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.evaluate();
    }, Math.max(0, Math.min(...dues) - now));
  }
}
