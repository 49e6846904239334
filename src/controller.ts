// The controller: connectors, fault registry, sessions, authorization and card taps, composed.
// Owns: what happens on a card tap, the session records, the status snapshot the API serves.
// Must not: touch hardware outputs (connector machines do) or know HTTP (api/ does).

import type { Clock } from '../hal/clock.js';
import type { Hal } from '../hal/types.js';
import type { StopReason } from '../state-machines/connector.js';
import { StandaloneAuthorizer } from './auth/standalone.js';
import { uidToIdTag } from './auth/id-tag.js';
import type { Config } from './config/schema.js';
import { ConnectorRuntime } from './connector/runtime.js';
import { CARD_ACCEPTED_LED, CARD_REFUSED_LED, IndicatorDriver } from './connector/indicator.js';
import { FaultRegistry } from './faults/registry.js';
import type { Logger } from './log.js';
import { SessionLog } from './session/sessions.js';
import { buildStatus, type StatusView } from './status.js';

export interface ControllerDeps {
  hal: Hal;
  clock: Clock;
  log: Logger;
  dataDir: string | null;
}

export class Controller {
  readonly faults: FaultRegistry;
  readonly connectors: ConnectorRuntime[];
  readonly sessions: SessionLog;
  readonly auth: StandaloneAuthorizer;
  private readonly indicators = new Map<number, IndicatorDriver>();

  constructor(
    readonly config: Config,
    private readonly deps: ControllerDeps,
  ) {
    const { hal, clock, log } = deps;
    this.faults = new FaultRegistry(() => clock.now());
    this.sessions = new SessionLog(deps.dataDir, () => clock.now());
    this.auth = new StandaloneAuthorizer(config.auth);
    this.connectors = hal.connectors.map((h) => {
      const c = config.connectors[h.id - 1];
      if (!c) throw new Error(`HAL connector ${h.id} has no configuration entry`);
      const runtime = new ConnectorRuntime(
        h,
        {
          maxCurrentA: c.maxCurrentA,
          ventilationAllowed: c.ventilationAllowed,
          connectionTimeoutMs: config.auth.connectionTimeoutS * 1000,
          poller: {
            meterIntervalMs: config.meter.pollIntervalMs,
            offlineAfterFailures: config.meter.offlineAfterFailures,
            temperatureIntervalMs: config.temperature.pollIntervalMs,
            tripC: config.temperature.tripC,
            resumeC: config.temperature.resumeC,
          },
        },
        { clock, faults: this.faults, log: log.child({ module: 'connector', connector: h.id }) },
      );
      this.indicators.set(h.id, new IndicatorDriver(h.indicator, clock));
      runtime.onEvent((e) => this.onConnectorEvent(runtime, e));
      return runtime;
    });
  }

  start(): void {
    for (const c of this.connectors) c.start();
    // Registered after the connectors, so a fault reaches the connector machine before any log write.
    this.faults.onChange((id, faults) => {
      if (id > 0) this.deps.log.info({ connector: id, faults: faults.map((f) => f.name) }, 'faults changed');
    });
    this.deps.hal.rfid.cards.on((card) => this.onCard(card.uid));
  }

  stop(): void {
    for (const c of this.connectors) c.stop();
  }

  connector(id: number): ConnectorRuntime | undefined {
    return this.connectors[id - 1];
  }

  status(): StatusView {
    return buildStatus(this);
  }

  /** A card was presented: stop the session it started, else authorize the connector that waits. */
  onCard(uid: Uint8Array): void {
    const log = this.deps.log.child({ module: 'auth' });
    const parsed = uidToIdTag(uid);
    if (!parsed.ok) {
      log.warn({ uidBytes: uid.length }, `card ignored: ${parsed.error}`);
      this.flashAll(CARD_REFUSED_LED);
      return;
    }
    const idTag = parsed.idTag;
    const own = this.connectors.find((c) => this.sessions.current(c.id)?.idTag === idTag);
    if (own) {
      log.info({ idTag, connector: own.id }, 'card presented again: stopping session');
      own.stopSession('Local');
      return;
    }
    const target = this.pickConnectorFor();
    if (!target) {
      log.warn({ idTag }, 'card refused: no connector is free to start a session (all busy, faulted or unavailable)');
      this.flashAll(CARD_REFUSED_LED);
      return;
    }
    const decision = this.auth.authorize(idTag);
    if (!decision.accepted) {
      log.warn({ idTag, connector: target.id, reason: decision.reason }, `card refused: ${idTag} is ${decision.reason}`);
      this.indicators.get(target.id)?.flash(CARD_REFUSED_LED);
      return;
    }
    log.info({ idTag, connector: target.id }, 'card accepted');
    this.indicators.get(target.id)?.flash(CARD_ACCEPTED_LED);
    target.authorize(decision.idTag);
  }

  stopSession(connectorId: number, reason: StopReason): void {
    this.connector(connectorId)?.stopSession(reason);
  }

  /** Plugged and waiting first, then a finished one still plugged, then the first available. */
  private pickConnectorFor(): ConnectorRuntime | undefined {
    const free = this.connectors.filter((c) => c.context.operative && c.context.session !== 'active' && c.status !== 'Faulted');
    return (
      free.find((c) => c.context.pilot !== 'A' && c.context.session === 'none') ??
      free.find((c) => c.context.pilot !== 'A' && c.context.session === 'finished') ??
      free.find((c) => c.context.pilot === 'A' && c.context.session === 'none')
    );
  }

  private flashAll(state: typeof CARD_REFUSED_LED): void {
    for (const i of this.indicators.values()) i.flash(state);
  }

  private onConnectorEvent(c: ConnectorRuntime, e: Parameters<Parameters<ConnectorRuntime['onEvent']>[0]>[0]): void {
    const log = this.deps.log.child({ module: 'session', connector: c.id });
    const meterWh = c.poller.last?.energyImportWh ?? 0;
    switch (e.type) {
      case 'StatusChanged':
        this.indicators.get(c.id)?.showStatus(e.status);
        log.info({ status: e.status, errorCode: this.faults.errorCode(c.id) }, 'status');
        if (e.status === 'Preparing' && this.auth.freeVend && c.context.session === 'none' && c.context.pilot !== 'A') {
          c.authorize(this.auth.freeVendIdTag);
        }
        break;
      case 'SessionStarted': {
        const rec = this.sessions.start(c.id, e.idTag, meterWh);
        log.info({ transactionId: rec.id, idTag: e.idTag, meterStartWh: meterWh }, 'session started');
        break;
      }
      case 'SessionStopped': {
        const rec = this.sessions.stop(c.id, e.reason, meterWh);
        log.info({ transactionId: rec?.id, reason: e.reason, meterStopWh: meterWh, energyWh: rec ? meterWh - rec.meterStartWh : 0 }, 'session stopped');
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
