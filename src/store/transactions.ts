// Charging transactions in SQLite: the local record of every session, its meter register as last
// persisted, the CSMS transactionId once known, and the stop. Must not: talk to OCPP.

import type { StopReason } from '../../state-machines/connector.js';
import { sessionCost, type Tariff } from '../sessions/tariff.js';
import type { Db } from './db.js';

export interface TxRecord {
  localId: number;
  connectorId: number;
  idTag: string;
  startedAt: string;
  meterStartWh: number;
  lastMeterWh: number;
  lastMeterAt: string;
  csmsId: number | null;
  stoppedAt: string | null;
  meterStopWh: number | null;
  stopReason: StopReason | null;
  /** The idTag's group (IdTagInfo.parentIdTag) when the session was authorized: a card of the same group may stop it. */
  parentIdTag: string | null;
  /** The reservation this session used (sent in StartTransaction). */
  reservationId: number | null;
  /** Session cost by the configured tariff, set at the stop; null without a tariff. */
  cost: number | null;
  currency: string | null;
}

/** Optional facts recorded with the start. */
export interface TxStartExtras {
  parentIdTag?: string;
  reservationId?: number;
}

interface Row {
  local_id: number;
  connector_id: number;
  id_tag: string;
  started_at: string;
  meter_start_wh: number;
  last_meter_wh: number;
  last_meter_at: string;
  csms_id: number | null;
  stopped_at: string | null;
  meter_stop_wh: number | null;
  stop_reason: string | null;
  parent_id_tag: string | null;
  reservation_id: number | null;
  cost: number | null;
  currency: string | null;
}

const toRecord = (r: Row): TxRecord => ({
  localId: r.local_id,
  connectorId: r.connector_id,
  idTag: r.id_tag,
  startedAt: r.started_at,
  meterStartWh: r.meter_start_wh,
  lastMeterWh: r.last_meter_wh,
  lastMeterAt: r.last_meter_at,
  csmsId: r.csms_id,
  stoppedAt: r.stopped_at,
  meterStopWh: r.meter_stop_wh,
  stopReason: r.stop_reason as StopReason | null,
  parentIdTag: r.parent_id_tag,
  reservationId: r.reservation_id,
  cost: r.cost,
  currency: r.currency,
});

export class TransactionStore {
  private readonly insert;
  private readonly meter;
  private readonly finish;
  private readonly csms;
  private readonly byLocal;
  private readonly openRows;
  private readonly byCsms;
  private readonly recent;

  constructor(readonly db: Db) {
    this.insert = db.prepare(
      'INSERT INTO transactions (connector_id, id_tag, started_at, meter_start_wh, last_meter_wh, last_meter_at, parent_id_tag, reservation_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.meter = db.prepare('UPDATE transactions SET last_meter_wh = ?, last_meter_at = ? WHERE local_id = ? AND last_meter_wh <= ?');
    this.finish = db.prepare(
      'UPDATE transactions SET stopped_at = ?, meter_stop_wh = ?, stop_reason = ?, cost = ?, currency = ? WHERE local_id = ? AND stopped_at IS NULL',
    );
    this.csms = db.prepare('UPDATE transactions SET csms_id = ? WHERE local_id = ?');
    this.byLocal = db.prepare<[number], Row>('SELECT * FROM transactions WHERE local_id = ?');
    this.openRows = db.prepare<[], Row>('SELECT * FROM transactions WHERE stopped_at IS NULL ORDER BY local_id');
    this.byCsms = db.prepare<[number], Row>('SELECT * FROM transactions WHERE csms_id = ? ORDER BY local_id DESC LIMIT 1');
    this.recent = db.prepare<[number], Row>('SELECT * FROM transactions ORDER BY local_id DESC LIMIT ?');
  }

  start(connectorId: number, idTag: string, meterWh: number, at: string, extras: TxStartExtras = {}): TxRecord {
    const info = this.insert.run(connectorId, idTag, at, meterWh, meterWh, at, extras.parentIdTag ?? null, extras.reservationId ?? null);
    return this.get(Number(info.lastInsertRowid))!;
  }

  /** Persists the register (never backwards). */
  updateMeter(localId: number, wh: number, at: string): void {
    this.meter.run(wh, at, localId, wh);
  }

  /**
   * Stops an open transaction; returns null when it was already stopped (exactly once). With a tariff the
   * cost (src/sessions/tariff.ts) is stored by the same UPDATE as the stop; without one cost/currency stay null.
   */
  stop(localId: number, reason: StopReason, meterWh: number, at: string, tariff: Tariff | null = null): TxRecord | null {
    const tx = this.get(localId);
    if (!tx || tx.stoppedAt !== null) return null;
    const wh = Math.round(Math.max(meterWh, tx.lastMeterWh, tx.meterStartWh));
    const priced = sessionCost(tariff, { meterStartWh: tx.meterStartWh, meterStopWh: wh, startedAt: tx.startedAt, stoppedAt: at });
    this.finish.run(at, wh, reason, priced?.cost ?? null, priced?.currency ?? null, localId);
    return this.get(localId);
  }

  setCsmsId(localId: number, csmsId: number): void {
    this.csms.run(csmsId, localId);
  }

  get(localId: number): TxRecord | null {
    const row = this.byLocal.get(localId);
    return row ? toRecord(row) : null;
  }

  open(): TxRecord[] {
    return this.openRows.all().map(toRecord);
  }

  current(connectorId: number): TxRecord | null {
    return this.open().find((t) => t.connectorId === connectorId) ?? null;
  }

  byCsmsId(csmsId: number): TxRecord | null {
    const row = this.byCsms.get(csmsId);
    return row ? toRecord(row) : null;
  }

  latest(n: number): TxRecord[] {
    return this.recent.all(n).map(toRecord);
  }
}
