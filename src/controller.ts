// The controller: connectors, fault registry, transactions, availability, authorization and card taps.
// Owns: the composition of those, the reports (status + error) per connector, resets and shutdown.
// Must not: touch hardware outputs (connector machines do) or know HTTP (api/) or OCPP frames (ocpp/).

import type { Clock } from '../hal/clock.js';
import type { Hal, Unsubscribe } from '../hal/types.js';
import type { StopReason } from '../state-machines/connector.js';
import { Availability } from './availability.js';
import { CardTap } from './auth/card-tap.js';
import { accept, refuse, type AuthorizationDecision, type LastAuthorization } from './auth/refusal.js';
import { createReservations } from './auth/reservation-setup.js';
import type { ReservationService } from './auth/reservations.js';
import { StandaloneAuthorizer } from './auth/standalone.js';
import type { ChargingLimits } from './charging/limits.js';
import { createLoadManagement } from './charging/load-management.js';
import type { StationBudget } from './charging/station.js';
import type { Config } from './config/schema.js';
import { IndicatorDriver } from './connector/indicator.js';
import { ConnectorRuntime, connectorSettings } from './connector/runtime.js';
import { FaultRegistry } from './faults/registry.js';
import type { Logger } from './log.js';
import type { Snapshot } from './ocpp/meter-values.js';
import { TransactionService, type MeterPolicy } from './ocpp/transactions.js';
import { reportOf, viewOf, type ConnectorReportView, type ConnectorViewOf } from './reports.js';
import { buildStatus, type StatusView } from './status.js';
import type { Db } from './store/db.js';
import { ChargingProfileStore } from './store/charging-profiles.js';
import { LocalListStore } from './store/local-list.js';
import type { Settings } from './store/settings.js';

export interface ControllerDeps {
  hal: Hal;
  clock: Clock;
  log: Logger;
  db: Db;
  settings: Settings | null;
  /** MeterValues policy (OCPP keys); null in standalone mode. */
  policy: MeterPolicy | null;
  now?: () => string;
  /** Restarts the process after a reset (main decides how). */
  restart?: (reason: 'SoftReset' | 'HardReset') => void;
}

export class Controller {
  readonly faults: FaultRegistry;
  readonly connectors: ConnectorRuntime[];
  readonly transactions: TransactionService;
  readonly auth: StandaloneAuthorizer;
  readonly availability: Availability;
  /** Reservations (OCPP 1.6 Reservation profile): persisted, restored in start(). */
  readonly reservations: ReservationService;
  /** The local authorization list (OCPP 1.6 3.5.1), changed only by SendLocalList. */
  readonly localList: LocalListStore;
  /** The offered current of each connector and the constraint that sets it (src/charging/limits.ts). */
  readonly charging: ChargingLimits;
  /** Site load balancing and the ChargePointMax share (src/charging/station.ts). */
  readonly station: StationBudget;
  /** Installed charging profiles (OCPP Smart Charging, used by src/ocpp/smart-charging.ts). */
  readonly profileStore: ChargingProfileStore;
  /** Online authorization (set by the OCPP adapter); standalone allow-list / free vend otherwise. */
  authorizer: (idTag: string) => Promise<AuthorizationDecision>;
  ocppView: () => { connected: boolean; registration: string } = () => ({ connected: false, registration: 'NotConfigured' });
  /**
   * Set by the reservation service: the session that starts on a connector uses (ends) the reservation its
   * idTag or group holds; returns its id for StartTransaction.
   */
  consumeReservation: (connectorId: number, idTag: string, parentIdTag: string | undefined) => number | undefined = () => undefined;
  /** The group (parentIdTag) of the idTag each connector was authorized for, recorded with the session. */
  private readonly authorizedParent = new Map<number, string>();
  private readonly indicators = new Map<number, IndicatorDriver>();
  private readonly cards: CardTap;
  private readonly reportListeners: Array<(connectorId: number) => void> = [];
  private readonly queuedListeners: Array<() => void> = [];
  private readonly unsubscribe: Unsubscribe[] = [];
  /** While shutdown() stops the sessions, their records wait until every contactor is open. */
  private shuttingDown = false;
  private now: () => string;

  constructor(
    readonly config: Config,
    private readonly deps: ControllerDeps,
  ) {
    const { hal, clock, log } = deps;
    this.now = deps.now ?? (() => new Date(clock.now()).toISOString());
    this.faults = new FaultRegistry(() => clock.now());
    this.auth = new StandaloneAuthorizer(config.auth);
    this.authorizer = async (idTag) => {
      const d = this.auth.authorize(idTag);
      return d.accepted ? accept(d.idTag, this.auth.freeVend ? 'free-vend' : 'allow-list') : refuse(d.idTag, 'NotAllowListed', 'allow-list');
    };
    this.connectors = hal.connectors.map((h) => this.createConnector(h.id));
    this.availability = new Availability(deps.settings, this.connectors);
    this.reservations = createReservations(this, { db: deps.db, clock, log, now: () => Date.parse(this.now()) });
    this.localList = new LocalListStore(deps.db);
    this.profileStore = new ChargingProfileStore(deps.db);
    ({ limits: this.charging, station: this.station } = createLoadManagement({
      config, hal, clock, log, connectors: this.connectors, now: () => Date.parse(this.now()),
      startedAt: (id) => {
        const tx = this.transactions?.current(id);
        return tx ? Date.parse(tx.startedAt) : null;
      },
    }));
    this.cards = new CardTap(this, { log: log.child({ module: 'auth' }), indicators: this.indicators, now: () => this.now() });
    this.transactions = new TransactionService({
      db: deps.db,
      clock,
      log: log.child({ module: 'transactions' }),
      now: () => this.now(),
      policy: deps.policy,
      snapshot: (id) => this.snapshot(id),
      queued: () => this.queuedListeners.forEach((l) => l()),
      tariff: config.tariff ?? null,
    });
  }

  /** OCPP timestamps follow the CSMS clock once it is known. */
  setTimeSource(now: () => string): void {
    this.now = now;
  }

  /** Recovers transactions left open by the last run, then starts the connectors. */
  start(): void {
    const lastExit = this.deps.settings?.meta('lastExit');
    const reason: StopReason = lastExit === 'HardReset' || lastExit === 'SoftReset' || lastExit === 'Reboot' ? lastExit : 'PowerLoss';
    const recovered = this.transactions.recover(reason);
    if (recovered.length > 0) this.deps.log.warn({ transactions: recovered.map((t) => t.localId), reason }, 'transactions left open by the last run stopped');
    this.deps.settings?.setMetaValue('lastExit', 'running');
    for (const c of this.connectors) c.start();
    this.charging.start();
    this.station.start();
    this.availability.restore();
    this.reservations.restore();
    this.faults.onChange((id, faults) => {
      this.deps.log.info({ connector: id, faults: faults.map((f) => f.name) }, 'faults changed');
      this.reportListeners.forEach((l) => l(id));
    });
    const { rfid } = this.deps.hal;
    this.unsubscribe.push(
      rfid.cards.on((card) => void this.onCard(card.uid)),
      // The shared reader's fault is the charge point's (connector 0): a warning, remote starts still work.
      rfid.faults.on((e) => (e.active ? this.faults.raise(0, 'rfid-reader', e.detail) : this.faults.clear(0, 'rfid-reader'))),
    );
  }

  /**
   * The process goes away (REFERENCE.md 7: contactors open and CP to A first): every session ends as an
   * immediate stop, then the sessions are recorded with `reason` (SQLite, queued) and the exit reason written.
   */
  shutdown(reason: 'Reboot' | 'HardReset' | 'SoftReset'): void {
    this.shuttingDown = true;
    for (const c of this.connectors) c.stopSession(reason, true);
    this.shuttingDown = false;
    for (const c of this.connectors) this.transactions.stopped(c.id, reason); // no-op without an open transaction
    this.deps.settings?.setMetaValue('lastExit', reason);
    this.stop();
  }

  /** Stops timers and connectors (contactors open) without ending sessions: a crash-like stop. */
  stop(): void {
    for (const u of this.unsubscribe.splice(0)) u();
    this.transactions.stop();
    this.reservations.stop();
    this.charging.stop();
    this.station.stop();
    for (const c of this.connectors) c.stop();
  }

  reset(type: 'Soft' | 'Hard'): void {
    const reason = type === 'Hard' ? 'HardReset' : 'SoftReset';
    this.deps.log.warn({ type }, 'reset requested by the CSMS');
    this.shutdown(reason);
    this.deps.restart?.(reason);
  }

  connector(id: number): ConnectorRuntime | undefined {
    return this.connectors[id - 1];
  }

  connectorView(id: number): ConnectorViewOf | undefined {
    const c = this.connector(id);
    return c ? viewOf(c, this.faults) : undefined;
  }

  report(id: number): ConnectorReportView {
    return reportOf(id, this);
  }

  onReportChanged(listener: (connectorId: number) => void): void {
    this.reportListeners.push(listener);
  }

  /** Something outside the connector changed what it reports (e.g. a reservation): tell the listeners. */
  reportChanged(connectorId: number): void {
    this.reportListeners.forEach((l) => l(connectorId));
  }

  onQueued(listener: () => void): void {
    this.queuedListeners.push(listener);
  }

  status(): StatusView {
    return buildStatus(this);
  }

  snapshot(id: number): Snapshot | null {
    const c = this.connector(id);
    const reading = c?.poller.last;
    if (!c || !reading) return null;
    const cfg = this.config.connectors[id - 1];
    return { reading, offeredA: c.context.cp === 'pwm' ? c.context.appliedA : 0, temperatureC: c.poller.temperatureC, phases: cfg?.phases ?? 3 };
  }

  meterModel(): string {
    return this.deps.hal.connectors[0]?.meter.capabilities.model ?? 'unknown';
  }

  meterSerial(): string {
    return this.deps.hal.connectors[0]?.meter.capabilities.serial ?? 'unknown';
  }

  /** For the systemd watchdog: not ok while a fault only a restart clears is active (hal-output, *-io outputs). */
  healthy(): { ok: boolean; reason?: string } {
    for (const c of this.connectors) {
      const f = this.faults.restartRequired(c.id);
      if (f) return { ok: false, reason: `connector ${c.id}: ${f.info}${f.detail ? `: ${f.detail}` : ''}` };
    }
    return { ok: true };
  }

  /** Authorizes a session on a connector; `parentIdTag` is the idTag's group from its IdTagInfo. */
  authorizeOn(connectorId: number, idTag: string, parentIdTag?: string): void {
    const c = this.connector(connectorId);
    if (!c) return;
    if (parentIdTag) this.authorizedParent.set(connectorId, parentIdTag);
    else this.authorizedParent.delete(connectorId);
    c.authorize(idTag);
  }

  /** keepLocked: the cable stays locked after the stop until its owner's card (OCPP 3.5.4 DeAuthorized). */
  stopSession(connectorId: number, reason: StopReason, opts: { keepLocked?: boolean } = {}): void {
    this.connector(connectorId)?.stopSession(reason, false, opts.keepLocked === true);
  }

  /** The last card decision on a connector (0: one no connector was chosen for), for the status API. */
  lastAuthorization(connectorId: number): LastAuthorization | null {
    return this.cards.last(connectorId);
  }

  changeAvailability(connectorId: number, operative: boolean): 'Accepted' | 'Scheduled' {
    const result = this.availability.change(connectorId, operative);
    this.reportListeners.forEach((l) => l(connectorId));
    return result;
  }

  setConnectionTimeout(ms: number): void {
    for (const c of this.connectors) c.machine.send({ type: 'SetConnectionTimeout', ms });
  }

  /** Resolves once the cable lock of a connector reports unlocked, or false after `ms`. */
  waitUnlocked(connectorId: number, ms: number): Promise<boolean> {
    const c = this.connector(connectorId);
    return new Promise((resolve) => {
      if (!c) return resolve(false);
      const deadline = this.deps.clock.now() + ms;
      const check = (): void => {
        if (!c.context.lockFb && !c.context.lockCmd) return resolve(true);
        if (this.deps.clock.now() >= deadline) return resolve(false);
        this.deps.clock.setTimeout(check, 50);
      };
      check();
    });
  }

  /** A card was presented (src/auth/card-tap.ts decides what it does). */
  onCard(uid: Uint8Array): Promise<void> {
    return this.cards.onCard(uid);
  }

  private createConnector(id: number): ConnectorRuntime {
    const { hal, clock, log } = this.deps;
    const config = this.config;
    const c = config.connectors[id - 1];
    const h = hal.connectors[id - 1];
    if (!c || !h) throw new Error(`HAL connector ${id} has no configuration entry`);
    const runtime = new ConnectorRuntime(h, connectorSettings(config, c), { clock, faults: this.faults, log: log.child({ module: 'connector', connector: id }) });
    this.indicators.set(id, new IndicatorDriver(h.indicator, clock));
    runtime.onEvent((e) => this.onConnectorEvent(runtime, e));
    runtime.onReading(() => this.transactions.reading(id));
    return runtime;
  }

  private onConnectorEvent(c: ConnectorRuntime, e: Parameters<Parameters<ConnectorRuntime['onEvent']>[0]>[0]): void {
    const log = this.deps.log.child({ module: 'session', connector: c.id });
    switch (e.type) {
      case 'StatusChanged':
        this.indicators.get(c.id)?.showStatus(e.status);
        log.info({ status: e.status, errorCode: this.faults.errorCode(c.id) }, 'status');
        this.reportListeners.forEach((l) => l(c.id));
        if (e.status === 'Preparing' && this.auth.freeVend && c.context.session === 'none' && c.context.pilot !== 'A') {
          c.authorize(this.auth.freeVendIdTag);
        }
        break;
      case 'SessionStarted': {
        const parentIdTag = this.authorizedParent.get(c.id);
        const reservationId = this.consumeReservation(c.id, e.idTag, parentIdTag);
        const tx = this.transactions.started(c.id, e.idTag, { parentIdTag, reservationId });
        log.info({ transactionId: tx.localId, idTag: e.idTag, meterStartWh: tx.meterStartWh }, 'session started');
        break;
      }
      case 'SessionStopped': {
        if (this.shuttingDown) break; // shutdown() records it once every contactor is open
        const tx = this.transactions.stopped(c.id, e.reason);
        log.info({ transactionId: tx?.localId, reason: e.reason, meterStopWh: tx?.meterStopWh }, 'session stopped');
        break;
      }
      case 'AuthorizationExpired':
        log.info({ idTag: e.idTag }, 'authorization expired: no cable plugged in time');
        break;
      case 'FaultDetected':
        break;
    }
  }
}
