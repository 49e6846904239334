// Session history store and retention (src/store/sessions.ts, src/sessions/history.ts) on real SQLite files:
// queries (idTag, [from, to), newest first, paging), retention by age and by count in chunks, never removing
// a running session or one whose messages still wait in the outbox, and a store that stays bounded.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../hal/sim/index.js';
import { silentLogger } from '../../../../src/log.js';
import { DAY_MS, PRUNE_CHUNK, SessionHistory } from '../../../../src/sessions/history.js';
import { openDb, type Db } from '../../../../src/store/db.js';
import { Outbox } from '../../../../src/store/outbox.js';
import { SessionStore } from '../../../../src/store/sessions.js';
import { TransactionStore } from '../../../../src/store/transactions.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function tempDb(): Db {
  const dir = mkdtempSync(join(tmpdir(), 'evse-sessions-'));
  const db = openDb(dir);
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => db.close());
  return db;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

/** `n` stopped one-hour sessions of 1 kWh, the first starting at `from`, one every `everyMs`. */
function addSessions(db: Db, n: number, from: number, everyMs: number, idTag = 'CARD'): number[] {
  const store = new TransactionStore(db);
  return db.transaction(() => {
    const ids: number[] = [];
    for (let i = 0; i < n; i++) {
      const at = from + i * everyMs;
      const tx = store.start(1, idTag, 0, iso(at));
      store.stop(tx.localId, 'EVDisconnected', 1000, iso(at + 3_600_000));
      ids.push(tx.localId);
    }
    return ids;
  })();
}

const ids = (db: Db): number[] => (db.prepare('SELECT local_id FROM transactions ORDER BY local_id').all() as Array<{ local_id: number }>).map((r) => r.local_id);
const sampleCount = (db: Db, id: number): number => (db.prepare('SELECT COUNT(*) AS n FROM tx_samples WHERE local_tx_id = ?').get(id) as { n: number }).n;

describe('SessionStore queries', () => {
  it('GIVEN stopped and running sessions WHEN listed THEN newest first with energy, duration, CSMS id and running fields', () => {
    const db = tempDb();
    const tx = new TransactionStore(db);
    const a = tx.start(1, '04A1B2C3', 1000, '2026-01-01T10:00:00.000Z', { parentIdTag: 'FLEET', reservationId: 7 });
    tx.setCsmsId(a.localId, 4711);
    tx.stop(a.localId, 'Local', 13_345, '2026-01-01T11:30:00.000Z', { currency: 'EUR', startFee: 1, perKwh: 0.3, perMinute: 0.02 });
    const b = tx.start(2, 'CARD-B', 500, '2026-01-01T12:00:00.000Z');
    tx.updateMeter(b.localId, 2500, '2026-01-01T12:10:00.000Z');
    const list = new SessionStore(db).list({ limit: 10, offset: 0 });
    expect(list).toEqual([
      { id: b.localId, transactionId: null, connectorId: 2, idTag: 'CARD-B', parentIdTag: null, startedAt: '2026-01-01T12:00:00.000Z', stoppedAt: null, meterStartWh: 500, meterStopWh: null, energyWh: 2000, durationS: null, stopReason: null, cost: null, currency: null, reservationId: null },
      { id: a.localId, transactionId: 4711, connectorId: 1, idTag: '04A1B2C3', parentIdTag: 'FLEET', startedAt: '2026-01-01T10:00:00.000Z', stoppedAt: '2026-01-01T11:30:00.000Z', meterStartWh: 1000, meterStopWh: 13_345, energyWh: 12_345, durationS: 5400, stopReason: 'Local', cost: 6.5, currency: 'EUR', reservationId: 7 },
    ]);
  });

  it('GIVEN idTags in several spellings WHEN filtered by idTag THEN compared trimmed and case-insensitively', () => {
    const db = tempDb();
    addSessions(db, 2, T0, 60_000, 'abc-1');
    addSessions(db, 1, T0 + 3_600_000, 60_000, 'ABC-1');
    addSessions(db, 3, T0, 60_000, 'OTHER');
    const store = new SessionStore(db);
    expect(store.list({ idTag: ' Abc-1 ', limit: 10, offset: 0 }).map((s) => s.idTag)).toEqual(['ABC-1', 'abc-1', 'abc-1']);
    expect(store.count({ idTag: 'abc-1' })).toBe(3);
    expect(store.count({ idTag: 'ABC' })).toBe(0);
    expect(store.count({})).toBe(6);
  });

  it('GIVEN sessions every hour WHEN filtered by [from, to) THEN a start at from is in, a start at to is out; paging keeps the order', () => {
    const db = tempDb();
    const all = addSessions(db, 10, T0, 3_600_000); // 12:00 .. 21:00
    const store = new SessionStore(db);
    const window = { from: iso(T0 + 2 * 3_600_000), to: iso(T0 + 5 * 3_600_000) }; // 14:00 <= start < 17:00
    expect(store.list({ ...window, limit: 10, offset: 0 }).map((s) => s.id)).toEqual([all[4], all[3], all[2]]);
    expect(store.count(window)).toBe(3);
    expect(store.list({ limit: 3, offset: 3 }).map((s) => s.id)).toEqual([all[6], all[5], all[4]]);
    expect(store.list({ from: iso(T0 + 9 * 3_600_000), limit: 5, offset: 0 }).map((s) => s.id)).toEqual([all[9]]);
  });
});

describe('retention', () => {
  const policy = { retentionDays: 30, maxRecords: 1000 };
  function history(db: Db, clock: ManualClock, p = policy): SessionHistory {
    const h = new SessionHistory(p, { db, clock, log: silentLogger() });
    cleanups.push(() => h.stop());
    return h;
  }

  it('GIVEN sessions older than retentionDays WHEN pruned THEN they and their samples go; newer, running and unsent old ones stay', async () => {
    const db = tempDb();
    const clock = new ManualClock(T0 + 100 * DAY_MS);
    const old = addSessions(db, 5, T0, DAY_MS); // day 0..4: all older than 30 days
    const recent = addSessions(db, 2, T0 + 80 * DAY_MS, DAY_MS);
    const tx = new TransactionStore(db);
    const running = tx.start(1, 'RUNNING', 0, iso(T0)).localId; // started 100 days ago, still open
    new Outbox(db).enqueue('StopTransaction', { transactionId: 1 }, old[1]!); // not confirmed by the CSMS yet
    const samples = db.prepare('INSERT INTO tx_samples (local_tx_id, meter_value) VALUES (?, ?)');
    for (const id of [old[0]!, old[1]!, recent[0]!]) samples.run(id, '{}');

    const result = await history(db, clock).prune();

    expect(result).toEqual({ byAge: 4, byCount: 0 });
    expect(ids(db)).toEqual([old[1], ...recent, running].sort((a, b) => a! - b!));
    expect(sampleCount(db, old[0]!)).toBe(0);
    expect(sampleCount(db, old[1]!)).toBe(1);
    expect(sampleCount(db, recent[0]!)).toBe(1);
  });

  it('GIVEN more sessions than maxRecords WHEN pruned THEN the oldest go until maxRecords remain, in chunks', async () => {
    const db = tempDb();
    const clock = new ManualClock(T0 + 2 * DAY_MS);
    const all = addSessions(db, PRUNE_CHUNK * 2 + 300, T0, 60_000);
    const result = await history(db, clock, { retentionDays: 30, maxRecords: 200 }).prune();
    expect(result).toEqual({ byAge: 0, byCount: all.length - 200 });
    expect(ids(db)).toEqual(all.slice(-200));
  });

  it('GIVEN the oldest sessions are running or unsent WHEN pruned by count THEN those stay, even above maxRecords', async () => {
    const db = tempDb();
    const clock = new ManualClock(T0 + DAY_MS);
    const tx = new TransactionStore(db);
    const running = tx.start(1, 'RUNNING', 0, iso(T0 - 1000)).localId;
    const all = addSessions(db, 6, T0, 60_000);
    const outbox = new Outbox(db);
    for (const id of all.slice(0, 3)) outbox.enqueue('StopTransaction', { transactionId: id }, id);
    const result = await history(db, clock, { retentionDays: 30, maxRecords: 2 }).prune();
    expect(result.byCount).toBe(3);
    expect(ids(db)).toEqual([running, ...all.slice(0, 3)]);
    expect(new SessionStore(db).total()).toBe(4); // above maxRecords: nothing left that may go
  });

  it('GIVEN the service started WHEN days pass with new sessions THEN retention runs at start and daily and the store stays bounded', async () => {
    const db = tempDb();
    const clock = new ManualClock(T0);
    addSessions(db, 450, T0 - 10 * DAY_MS, 60_000);
    const h = history(db, clock, { retentionDays: 5, maxRecords: 300 });
    const store = new SessionStore(db);
    h.start();
    expect(await h.lastRun).toEqual({ byAge: 450, byCount: 0 }); // all started 10 days ago: older than 5 days
    expect(store.total()).toBe(0);
    const sizes: number[] = [];
    for (let day = 1; day <= 8; day++) {
      addSessions(db, 120, clock.now(), 60_000);
      const before = h.lastRun;
      clock.advance(DAY_MS); // the daily run
      expect(h.lastRun).not.toBe(before);
      await h.lastRun;
      sizes.push(store.total());
    }
    // 120 a day: kept by count (300) from day 3 on, never more; ages out nothing before day 5
    expect(sizes).toEqual([120, 240, 300, 300, 300, 300, 300, 300]);
    h.stop();
    addSessions(db, 120, clock.now(), 60_000);
    clock.advance(DAY_MS);
    await new Promise((r) => setImmediate(r));
    expect(store.total()).toBe(420); // stopped: no further run
    expect(clock.pending).toBe(0);
  });
});
