// Session history in SQLite: every charging session (the transactions table), queried newest first by
// idTag and start time, and pruned by age and count. Owns: the session view of a transaction row, the
// history queries and the retention deletes (one chunk per call). Must not: talk to OCPP, schedule anything
// (src/sessions/history.ts does) or delete a running transaction or one with messages still in the outbox.

import type { Statement } from 'better-sqlite3';
import type { Db } from './db.js';

/** One session as the API, the CSV export and the CLI show it. */
export interface SessionRecord {
  /** Local id (transactions.local_id). */
  id: number;
  /** The CSMS's transactionId once known, else null (standalone, or not confirmed yet). */
  transactionId: number | null;
  connectorId: number;
  idTag: string;
  parentIdTag: string | null;
  startedAt: string;
  /** null while the session runs. */
  stoppedAt: string | null;
  meterStartWh: number;
  /** null while the session runs. */
  meterStopWh: number | null;
  /** meterStop - meterStart; while running, the last persisted register - meterStart. */
  energyWh: number;
  /** Whole seconds from start to stop; null while running. */
  durationS: number | null;
  stopReason: string | null;
  cost: number | null;
  currency: string | null;
  reservationId: number | null;
}

/** The order of the fields in the CSV export (and of the JSON objects). */
export const SESSION_FIELDS = [
  'id', 'transactionId', 'connectorId', 'idTag', 'parentIdTag', 'startedAt', 'stoppedAt', 'meterStartWh',
  'meterStopWh', 'energyWh', 'durationS', 'stopReason', 'cost', 'currency', 'reservationId',
] as const satisfies ReadonlyArray<keyof SessionRecord>;

export interface SessionFilter {
  /** Compared case-insensitively (ASCII) after trimming spaces on both sides. */
  idTag?: string;
  /** Canonical ISO timestamps (Date.toISOString()): sessions that started within [from, to). */
  from?: string;
  to?: string;
}

export interface SessionPage extends SessionFilter {
  limit: number;
  offset: number;
}

interface Row {
  local_id: number;
  csms_id: number | null;
  connector_id: number;
  id_tag: string;
  parent_id_tag: string | null;
  started_at: string;
  stopped_at: string | null;
  meter_start_wh: number;
  last_meter_wh: number;
  meter_stop_wh: number | null;
  stop_reason: string | null;
  cost: number | null;
  currency: string | null;
  reservation_id: number | null;
}

function toSession(r: Row): SessionRecord {
  const duration = r.stopped_at === null ? null : (Date.parse(r.stopped_at) - Date.parse(r.started_at)) / 1000;
  return {
    id: r.local_id,
    transactionId: r.csms_id,
    connectorId: r.connector_id,
    idTag: r.id_tag,
    parentIdTag: r.parent_id_tag,
    startedAt: r.started_at,
    stoppedAt: r.stopped_at,
    meterStartWh: r.meter_start_wh,
    meterStopWh: r.meter_stop_wh,
    energyWh: Math.max(0, (r.meter_stop_wh ?? r.last_meter_wh) - r.meter_start_wh),
    durationS: duration === null || !Number.isFinite(duration) ? null : Math.max(0, Math.round(duration)),
    stopReason: r.stop_reason,
    cost: r.cost,
    currency: r.currency,
    reservationId: r.reservation_id,
  };
}

/** The SQL side of the idTag comparison mirrored in JS: trim spaces, upper-case ASCII letters only. */
export function idTagKey(idTag: string): string {
  return idTag.replace(/^ +| +$/g, '').replace(/[a-z]+/g, (s) => s.toUpperCase());
}

/** Stopped and not waiting for the CSMS: the only rows retention may delete. */
const REMOVABLE = 'stopped_at IS NOT NULL AND local_id NOT IN (SELECT local_tx_id FROM outbox WHERE local_tx_id IS NOT NULL)';

export class SessionStore {
  private readonly statements = new Map<string, Statement<unknown[]>>();
  private readonly oldRemovable;
  private readonly oldestRemovable;
  private readonly countAll;
  private readonly delSamples;
  private readonly delTx;

  constructor(readonly db: Db) {
    this.oldRemovable = db.prepare<[string, number], { local_id: number }>(
      `SELECT local_id FROM transactions WHERE started_at < ? AND ${REMOVABLE} ORDER BY started_at, local_id LIMIT ?`,
    );
    this.oldestRemovable = db.prepare<[number], { local_id: number }>(
      `SELECT local_id FROM transactions WHERE ${REMOVABLE} ORDER BY started_at, local_id LIMIT ?`,
    );
    this.countAll = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM transactions');
    this.delSamples = db.prepare('DELETE FROM tx_samples WHERE local_tx_id = ?');
    this.delTx = db.prepare('DELETE FROM transactions WHERE local_id = ?');
  }

  /** Sessions matching the filter, newest start first (ties: newest local id first). */
  list(page: SessionPage): SessionRecord[] {
    const { where, params } = this.where(page);
    const sql = `SELECT * FROM transactions${where} ORDER BY started_at DESC, local_id DESC LIMIT ? OFFSET ?`;
    return (this.prepared(sql).all(...params, page.limit, page.offset) as Row[]).map(toSession);
  }

  /** How many sessions match the filter (all pages). */
  count(filter: SessionFilter): number {
    const { where, params } = this.where(filter);
    return (this.prepared(`SELECT COUNT(*) AS n FROM transactions${where}`).get(...params) as { n: number }).n;
  }

  /** Every stored session, running ones included. */
  total(): number {
    return this.countAll.get()?.n ?? 0;
  }

  /** Deletes up to `max` removable sessions that started before `cutoff` (ISO); returns how many. */
  pruneOlderThan(cutoff: string, max: number): number {
    return this.remove(() => this.oldRemovable.all(cutoff, max));
  }

  /** Deletes up to `max` of the oldest removable sessions; returns how many. */
  pruneOldest(max: number): number {
    return max > 0 ? this.remove(() => this.oldestRemovable.all(max)) : 0;
  }

  /** One SQLite transaction: the selected sessions and their samples go together (nothing runs in between). */
  private remove(select: () => Array<{ local_id: number }>): number {
    return this.db.transaction(() => {
      let n = 0;
      for (const { local_id } of select()) {
        if (this.delTx.run(local_id).changes === 0) continue;
        this.delSamples.run(local_id);
        n++;
      }
      return n;
    })();
  }

  private where(f: SessionFilter): { where: string; params: string[] } {
    const parts: string[] = [];
    const params: string[] = [];
    if (f.idTag !== undefined) {
      parts.push('upper(trim(id_tag)) = ?');
      params.push(idTagKey(f.idTag));
    }
    if (f.from !== undefined) {
      parts.push('started_at >= ?');
      params.push(f.from);
    }
    if (f.to !== undefined) {
      parts.push('started_at < ?');
      params.push(f.to);
    }
    return { where: parts.length > 0 ? ` WHERE ${parts.join(' AND ')}` : '', params };
  }

  /** At most 16 distinct statements (filter combinations): prepared once each. */
  private prepared(sql: string): Statement<unknown[]> {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare<unknown[]>(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }
}
