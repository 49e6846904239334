// Transactions as the CSMS sees them: records them durably and queues StartTransaction, sampled and
// clock-aligned MeterValues and StopTransaction (with transactionData) in the outbox, in order.
// Owns: meter-register persistence during a transaction and power-loss recovery at start.
// Must not: send anything (the pump does) or decide when sessions start or stop (the connector does).

import type { Clock } from '../../hal/clock.js';
import type { StopReason } from '../../state-machines/connector.js';
import type { Logger } from '../log.js';
import type { Db } from '../store/db.js';
import type { Tariff } from '../sessions/tariff.js';
import { Outbox } from '../store/outbox.js';
import { TransactionStore, type TxRecord, type TxStartExtras } from '../store/transactions.js';
import { buildMeterValue, type MeterValue, type ReadingContext, type Snapshot } from './meter-values.js';

/** The OCPP configuration keys this service reads (live: read on every use). */
export interface MeterPolicy {
  sampleIntervalS(): number;
  alignedIntervalS(): number;
  sampled(): string[];
  aligned(): string[];
  stopSampled(): string[];
  stopAligned(): string[];
}

export interface TransactionDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  /** OCPP timestamps (the CSMS clock once known). */
  now: () => string;
  /** null in standalone mode: nothing is queued for a CSMS. */
  policy: MeterPolicy | null;
  snapshot: (connectorId: number) => Snapshot | null;
  /** Called after a message was queued. */
  queued: () => void;
  /** Session cost at the stop (config `tariff`); absent or null = no cost recorded. */
  tariff?: Tariff | null;
}

/** Persist the register at least this often while a transaction runs (a power cut loses at most this). */
const PERSIST_EVERY_MS = 10_000;

export class TransactionService {
  readonly store: TransactionStore;
  readonly outbox: Outbox;
  private readonly sampleTimers = new Map<number, unknown>();
  private readonly persistedAt = new Map<number, number>();
  private readonly alignedSamples = new Map<number, MeterValue[]>();
  private alignedTimer: unknown = null;

  constructor(private readonly deps: TransactionDeps) {
    this.store = new TransactionStore(deps.db);
    this.outbox = new Outbox(deps.db);
  }

  current(connectorId: number): TxRecord | null {
    return this.store.current(connectorId);
  }

  /**
   * Power-loss recovery (OCPP 4.10): every transaction still open from the last run is stopped exactly
   * once, with the last persisted register, before any new session; the reason is the last exit's.
   */
  recover(reason: StopReason): TxRecord[] {
    const stopped: TxRecord[] = [];
    for (const tx of this.store.open()) {
      const done = this.stopRecord(tx, reason, tx.lastMeterWh, tx.lastMeterAt, null);
      if (done) stopped.push(done);
    }
    return stopped;
  }

  started(connectorId: number, idTag: string, extras: TxStartExtras = {}): TxRecord {
    const snap = this.deps.snapshot(connectorId);
    const wh = Math.round(snap?.reading.energyImportWh ?? this.lastRegister(connectorId));
    const at = this.deps.now();
    const tx = this.deps.db.transaction(() => {
      const rec = this.store.start(connectorId, idTag, wh, at, extras);
      const reservation = extras.reservationId !== undefined ? { reservationId: extras.reservationId } : {};
      if (this.deps.policy) this.outbox.enqueue('StartTransaction', { connectorId, idTag, meterStart: wh, ...reservation, timestamp: at }, rec.localId);
      return rec;
    })();
    this.persistedAt.set(connectorId, this.deps.clock.now());
    this.alignedSamples.set(tx.localId, []);
    this.armSampling(connectorId, tx.localId);
    this.deps.queued();
    return tx;
  }

  stopped(connectorId: number, reason: StopReason): TxRecord | null {
    const tx = this.store.current(connectorId);
    if (!tx) return null;
    const snap = this.deps.snapshot(connectorId);
    const wh = snap ? snap.reading.energyImportWh : tx.lastMeterWh;
    return this.stopRecord(tx, reason, wh, this.deps.now(), snap);
  }

  /** Every meter reading: persist the register of a running transaction often enough. */
  reading(connectorId: number): void {
    const tx = this.store.current(connectorId);
    const snap = this.deps.snapshot(connectorId);
    if (!tx || !snap) return;
    const last = this.persistedAt.get(connectorId) ?? 0;
    if (this.deps.clock.now() - last < PERSIST_EVERY_MS) return;
    this.persistedAt.set(connectorId, this.deps.clock.now());
    this.store.updateMeter(tx.localId, snap.reading.energyImportWh, this.deps.now());
  }

  /** MeterValueSampleInterval changed: the next sample of every running transaction follows the new value. */
  rearmSampling(): void {
    for (const tx of this.store.open()) {
      const timer = this.sampleTimers.get(tx.connectorId);
      if (timer !== undefined) this.deps.clock.clearTimeout(timer);
      this.armSampling(tx.connectorId, tx.localId);
    }
  }

  /** (Re)starts clock-aligned sampling (ClockAlignedDataInterval, seconds from midnight UTC). */
  startAligned(connectorIds: number[], sendUnbound: (connectorId: number, mv: MeterValue) => void): void {
    const policy = this.deps.policy;
    if (!policy) return;
    if (this.alignedTimer !== null) this.deps.clock.clearTimeout(this.alignedTimer);
    const arm = (): void => {
      const interval = policy.alignedIntervalS() * 1000;
      const wait = interval > 0 ? interval - (this.deps.clock.now() % interval) : 60_000;
      this.alignedTimer = this.deps.clock.setTimeout(() => {
        if (policy.alignedIntervalS() > 0) for (const id of connectorIds) this.alignedTick(id, sendUnbound);
        arm();
      }, wait);
    };
    arm();
  }

  stop(): void {
    for (const t of this.sampleTimers.values()) this.deps.clock.clearTimeout(t);
    this.sampleTimers.clear();
    if (this.alignedTimer !== null) this.deps.clock.clearTimeout(this.alignedTimer);
  }

  private alignedTick(connectorId: number, sendUnbound: (connectorId: number, mv: MeterValue) => void): void {
    const policy = this.deps.policy!;
    const snap = this.deps.snapshot(connectorId);
    if (!snap) return;
    const tx = this.store.current(connectorId);
    const at = this.deps.now();
    if (!tx) {
      sendUnbound(connectorId, buildMeterValue(snap, policy.aligned(), 'Sample.Clock', at));
      return;
    }
    this.queueMeterValues(connectorId, tx.localId, buildMeterValue(snap, policy.aligned(), 'Sample.Clock', at));
    const stopAligned = policy.stopAligned();
    if (stopAligned.length > 0) this.alignedSamples.get(tx.localId)?.push(buildMeterValue(snap, stopAligned, 'Sample.Clock', at));
  }

  private armSampling(connectorId: number, localId: number): void {
    const policy = this.deps.policy;
    if (!policy) return;
    const tick = (): void => {
      const interval = policy.sampleIntervalS();
      const snap = this.deps.snapshot(connectorId);
      const tx = this.store.current(connectorId);
      if (!tx || tx.localId !== localId) return;
      if (interval > 0 && snap) this.queueMeterValues(connectorId, localId, buildMeterValue(snap, policy.sampled(), 'Sample.Periodic', this.deps.now()));
      this.sampleTimers.set(connectorId, this.deps.clock.setTimeout(tick, Math.max(1, interval || 60) * 1000));
    };
    this.sampleTimers.set(connectorId, this.deps.clock.setTimeout(tick, Math.max(1, policy.sampleIntervalS() || 60) * 1000));
  }

  private queueMeterValues(connectorId: number, localId: number, mv: MeterValue): void {
    if (mv.sampledValue.length === 0) return;
    const register = mv.sampledValue.find((v) => v.measurand === 'Energy.Active.Import.Register' && v.unit !== 'kWh');
    this.deps.db.transaction(() => {
      // What the CSMS is told, the store knows: a StopTransaction after a power cut never reports less.
      if (register) this.store.updateMeter(localId, Number(register.value), mv.timestamp);
      this.outbox.enqueue('MeterValues', { connectorId, meterValue: [mv] }, localId);
    })();
    this.deps.queued();
  }

  private stopRecord(tx: TxRecord, reason: StopReason, meterWh: number, at: string, snap: Snapshot | null): TxRecord | null {
    const timer = this.sampleTimers.get(tx.connectorId);
    if (timer !== undefined) this.deps.clock.clearTimeout(timer);
    this.sampleTimers.delete(tx.connectorId);
    const policy = this.deps.policy;
    const done = this.deps.db.transaction(() => {
      // The cost is stored with the stop, in this SQLite transaction (power-loss recovery stops included).
      const rec = this.store.stop(tx.localId, reason, Math.round(meterWh), at, this.deps.tariff ?? null);
      if (!rec || !policy) return rec;
      const payload: Record<string, unknown> = { idTag: tx.idTag, meterStop: rec.meterStopWh, timestamp: at, reason };
      const data = this.transactionData(tx, snap, at);
      if (data.length > 0) payload.transactionData = data;
      this.outbox.enqueue('StopTransaction', payload, tx.localId);
      return rec;
    })();
    this.alignedSamples.delete(tx.localId);
    if (done) this.deps.log.info({ localId: done.localId, connector: done.connectorId, reason, meterStopWh: done.meterStopWh }, 'transaction stopped');
    this.deps.queued();
    return done;
  }

  /** StopTxnSampledData at begin and end, plus the StopTxnAlignedData samples taken during the transaction. */
  private transactionData(tx: TxRecord, snap: Snapshot | null, at: string): MeterValue[] {
    const policy = this.deps.policy!;
    const sampled = policy.stopSampled();
    const out: MeterValue[] = [];
    const register = (wh: number, when: string, context: ReadingContext): MeterValue => ({
      timestamp: when,
      sampledValue: [{ value: String(Math.round(wh)), context, format: 'Raw', measurand: 'Energy.Active.Import.Register', location: 'Outlet', unit: 'Wh' }],
    });
    if (sampled.length > 0) {
      out.push(register(tx.meterStartWh, tx.startedAt, 'Transaction.Begin'));
      out.push(snap ? buildMeterValue(snap, sampled, 'Transaction.End', at) : register(tx.lastMeterWh, at, 'Transaction.End'));
    }
    out.push(...(this.alignedSamples.get(tx.localId) ?? []));
    return out.filter((mv) => mv.sampledValue.length > 0);
  }

  private lastRegister(connectorId: number): number {
    const last = this.store.latest(20).find((t) => t.connectorId === connectorId);
    return last ? (last.meterStopWh ?? last.lastMeterWh) : 0;
  }
}
