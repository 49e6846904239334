// The OCPP 1.6J adapter: wires the link, registration, status reporting, the outbox pump and the
// CSMS-initiated handlers to the controller. Owns: the trigger actions; authorization is authorization.ts's.
// Must not: touch the HAL or the connector machines except through the controller's methods.

import { readFileSync } from 'node:fs';
import type { DiagnosticsStatusNotificationRequest, FirmwareStatusNotificationRequest, MeterValuesRequest } from 'ocpp-ts';
import { rpc } from './rpc.js';
import type { Clock } from '../../hal/clock.js';
import type { AuthorizationDecision } from '../auth/refusal.js';
import type { Config } from '../config/schema.js';
import type { Controller } from '../controller.js';
import type { Logger } from '../log.js';
import type { Settings } from '../store/settings.js';
import type { OcppConfiguration } from './config-keys.js';
import { CancelReservation } from './handlers/CancelReservation.js';
import { ChangeAvailability } from './handlers/ChangeAvailability.js';
import { ChangeConfiguration } from './handlers/ChangeConfiguration.js';
import { ClearCache } from './handlers/ClearCache.js';
import { ClearChargingProfile } from './handlers/ClearChargingProfile.js';
import { GetCompositeSchedule } from './handlers/GetCompositeSchedule.js';
import { SetChargingProfile } from './handlers/SetChargingProfile.js';
import type { HandlerContext } from './handlers/context.js';
import { DataTransfer } from './handlers/DataTransfer.js';
import { GetConfiguration } from './handlers/GetConfiguration.js';
import { GetLocalListVersion } from './handlers/GetLocalListVersion.js';
import { RemoteStartTransaction } from './handlers/RemoteStartTransaction.js';
import { RemoteStopTransaction } from './handlers/RemoteStopTransaction.js';
import { ReserveNow } from './handlers/ReserveNow.js';
import { Reset } from './handlers/Reset.js';
import { SendLocalList } from './handlers/SendLocalList.js';
import { TriggerMessage } from './handlers/TriggerMessage.js';
import { UnlockConnector } from './handlers/UnlockConnector.js';
import { OcppAuthorization } from './authorization.js';
import { OcppLink } from './link.js';
import { buildMeterValue } from './meter-values.js';
import { OutboxPump } from './pump.js';
import { Registration } from './registration.js';
import { StatusReporter } from './status-reporter.js';
import { linkOptions } from './secrets.js';
import { createSmartCharging } from './smart-charging.js';
import type { SmartCharging } from '../charging/service.js';

export interface OcppDeps {
  controller: Controller;
  settings: Settings;
  clock: Clock;
  log: Logger;
}

type OcppSection = NonNullable<Config['ocpp']>;

/** OCPP 1.6 CSMS-initiated actions of the Firmware Management profile. */
const UNSUPPORTED_ACTIONS = [
  'GetDiagnostics',
  'UpdateFirmware',
] as const;

export class OcppService {
  readonly link: OcppLink;
  readonly registration: Registration;
  readonly status: StatusReporter;
  readonly pump: OutboxPump;
  readonly auth: OcppAuthorization;
  readonly smartCharging: SmartCharging;

  constructor(
    cfg: OcppSection,
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
      idTagRejected: (connectorId, localTxId, status) => this.auth.invalidId.rejected(connectorId, localTxId, status),
      idTagInfo: (idTag, info) => this.auth.learn(idTag, info),
    });
    this.auth = new OcppAuthorization({
      controller,
      keys: config,
      chargeBeforeAccepted: cfg.chargeBeforeAccepted,
      clock,
      log,
      online: () => this.registration.maySend(),
      everAccepted: () => this.registration.everAccepted,
      call,
    });
    this.smartCharging = createSmartCharging(controller, config, log.child({ module: 'smart-charging' }), () => Date.parse(this.registration.now()));
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

  /** Card or remote authorization (OCPP 3.5): local list, cache, Authorize.req and the offline policy. */
  authorize(idTag: string): Promise<AuthorizationDecision> {
    return this.auth.authorize(idTag);
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
      ClearCache: ClearCache({ clear: () => this.auth.clearCache() }),
      DataTransfer: DataTransfer(),
      TriggerMessage: TriggerMessage(ctx),
      ReserveNow: ReserveNow({ config: this.config, reservations: this.deps.controller.reservations }),
      CancelReservation: CancelReservation({ reservations: this.deps.controller.reservations }),
      SendLocalList: SendLocalList({ config: this.config, localList: this.deps.controller.localList, log: this.deps.log.child({ module: 'local-list' }) }),
      GetLocalListVersion: GetLocalListVersion({ config: this.config, localList: this.deps.controller.localList }),
      SetChargingProfile: SetChargingProfile({ charging: this.smartCharging }),
      ClearChargingProfile: ClearChargingProfile({ charging: this.smartCharging }),
      GetCompositeSchedule: GetCompositeSchedule({ charging: this.smartCharging }),
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
      reservation: (id, idTag) => controller.reservations.mayTry(id, idTag),
      // The group (parentIdTag) from the list or cache, learned by the Authorize.req just before if any.
      authorizeOn: (id, idTag) => controller.authorizeOn(id, idTag, this.auth.authorizer.known(idTag)?.info.parentIdTag),
      authorizeOnline: async (idTag) => (await this.authorize(idTag)).status,
      remoteProfile: (id, profile) => this.smartCharging.installForRemoteStart(id, profile).ok,
      dropRemoteProfile: (profileId) => void this.smartCharging.clear({ id: profileId }),
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
