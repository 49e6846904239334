// Session cost: the tariff formula and its rounding (src/sessions/tariff.ts), and the cost stored with the
// stop by the transaction store and service, power-loss recovery included (real SQLite files).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../hal/sim/index.js';
import { silentLogger } from '../../../../src/log.js';
import { TransactionService } from '../../../../src/ocpp/transactions.js';
import { roundMoney, sessionCost, sessionMinutes, type Tariff } from '../../../../src/sessions/tariff.js';
import { openDb, type Db } from '../../../../src/store/db.js';
import { TransactionStore } from '../../../../src/store/transactions.js';

const TARIFF: Tariff = { currency: 'EUR', startFee: 1, perKwh: 0.3, perMinute: 0.02 };
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function tempDb(): { db: Db; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'evse-tariff-'));
  const db = openDb(dir);
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => db.open && db.close());
  return { db, dir };
}

describe('sessionCost', () => {
  it('GIVEN startFee 1.00 + 0.30/kWh + 0.02/min WHEN 12.345 kWh in 90 min THEN 1 + 3.7035 + 1.80 = 6.5035 -> 6.50', () => {
    const cost = sessionCost(TARIFF, { meterStartWh: 1000, meterStopWh: 13_345, startedAt: '2026-01-01T12:00:00.000Z', stoppedAt: '2026-01-01T13:30:00.000Z' });
    expect(cost).toEqual({ cost: 6.5, currency: 'EUR' });
  });

  it('GIVEN no tariff WHEN a session is priced THEN null', () => {
    expect(sessionCost(null, { meterStartWh: 0, meterStopWh: 5000, startedAt: '2026-01-01T12:00:00Z', stoppedAt: '2026-01-01T13:00:00Z' })).toBeNull();
    expect(sessionCost(undefined, { meterStartWh: 0, meterStopWh: 5000, startedAt: '2026-01-01T12:00:00Z', stoppedAt: '2026-01-01T13:00:00Z' })).toBeNull();
  });

  it('GIVEN the total lands on a half cent WHEN rounded THEN half up once on the total (not per part)', () => {
    // 0.125 + 0.125 = 0.25 exactly; rounding each part first would give 0.13 + 0.13 = 0.26.
    const t: Tariff = { currency: 'CHF', startFee: 0.125, perKwh: 0.125, perMinute: 0 };
    expect(sessionCost(t, { meterStartWh: 0, meterStopWh: 1000, startedAt: '2026-01-01T12:00:00Z', stoppedAt: '2026-01-01T12:00:00Z' })?.cost).toBe(0.25);
    expect(roundMoney(1.005)).toBe(1.01); // 1.005 is 1.00499999... as a double: float noise is removed first
    expect(roundMoney(2.675)).toBe(2.68);
    expect(roundMoney(6.5035)).toBe(6.5);
    expect(roundMoney(0.004999)).toBe(0);
  });

  it('GIVEN seconds WHEN priced per minute THEN exact fractional minutes of the whole session; a stop before the start counts 0', () => {
    expect(sessionMinutes('2026-01-01T12:00:00Z', '2026-01-01T12:01:30Z')).toBe(1.5);
    expect(sessionMinutes('2026-01-01T12:00:00Z', '2026-01-01T11:00:00Z')).toBe(0);
    expect(sessionMinutes('garbage', '2026-01-01T11:00:00Z')).toBe(0);
    const perMinute: Tariff = { currency: 'EUR', startFee: 0, perKwh: 0, perMinute: 0.1 };
    expect(sessionCost(perMinute, { meterStartWh: 0, meterStopWh: 0, startedAt: '2026-01-01T12:00:00Z', stoppedAt: '2026-01-01T12:01:30Z' })?.cost).toBe(0.15);
  });
});

describe('cost stored with the stop', () => {
  it('GIVEN a tariff WHEN TransactionStore.stop THEN cost and currency are in the same row update; without a tariff they stay null', () => {
    const { db } = tempDb();
    const store = new TransactionStore(db);
    const a = store.start(1, 'CARD-A', 1000, '2026-01-01T12:00:00.000Z');
    const b = store.start(2, 'CARD-B', 0, '2026-01-01T12:00:00.000Z');
    expect(store.stop(a.localId, 'Local', 13_345, '2026-01-01T13:30:00.000Z', TARIFF)).toMatchObject({ cost: 6.5, currency: 'EUR' });
    expect(store.stop(b.localId, 'Local', 4000, '2026-01-01T13:30:00.000Z')).toMatchObject({ cost: null, currency: null, meterStopWh: 4000 });
    // exactly once: a second stop changes nothing, not even the cost
    expect(store.stop(a.localId, 'Other', 99_999, '2026-01-02T13:30:00.000Z', { ...TARIFF, startFee: 50 })).toBeNull();
    expect(store.get(a.localId)).toMatchObject({ cost: 6.5, meterStopWh: 13_345, stopReason: 'Local' });
  });

  it('GIVEN a transaction left open by a power cut WHEN the service recovers it with a tariff THEN the recovery stop is priced up to the last persisted register', () => {
    const { db, dir } = tempDb();
    const store = new TransactionStore(db);
    const tx = store.start(1, 'CARD-A', 1000, '2026-01-01T12:00:00.000Z');
    store.updateMeter(tx.localId, 11_000, '2026-01-01T12:30:00.000Z'); // 10 kWh in 30 min
    db.close();
    const db2 = openDb(dir);
    cleanups.push(() => db2.close());
    const clock = new ManualClock();
    const service = new TransactionService({ db: db2, clock, log: silentLogger(), now: () => new Date(clock.now()).toISOString(), policy: null, snapshot: () => null, queued: () => {}, tariff: TARIFF });
    const [done] = service.recover('PowerLoss');
    // 1 + 0.30 x 10 + 0.02 x 30 = 4.60
    expect(done).toMatchObject({ localId: tx.localId, stopReason: 'PowerLoss', meterStopWh: 11_000, stoppedAt: '2026-01-01T12:30:00.000Z', cost: 4.6, currency: 'EUR' });
    expect(new TransactionStore(db2).get(tx.localId)).toMatchObject({ cost: 4.6, currency: 'EUR' });
  });
});
