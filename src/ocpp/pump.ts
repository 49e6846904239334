// Sends the outbox to the CSMS, one message at a time, oldest first (OCPP 1.6 section 3.7):
// only while connected and Accepted; removed only on a CALLRESULT; on a CALLERROR retried after
// TransactionMessageRetryInterval x attempts and dropped after TransactionMessageAttempts; on a lost link
// or a timeout kept for the next try without counting. Fills in the CSMS transactionId, known once
// StartTransaction.conf arrived. Passes the idTagInfo of Start/Stop conf on (authorization cache, invalid-id
// policy) after the confirmation is committed. Must not: build messages (transactions.ts does).

import type { StartTransactionResponse, StopTransactionResponse } from 'ocpp-ts';
import type { Clock } from '../../hal/clock.js';
import type { IdTagInfo } from '../auth/types.js';
import type { Logger } from '../log.js';
import type { Outbox, OutboxRow } from '../store/outbox.js';
import type { TransactionStore } from '../store/transactions.js';

export interface PumpDeps {
  outbox: Outbox;
  store: TransactionStore;
  clock: Clock;
  log: Logger;
  ready: () => boolean;
  call: <T>(action: string, payload: unknown) => Promise<T>;
  attempts: () => number;
  retryIntervalS: () => number;
  /** StartTransaction.conf or StopTransaction.conf said the idTag is not (or no longer) Accepted. */
  idTagRejected: (connectorId: number, localTxId: number, status: string) => void;
  /** Every idTagInfo of a StartTransaction.conf or StopTransaction.conf (the authorization cache learns it). */
  idTagInfo?: (idTag: string, info: IdTagInfo) => void;
}

export class OutboxPump {
  private running = false;
  private wakeTimer: unknown = null;
  sent = 0;

  constructor(private readonly deps: PumpDeps) {}

  /** A message is on the wire now. */
  get busy(): boolean {
    return this.running;
  }

  /** Something was queued, or the link became ready: send what can be sent. */
  kick(): void {
    if (this.running) return;
    this.running = true;
    void this.drain().finally(() => {
      this.running = false;
    });
  }

  stop(): void {
    if (this.wakeTimer !== null) this.deps.clock.clearTimeout(this.wakeTimer);
    this.wakeTimer = null;
  }

  private async drain(): Promise<void> {
    for (;;) {
      if (!this.deps.ready()) return;
      const row = this.deps.outbox.peek();
      if (!row) return;
      const wait = row.notBefore - this.deps.clock.now();
      if (wait > 0) {
        this.wakeAfter(wait);
        return;
      }
      if (!(await this.sendOne(row))) return;
    }
  }

  /** Returns false when the pump must pause (link lost, timeout, retry scheduled). */
  private async sendOne(row: OutboxRow): Promise<boolean> {
    const { log } = this.deps;
    const payload = this.withTransactionId(row);
    try {
      const result = await this.deps.call<unknown>(row.action, payload);
      // Removal and what the confirmation taught (the CSMS transactionId) commit together: a power cut
      // between them must not leave a confirmed StartTransaction queued without its id, or the reverse.
      this.deps.store.db.transaction(() => {
        this.deps.outbox.remove(row.seq);
        this.onConfirmed(row, result);
      })();
      this.sent++;
      this.afterConfirmed(row, result);
      return true;
    } catch (err) {
      if (!isCallError(err)) {
        log.warn({ action: row.action, seq: row.seq, err: String(err) }, 'transaction message not confirmed; kept for retry');
        if (this.deps.ready()) this.wakeAfter(this.deps.retryIntervalS() * 1000);
        return false;
      }
      return this.onCallError(row, err);
    }
  }

  private onCallError(row: OutboxRow, err: Error): boolean {
    const attempts = row.attempts + 1;
    if (attempts >= this.deps.attempts()) {
      this.deps.log.error({ action: row.action, seq: row.seq, attempts, err: err.message }, 'CSMS failed to process a transaction message; dropped after the last attempt');
      this.deps.outbox.remove(row.seq);
      return true;
    }
    const delayMs = this.deps.retryIntervalS() * 1000 * attempts;
    this.deps.outbox.defer(row.seq, attempts, this.deps.clock.now() + delayMs);
    this.deps.log.warn({ action: row.action, seq: row.seq, attempts, retryInS: delayMs / 1000, err: err.message }, 'CSMS failed to process a transaction message; will retry');
    this.wakeAfter(delayMs);
    return false;
  }

  private onConfirmed(row: OutboxRow, result: unknown): void {
    if (row.localTxId === null || row.action !== 'StartTransaction') return;
    this.deps.store.setCsmsId(row.localTxId, (result as StartTransactionResponse).transactionId);
  }

  /** What the confirmation says about the idTag, once it is committed (the hooks may stop sessions). */
  private afterConfirmed(row: OutboxRow, result: unknown): void {
    if (row.localTxId === null || (row.action !== 'StartTransaction' && row.action !== 'StopTransaction')) return;
    const info = (result as StartTransactionResponse | StopTransactionResponse).idTagInfo;
    const idTag = typeof row.payload.idTag === 'string' ? row.payload.idTag : this.deps.store.get(row.localTxId)?.idTag;
    if (!info) return;
    try {
      if (idTag) this.deps.idTagInfo?.(idTag, info as IdTagInfo);
      if (info.status === 'Accepted') return;
      if (row.action === 'StopTransaction') {
        this.deps.log.info({ localTxId: row.localTxId, status: info.status }, 'idTag not accepted at stop');
        return;
      }
      const connectorId = Number(row.payload.connectorId ?? this.deps.store.get(row.localTxId)?.connectorId ?? 0);
      this.deps.idTagRejected(connectorId, row.localTxId, info.status);
    } catch (err) {
      this.deps.log.error({ action: row.action, err: String(err) }, 'idTagInfo handling failed');
    }
  }

  private withTransactionId(row: OutboxRow): Record<string, unknown> {
    if (row.action === 'StartTransaction' || row.localTxId === null) return row.payload;
    const tx = this.deps.store.get(row.localTxId);
    // The CSMS id is known here unless its StartTransaction was dropped after the last attempt; then the
    // local id, negated, keeps the record identifiable without colliding with CSMS ids.
    return { ...row.payload, transactionId: tx?.csmsId ?? -row.localTxId };
  }

  private wakeAfter(ms: number): void {
    if (this.wakeTimer !== null) this.deps.clock.clearTimeout(this.wakeTimer);
    this.wakeTimer = this.deps.clock.setTimeout(() => {
      this.wakeTimer = null;
      this.kick();
    }, Math.max(1, ms));
  }
}

/** A CALLERROR from the CSMS (it received and failed to process the message). */
function isCallError(err: unknown): err is Error {
  return err instanceof Error && typeof (err as { rpcErrorCode?: unknown }).rpcErrorCode === 'string' && !/timeout/i.test(err.message);
}
