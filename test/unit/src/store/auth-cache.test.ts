// GIVEN the persisted authorization cache on a real SQLite file
// WHEN the CSMS's IdTagInfos are stored, read, evicted, cleared and the file reopened
// THEN REFERENCE.md 8 "Authorization cache" (OCPP 1.6 3.5.2): expiry honoured on read, not-valid entries
// evicted before the oldest, listed idTags never cached, AuthorizationCacheEnabled=false disables it.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AuthCache } from '../../../../src/store/auth-cache.js';
import { openDb, type Db } from '../../../../src/store/db.js';

const dirs: string[] = [];
const dbs: Db[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const T0 = Date.parse('2025-03-01T12:00:00Z');

function setup(opts: { max?: number; listed?: string[]; dir?: string } = {}) {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'evse-cache-'));
  if (!opts.dir) dirs.push(dir);
  const db = openDb(dir);
  dbs.push(db);
  const state = { now: T0, enabled: true };
  const listed = new Set(opts.listed ?? []);
  const cache = new AuthCache(db, { maxEntries: opts.max ?? 10, enabled: () => state.enabled, listed: (t) => listed.has(t), now: () => state.now });
  return { cache, db, dir, state };
}

describe('authorization cache', () => {
  it('GIVEN an IdTagInfo stored WHEN read in any case THEN the same status, expiry and group come back', () => {
    const { cache } = setup();
    expect(cache.put('04a1b2c3', { status: 'Accepted', expiryDate: '2025-03-02T00:00:00+01:00', parentIdTag: 'fleet-1' })).toBe(true);
    expect(cache.get('04A1B2C3')).toMatchObject({ idTag: '04A1B2C3', status: 'Accepted', expiryDate: '2025-03-01T23:00:00.000Z', parentIdTag: 'FLEET-1' });
    expect(cache.get('UNKNOWN')).toBeNull();
  });

  it('GIVEN an Accepted entry WHEN its expiryDate passes THEN it reads as Expired', () => {
    const { cache, state } = setup();
    cache.put('A1', { status: 'Accepted', expiryDate: new Date(T0 + 60_000).toISOString() });
    expect(cache.get('A1')?.status).toBe('Accepted');
    state.now = T0 + 60_000;
    expect(cache.get('A1')?.status).toBe('Expired');
  });

  it('GIVEN a full cache WHEN a new idTag arrives THEN a not-valid entry goes first, even if newer than valid ones', () => {
    const { cache, state } = setup({ max: 10 });
    for (let i = 0; i < 10; i++) {
      state.now = T0 + i * 1000;
      cache.put(`OK${i}`, { status: i === 7 ? 'Blocked' : 'Accepted' });
    }
    state.now = T0 + 20_000;
    cache.put('NEW', { status: 'Accepted' });
    expect(cache.size()).toBe(10);
    expect(cache.get('OK7')).toBeNull(); // the blocked one, although OK0 is older
    expect(cache.get('OK0')?.status).toBe('Accepted');
    expect(cache.get('NEW')?.status).toBe('Accepted');
  });

  it('GIVEN a full cache with an expired Accepted entry WHEN a new idTag arrives THEN the expired one goes before the oldest valid', () => {
    const { cache, state } = setup({ max: 10 });
    for (let i = 0; i < 10; i++) {
      state.now = T0 + i * 1000;
      cache.put(`T${i}`, { status: 'Accepted', ...(i === 5 ? { expiryDate: new Date(T0 + 15_000).toISOString() } : {}) });
    }
    state.now = T0 + 30_000;
    cache.put('NEW', { status: 'Accepted' });
    expect(cache.get('T5')).toBeNull();
    expect(cache.get('T0')).not.toBeNull();
  });

  it('GIVEN a full cache of valid entries WHEN new idTags arrive THEN the least recently updated go first; an update refreshes an entry', () => {
    const { cache, state } = setup({ max: 10 });
    for (let i = 0; i < 10; i++) {
      state.now = T0 + i * 1000;
      cache.put(`T${i}`, { status: 'Accepted' });
    }
    state.now = T0 + 50_000;
    cache.put('T0', { status: 'Accepted' }); // refreshed: now the newest
    state.now = T0 + 51_000;
    cache.put('N1', { status: 'Accepted' });
    state.now = T0 + 52_000;
    cache.put('N2', { status: 'Accepted' });
    expect(cache.get('T1')).toBeNull();
    expect(cache.get('T2')).toBeNull();
    expect(cache.get('T0')).not.toBeNull();
    expect(cache.get('T3')).not.toBeNull();
    expect(cache.size()).toBe(10);
  });

  it('GIVEN an idTag in the local list WHEN the CSMS says something about it THEN the cache does not store it', () => {
    const { cache } = setup({ listed: ['LISTED'] });
    expect(cache.put('listed', { status: 'Accepted' })).toBe(false);
    expect(cache.get('LISTED')).toBeNull();
    expect(cache.size()).toBe(0);
  });

  it('GIVEN entries WHEN the database is closed and reopened THEN they are still there (persisted)', () => {
    const first = setup();
    first.cache.put('KEEP', { status: 'Blocked', parentIdTag: 'G' });
    first.db.close();
    dbs.splice(dbs.indexOf(first.db), 1);
    const again = setup({ dir: first.dir });
    expect(again.cache.get('KEEP')).toMatchObject({ status: 'Blocked', parentIdTag: 'G' });
  });

  it('GIVEN AuthorizationCacheEnabled=false THEN the cache is neither read nor written; clear empties it', () => {
    const { cache, state } = setup();
    cache.put('A', { status: 'Accepted' });
    state.enabled = false;
    expect(cache.get('A')).toBeNull();
    expect(cache.put('B', { status: 'Accepted' })).toBe(false);
    state.enabled = true;
    expect(cache.get('A')).not.toBeNull();
    expect(cache.get('B')).toBeNull();
    expect(cache.clear()).toBe(1);
    expect(cache.get('A')).toBeNull();
  });
});
