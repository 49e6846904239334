// Load management at run time: one ConnectorLimitSet per connector, fed by the plugged cable's rating (PP),
// thermal derating, charging profiles (when OCPP smart charging is attached), the station budget share (site
// limit and ChargePointMaxProfile) and the invalid-id policy. Recomputes at every period boundary, on every
// profile or session change, and at least once a minute.
// Must not: drive outputs (the connector machine does, from the limit), await on the safety path, or hold
// profile or balancing rules (composite.ts, site-share.ts, site-balancer.ts do).

import type { Clock } from '../../hal/clock.js';
import type { CableRating } from '../../hal/types.js';
import type { ConnectorRuntime } from '../connector/runtime.js';
import type { Logger } from '../log.js';
import { ConnectorLimitSet, thermalLimitA, type ConnectorLimitView } from './connector-limit.js';
import type { LimitSource } from './types.js';

/** Limits from installed charging profiles (src/charging/service.ts). */
export interface ProfileLimits {
  /** TxProfile / TxDefaultProfile limit of a connector at `at` (epoch ms); amps null = no profile applies. */
  connectorLimit(connectorId: number, at: number): { amps: number | null; source: LimitSource | null; nextChangeAt: number | null };
  /** ChargePointMaxProfile limit for the whole charge point (amps per phase), null = none. */
  stationLimit(at: number): { amps: number | null; nextChangeAt: number | null };
}

/** Shares a station budget (site limit, ChargePointMax) among connectors (src/charging/station.ts). */
export interface StationShare {
  /** Per connector budget (amps) and whether the site or the ChargePointMax budget was the binding one. */
  share(stationLimitA: number | null): Map<number, { amps: number; source: LimitSource }>;
}

export interface LimitsDeps {
  clock: Clock;
  log: Logger;
  /** Wall-clock epoch ms (the CSMS's time once known). */
  now: () => number;
  connectors: readonly ConnectorRuntime[];
  maxCurrentA: (connectorId: number) => number;
  thermal: { fromC: number; tripC: number };
}

/** Until the PP has been read a plugged cable counts as the smallest rating (13 A): never above any cable. */
const UNREAD_CABLE_A = 13;
const RECHECK_MS = 60_000;

export class ChargingLimits {
  private readonly sets = new Map<number, ConnectorLimitSet>();
  private profiles: ProfileLimits | null = null;
  private station: StationShare | null = null;
  private timer: unknown = null;
  /** Plug-ins per connector: a PP reading started for an earlier plug-in is ignored. */
  private readonly plugIns = new Map<number, number>();
  private started = false;
  private stopped = false;

  constructor(private readonly deps: LimitsDeps) {
    for (const c of deps.connectors) {
      const set = new ConnectorLimitSet(deps.maxCurrentA(c.id), (amps) => c.setCurrentLimit(amps));
      set.onChange((l) => deps.log.info({ connector: c.id, amps: l.amps, source: l.source }, 'offered current limit'));
      this.sets.set(c.id, set);
    }
  }

  start(): void {
    this.started = true;
    for (const c of this.deps.connectors) {
      c.onReading(() => this.onReading(c));
      c.onEvent((e) => {
        if (e.type === 'StatusChanged') this.onPlugChange(c);
        if (e.type === 'SessionStarted' || e.type === 'SessionStopped') this.recompute();
      });
      this.onPlugChange(c);
    }
    this.recompute();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.deps.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  attachProfiles(profiles: ProfileLimits): void {
    this.profiles = profiles;
    this.recompute();
  }

  attachStation(station: StationShare): void {
    this.station = station;
    this.recompute();
  }

  /** Sets or lifts one constraint on a connector (invalid-id policy, site balancer). */
  set(connectorId: number, source: LimitSource, amps: number | null): void {
    this.sets.get(connectorId)?.set(source, amps);
  }

  /** A connector's cap from everything but the shared budgets (site, ChargePointMax): what it could take. */
  capA(connectorId: number): number {
    return this.sets.get(connectorId)?.capWithout(['site', 'charge-point-max']) ?? 0;
  }

  view(connectorId: number): ConnectorLimitView | null {
    return this.sets.get(connectorId)?.view() ?? null;
  }

  /** Profile and station limits now; re-armed for the next period boundary (at most a minute away). */
  recompute(): void {
    if (!this.started || this.stopped) return;
    const at = this.deps.now();
    let next = at + RECHECK_MS;
    const station = this.profiles?.stationLimit(at) ?? { amps: null, nextChangeAt: null };
    if (station.nextChangeAt !== null) next = Math.min(next, station.nextChangeAt);
    for (const c of this.deps.connectors) {
      const own = this.profiles?.connectorLimit(c.id, at) ?? { amps: null, source: null, nextChangeAt: null };
      const set = this.sets.get(c.id)!;
      set.set('tx-profile', own.source === 'tx-profile' ? own.amps : null);
      set.set('tx-default-profile', own.source === 'tx-default-profile' ? own.amps : null);
      if (own.nextChangeAt !== null) next = Math.min(next, own.nextChangeAt);
    }
    this.applyStation(station.amps);
    this.arm(Math.max(at + 100, next) - at);
  }

  private applyStation(stationLimitA: number | null): void {
    const shares = this.station?.share(stationLimitA) ?? null;
    for (const c of this.deps.connectors) {
      const set = this.sets.get(c.id)!;
      if (shares) {
        const s = shares.get(c.id);
        set.set('site', s?.source === 'site' ? s.amps : null);
        set.set('charge-point-max', s?.source === 'charge-point-max' ? s.amps : null);
      } else {
        set.set('site', null);
        set.set('charge-point-max', stationLimitA); // one connector or no balancer: the whole cap is its own
      }
    }
  }

  private arm(ms: number): void {
    if (this.timer !== null) this.deps.clock.clearTimeout(this.timer);
    this.timer = this.deps.clock.setTimeout(() => {
      this.timer = null;
      this.recompute();
    }, ms);
  }

  private onReading(c: ConnectorRuntime): void {
    const { fromC, tripC } = this.deps.thermal;
    this.sets.get(c.id)?.set('thermal', thermalLimitA(c.poller.temperatureC, this.deps.maxCurrentA(c.id), fromC, tripC));
  }

  /** Cable plugged: 13 A until the PP is read, then its rating; unplugged or tethered: no cable constraint. */
  private onPlugChange(c: ConnectorRuntime): void {
    const set = this.sets.get(c.id)!;
    const pp = c.hal.proximity;
    if (!pp || c.context.pilot === 'A') return set.set('cable', null);
    if (set.get('cable') !== undefined) return; // already known for this plug-in
    set.set('cable', UNREAD_CABLE_A);
    const plugIn = (this.plugIns.get(c.id) ?? 0) + 1;
    this.plugIns.set(c.id, plugIn);
    pp.read().then(
      (rating: CableRating | null) => {
        if (c.context.pilot !== 'A' && this.plugIns.get(c.id) === plugIn) set.set('cable', rating ?? UNREAD_CABLE_A);
      },
      (err: unknown) => this.deps.log.warn({ connector: c.id, err: String(err) }, `cable rating unreadable: offering at most ${UNREAD_CABLE_A} A`),
    );
  }
}
