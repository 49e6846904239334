// The durable queue of transaction-related OCPP messages (StartTransaction, StopTransaction, transaction
// MeterValues; OCPP 1.6 section 3.7, REFERENCE.md 8): written before sending, removed only on
// confirmation, strictly in order. Must not: send anything (the OCPP pump does).

import type { Db } from './db.js';

export interface OutboxRow {
  seq: number;
  action: 'StartTransaction' | 'StopTransaction' | 'MeterValues';
  payload: Record<string, unknown>;
  localTxId: number | null;
  attempts: number;
  notBefore: number;
}

interface Row {
  seq: number;
  action: string;
  payload: string;
  local_tx_id: number | null;
  attempts: number;
  not_before: number;
}

export class Outbox {
  private readonly insert;
  private readonly head;
  private readonly del;
  private readonly retry;
  private readonly count;

  constructor(readonly db: Db) {
    this.insert = db.prepare('INSERT INTO outbox (action, payload, local_tx_id) VALUES (?, ?, ?)');
    this.head = db.prepare<[], Row>('SELECT * FROM outbox ORDER BY seq LIMIT 1');
    this.del = db.prepare('DELETE FROM outbox WHERE seq = ?');
    this.retry = db.prepare('UPDATE outbox SET attempts = ?, not_before = ? WHERE seq = ?');
    this.count = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM outbox');
  }

  enqueue(action: OutboxRow['action'], payload: Record<string, unknown>, localTxId: number | null): void {
    this.insert.run(action, JSON.stringify(payload), localTxId);
  }

  peek(): OutboxRow | undefined {
    const r = this.head.get();
    if (!r) return undefined;
    return {
      seq: r.seq,
      action: r.action as OutboxRow['action'],
      payload: JSON.parse(r.payload) as Record<string, unknown>,
      localTxId: r.local_tx_id,
      attempts: r.attempts,
      notBefore: r.not_before,
    };
  }

  remove(seq: number): void {
    this.del.run(seq);
  }

  defer(seq: number, attempts: number, notBefore: number): void {
    this.retry.run(attempts, notBefore, seq);
  }

  get size(): number {
    return this.count.get()?.n ?? 0;
  }
}
