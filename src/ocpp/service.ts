// The OCPP 1.6J adapter: wires the link, registration, status reporting, the outbox pump and the
// CSMS-initiated handlers to the controller. Owns: online/offline authorization and the trigger actions.
// Must not: touch the HAL or the connector machines except through the controller's methods.

import { readFileSync } from 'node:fs';
import type { AuthorizeResponse, DiagnosticsStatusNotificationRequest, FirmwareStatusNotificationRequest, MeterValuesRequest } from 'ocpp-ts';
import { rpc } from './rpc.js';
import type { Clock } from '../../hal/clock.js';
import type { AuthDecision } from '../auth/standalone.js';
import type { Config } from '../config/schema.js';
import type { Controller } from '../controller.js';
import type { Logger } from '../log.js';
import type { Settings } from '../store/settings.js';
import type { OcppConfiguration } from './config-keys.js';
import { ChangeAvailability } from './handlers/ChangeAvailability.js';
import { ChangeConfiguration } from './handlers/ChangeConfiguration.js';
import { ClearCache } from './handlers/ClearCache.js';
import type { HandlerContext } from './handlers/context.js';
import { DataTransfer } from './handlers/DataTransfer.js';
import { GetConfiguration } from './handlers/GetConfiguration.js';
import { RemoteStartTransaction } from './handlers/RemoteStartTransaction.js';
import { RemoteStopTransaction } from './handlers/RemoteStopTransaction.js';
import { Reset } from './handlers/Reset.js';
import { TriggerMessage } from './handlers/TriggerMessage.js';
import { UnlockConnector } from './handlers/UnlockConnector.js';
import { OcppLink } from './link.js';
import { buildMeterValue } from './meter-values.js';
import { OutboxPump } from './pump.js';
import { Registration } from './registration.js';
import { StatusReporter } from './status-reporter.js';
import { linkOptions } from './secrets.js';

export interface OcppDeps {
  controller: Controller;
  settings: Settings;
  clock: Clock;
  log: Logger;
}

type OcppSection = NonNullable<Config['ocpp']>;

/** OCPP 1.6 CSMS-initiated actions of the Reservation, Local Auth List, Smart Charging and Firmware profiles. */
const UNSUPPORTED_ACTIONS = [
  'ReserveNow',
  'CancelReservation',
  'SendLocalList',
  'GetLocalListVersion',
  'SetChargingProfile',
  'ClearChargingProfile',
  'GetCompositeSchedule',
  'GetDiagnostics',
  'UpdateFirmware',
] as const;

export class OcppService {
  readonly link: OcppLink;
  readonly registration: Registration;
  readonly status: StatusReporter;
  readonly pump: OutboxPump;

  constructor(
    private readonly cfg: OcppSection,
    readonly config: OcppConfiguration,
    private readonly deps: OcppDeps,
    identity: Config['identity'],
    chargePointId: string,
  ) {
    const { clock, log, controller, settings } = deps;
    this.link = new OcppLink(linkOptions(cfg, chargePointId, readFileSync), { clock, log: log.child({ module: 'ocpp-link' }) });
    const call = <T>(action: string, payload: unknown): Promise<T> => this.link.call<T>(action, payload);
    this.registration = new Registration({
      clock,
      log: log.child({ module: 'ocpp-boot' }),
      call,
      connected: () => this.link.connected,
      heartbeatIntervalS: () => config.int('HeartbeatInterval'),
      setHeartbeatIntervalS: (s) => config.change('HeartbeatInterval', String(s)),
      everAccepted: { get: () => settings.meta('ocpp.everAccepted') === '1', set: () => settings.setMetaValue('ocpp.everAccepted', '1') },
      boot: {
        chargePointVendor: identity.vendor,
        chargePointModel: identity.model,
        chargePointSerialNumber: identity.serialNumber,
        firmwareVersion: identity.firmwareVersion,
        meterType: controller.meterModel().slice(0, 25),
        meterSerialNumber: controller.meterSerial().slice(0, 25),
      },
    });
    this.status = new StatusReporter({
      log: log.child({ module: 'ocpp-status' }),
      report: (id) => controller.report(id),
      connectorIds: () => controller.connectors.map((c) => c.id),
      maySend: (triggered) => this.registration.maySend(triggered),
      call,
      now: () => this.registration.now(),
    });
    this.pump = new OutboxPump({
      outbox: controller.transactions.outbox,
      store: controller.transactions.store,
      clock,
      log: log.child({ module: 'ocpp-queue' }),
      ready: () => this.registration.maySend(),
      call,
      attempts: () => config.int('TransactionMessageAttempts'),
      retryIntervalS: () => config.int('TransactionMessageRetryInterval'),
      idTagRejected: (connectorId, _localTxId, status) => this.onIdTagRejected(connectorId, status),
    });
    this.wire();
  }

  start(): void {
    this.link.start();
    this.startAligned();
  }

  /** Waits (at most `ms`) until the outbox is empty or cannot be sent now: before a deliberate exit. */
  async drain(ms: number): Promise<void> {
    const { clock } = this.deps;
    const deadline = clock.now() + ms;
    while (clock.now() < deadline && this.registration.maySend() && (this.pump.busy || this.deps.controller.transactions.outbox.size > 0)) {
      await new Promise<void>((resolve) => clock.setTimeout(resolve, 20));
    }
  }

  private startAligned(): void {
    this.deps.controller.transactions.startAligned(
      this.deps.controller.connectors.map((c) => c.id),
      (connectorId, mv) => this.sendDirect({ connectorId, meterValue: [mv] }),
    );
  }

  async stop(): Promise<void> {
    this.registration.stop();
    this.pump.stop();
    await this.link.stop();
  }

  view(): { connected: boolean; registration: string } {
    return { connected: this.link.connected, registration: this.registration.state };
  }

  /** Card or remote authorization: the CSMS when reachable and registered, else the offline policy. */
  async authorize(idTag: string): Promise<AuthDecision> {
    if (this.registration.maySend()) {
      try {
        const conf = await this.link.call<AuthorizeResponse>('Authorize', { idTag });
        const status = conf.idTagInfo.status;
        return status === 'Accepted' ? { accepted: true, idTag } : { accepted: false, idTag, reason: `${status} by the CSMS` };
      } catch (err) {
        this.deps.log.warn({ idTag, err: String(err) }, 'Authorize failed; using the offline policy');
      }
    }
    return this.offlineDecision(idTag);
  }

  private offlineDecision(idTag: string): AuthDecision {
    if (!this.registration.everAccepted && !this.cfg.chargeBeforeAccepted) {
      return { accepted: false, idTag, reason: 'not accepted by the CSMS yet (ocpp.chargeBeforeAccepted is false)' };
    }
    const local = this.deps.controller.auth.authorize(idTag);
    if (local.accepted && this.config.bool('LocalAuthorizeOffline')) return local;
    if (this.config.bool('AllowOfflineTxForUnknownId')) return { accepted: true, idTag };
    return { accepted: false, idTag, reason: 'unknown while the CSMS is unreachable' };
  }

  /** OCPP 3.5.4 / StopTransactionOnInvalidId: the CSMS refused the idTag of a running transaction. */
  private onIdTagRejected(connectorId: number, status: string): void {
    this.deps.log.warn({ connectorId, status }, 'StartTransaction.conf refused the idTag');
    if (this.config.bool('StopTransactionOnInvalidId')) this.deps.controller.stopSession(connectorId, 'DeAuthorized');
  }

  private sendDirect(payload: MeterValuesRequest): void {
    if (!this.registration.maySend(true)) return;
    this.link.call('MeterValues', payload).catch((err: unknown) => this.deps.log.warn({ err: String(err) }, 'MeterValues not delivered'));
  }

  private wire(): void {
    const { controller } = this.deps;
    this.link.onOpen(() => this.registration.linkOpened());
    this.link.onClose(() => this.registration.linkLost());
    this.registration.onAccepted(() => {
      this.status.sendAll();
      this.pump.kick();
    });
    controller.onReportChanged((id) => this.status.changed(id));
    controller.onQueued(() => this.pump.kick());
    this.config.onChange((key) => {
      if (key === 'HeartbeatInterval') this.registration.armHeartbeat();
      if (key === 'WebSocketPingInterval') this.link.setPingInterval(this.config.int(key) * 1000);
      if (key === 'ConnectionTimeOut') controller.setConnectionTimeout(this.config.int(key) * 1000);
      if (key === 'MeterValueSampleInterval') controller.transactions.rearmSampling();
      if (key === 'ClockAlignedDataInterval') this.startAligned();
    });
    this.registerHandlers(this.handlerContext());
  }

  private registerHandlers(ctx: HandlerContext): void {
    const handlers: Record<string, (params: never) => unknown> = {
      RemoteStartTransaction: RemoteStartTransaction(ctx),
      RemoteStopTransaction: RemoteStopTransaction(ctx),
      ChangeAvailability: ChangeAvailability(ctx),
      Reset: Reset(ctx),
      UnlockConnector: UnlockConnector(ctx),
      GetConfiguration: GetConfiguration({ config: this.config }),
      ChangeConfiguration: ChangeConfiguration({ config: this.config }),
      ClearCache: ClearCache(),
      DataTransfer: DataTransfer(),
      TriggerMessage: TriggerMessage(ctx),
    };
    for (const [action, handler] of Object.entries(handlers)) this.link.handle(action, (params) => handler(params as never));
    // Known 1.6 actions of profiles this version does not offer: NotSupported (unknown ones get
    // NotImplemented from ocpp-rpc before any schema check).
    for (const action of UNSUPPORTED_ACTIONS) {
      this.link.handle(action, () => {
        throw rpc.createRPCError('NotSupported', `${action} is not supported by this charge point`);
      });
    }
    this.link.setSilent(() => this.registration.silent);
  }

  private handlerContext(): HandlerContext {
    const { controller, clock } = this.deps;
    return {
      config: this.config,
      connectorIds: () => controller.connectors.map((c) => c.id),
      connector: (id) => controller.connectorView(id),
      authorizeOn: (id, idTag) => controller.authorizeOn(id, idTag),
      authorizeOnline: async (idTag) => {
        const d = await this.authorize(idTag);
        return d.accepted ? 'Accepted' : 'Invalid';
      },
      stopSession: (id, reason) => controller.stopSession(id, reason),
      connectorOfTransaction: (csmsId) => controller.transactions.store.open().find((t) => t.csmsId === csmsId)?.connectorId,
      changeAvailability: (id, operative) => controller.changeAvailability(id, operative),
      reset: (type) => controller.reset(type),
      unlocked: (id) => controller.waitUnlocked(id, 3000),
      registration: () => this.registration.state,
      afterReply: (work) => void clock.setTimeout(work, 0),
      trigger: {
        boot: () => void this.registration.boot(),
        heartbeat: () => void this.registration.heartbeat(),
        statusNotification: (id) => this.status.trigger(id),
        meterValues: (id) => this.triggerMeterValues(id),
        diagnosticsStatus: () => this.notify<DiagnosticsStatusNotificationRequest>('DiagnosticsStatusNotification', { status: 'Idle' }),
        firmwareStatus: () => this.notify<FirmwareStatusNotificationRequest>('FirmwareStatusNotification', { status: 'Idle' }),
      },
    };
  }

  private notify<T>(action: string, payload: T): void {
    if (!this.registration.maySend(true)) return;
    this.link.call(action, payload).catch((err: unknown) => this.deps.log.warn({ action, err: String(err) }, 'notification not delivered'));
  }

  private triggerMeterValues(connectorId?: number): void {
    const { controller } = this.deps;
    const ids = connectorId === undefined ? controller.connectors.map((c) => c.id) : [connectorId];
    for (const id of ids) {
      const snap = controller.snapshot(id);
      if (!snap) continue;
      const tx = controller.transactions.current(id);
      const mv = buildMeterValue(snap, this.config.list('MeterValuesSampledData'), 'Trigger', this.registration.now());
      this.sendDirect({ connectorId: id, ...(tx?.csmsId ? { transactionId: tx.csmsId } : {}), meterValue: [mv] });
    }
  }
}
