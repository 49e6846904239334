// The station budget: site load balancing (the site fuse per phase, optionally watched by a grid meter) and the
// CSMS's ChargePointMaxProfile, both shared among the connectors. Feeds the site balancer with each connector's
// session and measured draw and with the grid meter's phase currents; answers each connector's share.
// Must not: hold sharing rules (site-share.ts, site-balancer.ts) or drive outputs (limits.ts applies shares).

import type { Clock } from '../../hal/clock.js';
import type { EnergyMeter } from '../../hal/types.js';
import type { ConnectorRuntime } from '../connector/runtime.js';
import type { Logger } from '../log.js';
import type { StationShare } from './limits.js';
import { SETTLE_MS, type SiteBalancer, type SiteBalancerStatus, type SiteConnectorState } from './site-balancer.js';
import { floorTenth, MIN_CHARGE_A, shareSite } from './site-share.js';
import type { LimitSource } from './types.js';

export interface StationDeps {
  clock: Clock;
  log: Logger;
  connectors: readonly ConnectorRuntime[];
  /** The site balancer; null = no site limit configured. */
  site: SiteBalancer | null;
  gridMeter: EnergyMeter | null;
  meterIntervalMs: number;
  /** A connector's cap from its other constraints (cable, profiles, thermal, configured maximum). */
  capA: (connectorId: number) => number;
  /** Phases a connector is wired to (1: L1 only). */
  phases: (connectorId: number) => number;
  /** Session start (epoch ms) of the connector's running transaction. */
  startedAt: (connectorId: number) => number | null;
  /** The shares may have changed: the limits recompute. */
  changed: () => void;
}

export class StationBudget implements StationShare {
  private timer: unknown = null;
  private stopped = false;
  private failures = 0;
  /** The site budget last seen, so idle connectors' shares follow it (the balancer reports per-session changes). */
  private lastBudgetA = -1;
  /** Connectors the balancer was last told want power (a session that just started is not among them yet). */
  private wanting = new Set<number>();
  /** Recent PWM offers per connector (for the ChargePointMax start bound). */
  private readonly offers = new Map<number, Array<{ amps: number; until: number }>>();

  constructor(private readonly deps: StationDeps) {}

  start(): void {
    const { site, connectors } = this.deps;
    if (!site) return;
    site.onChange(() => this.deps.changed());
    for (const c of connectors) {
      c.onReading(() => this.sync());
      c.onEvent((e) => {
        if (e.type === 'SessionStarted' || e.type === 'SessionStopped' || e.type === 'StatusChanged') this.sync();
      });
    }
    this.sync();
    if (this.deps.gridMeter) this.poll();
  }

  /** The site balancer's state for the status API (null without a site limit). */
  view(): SiteBalancerStatus | null {
    const s = this.deps.site?.status();
    if (!s) return null;
    const tenth = (a: number): number => Math.round(a * 10) / 10;
    return { ...s, budgetA: tenth(s.budgetA), houseA: s.houseA === null ? null : tenth(s.houseA) };
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.deps.clock.clearTimeout(this.timer);
    this.deps.site?.stop();
  }

  /**
   * Each connector's share: the lower of its site budget and its share of the ChargePointMax limit. A connector
   * without a session gets what it could start with right away without anyone else lowering first (what the
   * others do not hold, if >= 6 A), so a session starts at once when there is room instead of being suspended
   * until the balancer's next step, and waits (SuspendedEVSE) when there is not.
   */
  share(stationLimitA: number | null): Map<number, { amps: number; source: LimitSource }> {
    const out = new Map<number, { amps: number; source: LimitSource }>();
    const states = this.states();
    for (const st of states) {
      const site = this.deps.site ? (this.wanting.has(st.connectorId) ? this.deps.site.limitFor(st.connectorId).amps : this.headroom(st)) : Infinity;
      const cp = stationLimitA === null ? Infinity : this.cpShare(stationLimitA, st, states);
      if (site === Infinity && cp === Infinity) continue;
      out.set(st.connectorId, cp < site ? { amps: cp, source: 'charge-point-max' } : { amps: site, source: 'site' });
    }
    return out;
  }

  /**
   * Site budget no other connector holds (its budget, or more while a lowering settles), capped at the
   * connector's own cap; 0 below the 6 A minimum.
   */
  private headroom(st: SiteConnectorState): number {
    const site = this.deps.site!;
    const used = site.known().filter((id) => id !== st.connectorId).reduce((sum, id) => sum + site.committedA(id), 0);
    const free = floorTenth(Math.min(st.capA, site.status().budgetA - used));
    return free >= MIN_CHARGE_A ? free : 0;
  }

  /**
   * A connector's share of the ChargePointMax limit (without a session: its share as the newest session). Lowering
   * is at once; raising only into what the others leave free, counting what they offered in the last 10 s (an EV
   * may still draw a lowered offer that long), so the total never passes the limit while shares move.
   */
  private cpShare(limitA: number, st: SiteConnectorState, states: readonly SiteConnectorState[]): number {
    const view = st.wantsPower ? states : states.map((o) => (o === st ? { ...o, wantsPower: true, startedAt: Number.MAX_SAFE_INTEGER } : o));
    const fair = shareSite({ budgetA: limitA, connectors: view }).get(st.connectorId) ?? 0;
    const others = states.filter((o) => o !== st).reduce((sum, o) => sum + this.recentOffer(o.connectorId), 0);
    const allowed = Math.min(fair, Math.max(this.offerNow(st.connectorId), floorTenth(limitA - others)));
    return allowed >= MIN_CHARGE_A ? allowed : 0;
  }

  private offerNow(connectorId: number): number {
    const c = this.deps.connectors.find((x) => x.id === connectorId);
    return c && c.context.cp === 'pwm' ? c.context.appliedA : 0;
  }

  /** The highest current a connector offered on its PWM in the last SETTLE_MS. */
  private recentOffer(connectorId: number): number {
    const now = this.deps.clock.now();
    const offered = this.offerNow(connectorId);
    const kept = (this.offers.get(connectorId) ?? []).filter((o) => o.until > now);
    if (offered > 0) kept.push({ amps: offered, until: now + SETTLE_MS });
    this.offers.set(connectorId, kept);
    return Math.max(0, ...kept.map((o) => o.amps));
  }

  /** The connectors as the balancer sees them (sessions wanting power, start order, caps, measured draw). */
  private states(): SiteConnectorState[] {
    return this.deps.connectors.map((c) => {
      const i = c.poller.last?.currentA;
      const draw = i ? (this.deps.phases(c.id) === 1 ? [i.l1, 0, 0] : [i.l1, i.l2, i.l3]) : undefined;
      return {
        connectorId: c.id,
        wantsPower: c.context.session === 'active',
        startedAt: this.deps.startedAt(c.id) ?? this.deps.clock.now(),
        capA: this.deps.capA(c.id),
        ...(draw ? { drawPhasesA: draw } : {}),
      };
    });
  }

  private sync(): void {
    const { site } = this.deps;
    if (this.stopped || !site) return;
    const states = this.states();
    this.wanting = new Set(states.filter((st) => st.wantsPower).map((st) => st.connectorId));
    site.update(states);
    this.budgetMoved();
  }

  private budgetMoved(): void {
    const budget = this.deps.site!.status().budgetA;
    if (budget === this.lastBudgetA) return;
    this.lastBudgetA = budget;
    this.deps.changed();
  }

  private poll(): void {
    const { gridMeter, site, clock, log, meterIntervalMs } = this.deps;
    if (this.stopped || !gridMeter || !site) return;
    gridMeter.read().then(
      (r) => {
        if (this.failures > 0) log.info({ after: this.failures }, 'grid meter answers again');
        this.failures = 0;
        this.sync();
        site.onGridReading([r.currentA.l1, r.currentA.l2, r.currentA.l3]);
        this.budgetMoved();
      },
      (err: unknown) => {
        if (this.failures++ === 0) log.warn({ err: String(err) }, 'grid meter read failed; chargers fall back when readings stay away');
      },
    ).finally(() => {
      if (!this.stopped) this.timer = clock.setTimeout(() => this.poll(), meterIntervalMs);
    });
  }
}
