// The current one connector may offer: the minimum of every constraint that has a say (configured maximum,
// the plugged cable's rating, charging profiles, the site budget share, temperature derating, the invalid-id
// policy), and which of them set it. Applies the result to the connector machine, which keeps >= 5 s between
// PWM duty changes and offers no PWM below 6 A (SuspendedEVSE) until the limit rises again.
// Must not: read devices, schedules or meters (the callers feed values in), or await anything.

import type { ConnectorLimit, LimitSource } from './types.js';

/**
 * Which constraint is reported when several give the same amps: the first named. Shared budgets come last, since a
 * share equal to a connector's own cap means the cap, not the budget, is what holds it there.
 */
const ORDER: readonly LimitSource[] = ['invalid-id', 'thermal', 'cable', 'connector-max', 'tx-profile', 'tx-default-profile', 'charge-point-max', 'site'];

export interface ConnectorLimitView extends ConnectorLimit {
  /** Every constraint in force, amps per phase. */
  constraints: Partial<Record<LimitSource, number>>;
}

export class ConnectorLimitSet {
  private readonly values = new Map<LimitSource, number>();
  private applied: ConnectorLimit | null = null;
  private readonly listeners: Array<(limit: ConnectorLimit) => void> = [];

  constructor(
    maxCurrentA: number,
    private readonly apply: (amps: number) => void,
  ) {
    this.values.set('connector-max', maxCurrentA);
  }

  /** Sets (or with null lifts) one constraint; applies the new minimum when it changed. */
  set(source: LimitSource, amps: number | null): void {
    if (source === 'connector-max' && amps === null) return;
    const old = this.values.get(source);
    const value = amps === null ? undefined : Math.max(0, Math.round(amps * 10) / 10);
    if (old === value) return;
    if (value === undefined) this.values.delete(source);
    else this.values.set(source, value);
    this.refresh();
  }

  get(source: LimitSource): number | undefined {
    return this.values.get(source);
  }

  /** The lowest constraint apart from `without` (a connector's cap before a shared budget is applied). */
  capWithout(without: readonly LimitSource[]): number {
    let cap = Infinity;
    for (const [source, amps] of this.values) if (!without.includes(source)) cap = Math.min(cap, amps);
    return cap;
  }

  get current(): ConnectorLimit {
    let best: ConnectorLimit = { amps: Infinity, source: 'connector-max' };
    for (const source of ORDER) {
      const amps = this.values.get(source);
      if (amps !== undefined && amps < best.amps) best = { amps, source };
    }
    return best;
  }

  view(): ConnectorLimitView {
    return { ...this.current, constraints: Object.fromEntries(ORDER.filter((s) => this.values.has(s)).map((s) => [s, this.values.get(s)!])) };
  }

  /** Called with the new limit whenever the amps or the deciding constraint change. */
  onChange(listener: (limit: ConnectorLimit) => void): void {
    this.listeners.push(listener);
  }

  /** Applies the current minimum (also used once at start). */
  refresh(): void {
    const next = this.current;
    const prev = this.applied;
    if (prev && prev.amps === next.amps && prev.source === next.source) return;
    this.applied = next;
    if (!prev || prev.amps !== next.amps) this.apply(next.amps);
    for (const l of this.listeners) l(next);
  }
}

/**
 * Thermal derating: full current up to `fromC`, then linearly down to 6 A at `tripC` (where the over-temperature
 * fault stops charging). null = no derating (below fromC, or no reading).
 */
export function thermalLimitA(celsius: number | null, maxA: number, fromC: number, tripC: number): number | null {
  if (celsius === null || celsius < fromC) return null;
  if (celsius >= tripC) return 6;
  const share = (celsius - fromC) / (tripC - fromC);
  return Math.max(6, Math.floor((maxA - (maxA - 6) * share) * 10) / 10);
}
