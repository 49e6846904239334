// GIVEN the SQLite reservations table WHEN reservations are put, replaced and removed
// THEN they read back as written, also after the database file is reopened.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../../../src/store/db.js';
import { ReservationStore } from '../../../../src/store/reservations.js';

const dirs: string[] = [];
const dbs: Db[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function open(dir?: string): { db: Db; dir: string } {
  const d = dir ?? mkdtempSync(join(tmpdir(), 'evse-resv-'));
  if (!dir) dirs.push(d);
  const db = openDb(d);
  dbs.push(db);
  return { db, dir: d };
}

describe('ReservationStore', () => {
  it('GIVEN two reservations WHEN one is replaced by id and the other removed THEN the table holds the replacement only', () => {
    const store = new ReservationStore(open().db);
    store.put({ reservationId: 7, connectorId: 1, idTag: 'aa11', expiryDate: '2026-01-01T13:00:00.000Z' });
    store.put({ reservationId: 8, connectorId: 0, idTag: 'BB22', parentIdTag: 'GROUP', expiryDate: '2026-01-01T14:00:00.000Z' });
    expect(store.all()).toEqual([
      { reservationId: 7, connectorId: 1, idTag: 'aa11', expiryDate: '2026-01-01T13:00:00.000Z' },
      { reservationId: 8, connectorId: 0, idTag: 'BB22', parentIdTag: 'GROUP', expiryDate: '2026-01-01T14:00:00.000Z' },
    ]);
    store.put({ reservationId: 7, connectorId: 2, idTag: 'CC33', parentIdTag: 'G2', expiryDate: '2026-01-01T15:00:00.000Z' });
    expect(store.remove(8)).toBe(true);
    expect(store.remove(8)).toBe(false);
    expect(store.all()).toEqual([{ reservationId: 7, connectorId: 2, idTag: 'CC33', parentIdTag: 'G2', expiryDate: '2026-01-01T15:00:00.000Z' }]);
  });

  it('GIVEN a reservation written WHEN the database file is closed and reopened THEN it is still there', () => {
    const first = open();
    new ReservationStore(first.db).put({ reservationId: 1, connectorId: 1, idTag: 'X', expiryDate: '2026-01-01T13:00:00.000Z' });
    first.db.close();
    dbs.splice(dbs.indexOf(first.db), 1);
    const again = open(first.dir);
    expect(new ReservationStore(again.db).all()).toEqual([{ reservationId: 1, connectorId: 1, idTag: 'X', expiryDate: '2026-01-01T13:00:00.000Z' }]);
  });
});
