// Local authorization list: SendLocalList rules (Full, Differential, versions, Failed cases) and the
// atomic two-slot apply in SQLite, including a write failure in the middle of a chunked apply and a restart.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SendLocalListRequest } from 'ocpp-ts';
import { afterEach, describe, expect, it } from 'vitest';
import { applyLocalListUpdate, type LocalListLimits } from '../../../../src/auth/local-list-update.js';
import { openDb, type Db } from '../../../../src/store/db.js';
import { LocalListStore, type LocalListOptions } from '../../../../src/store/local-list.js';

type Entry = NonNullable<SendLocalListRequest['localAuthorizationList']>[number];
const LIMITS: LocalListLimits = { sendMax: 100_000, listMax: 100_000 };
const dirs: string[] = [];
const dbs: Db[] = [];

function open(dir?: string): Db {
  const db = openDb(dir ?? ':memory:');
  dbs.push(db);
  return db;
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'evse-local-list-'));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const db of dbs.splice(0)) if (db.open) db.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const accepted = (idTag: string, extra: Partial<NonNullable<Entry['idTagInfo']>> = {}): Entry => ({ idTag, idTagInfo: { status: 'Accepted', ...extra } });
const removal = (idTag: string): Entry => ({ idTag });
const tags = (n: number, prefix = 'T'): Entry[] => Array.from({ length: n }, (_, i) => accepted(`${prefix}${String(i).padStart(7, '0')}`));
const full = (listVersion: number, list?: Entry[]): SendLocalListRequest => ({ updateType: 'Full', listVersion, ...(list ? { localAuthorizationList: list } : {}) });
const diff = (listVersion: number, list: Entry[]): SendLocalListRequest => ({ updateType: 'Differential', listVersion, localAuthorizationList: list });

function store(db: Db, opts?: LocalListOptions): LocalListStore {
  return new LocalListStore(db, opts);
}

/** Every entry of the live list (through lookups of the given ids) plus version and size. */
function state(s: LocalListStore, ids: string[]) {
  return { version: s.version(), size: s.size(), entries: ids.map((id) => [id, s.lookup(id)]) };
}

/** Makes SQLite itself fail the insert of `idTag` into either slot (a write error in the middle of an apply). */
function poison(db: Db, idTag: string): void {
  for (const slot of [0, 1]) {
    db.exec(`CREATE TRIGGER poison_${slot} BEFORE INSERT ON local_list_${slot} WHEN NEW.id_tag = '${idTag}' BEGIN SELECT RAISE(ABORT, 'injected write failure'); END`);
  }
}

describe('local list store and SendLocalList rules', () => {
  it('GIVEN a fresh database WHEN nothing was sent THEN the version is 0, the list empty and lookups miss', () => {
    const s = store(open());
    expect([s.version(), s.size(), s.lookup('04A1B2C3')]).toEqual([0, 0, null]);
  });

  it('GIVEN a Full list WHEN applied THEN its entries are found case-insensitively with their expiry and group, and the version is set', async () => {
    const s = store(open());
    const out = await applyLocalListUpdate(s, full(3, [accepted('04a1b2c3', { expiryDate: '2030-01-01T00:00:00Z', parentIdTag: 'FLEET' }), { idTag: 'B', idTagInfo: { status: 'Blocked' } }]), LIMITS);
    expect(out).toEqual({ status: 'Accepted' });
    expect(s.lookup(' 04A1B2C3 ')).toEqual({ status: 'Accepted', expiryDate: '2030-01-01T00:00:00Z', parentIdTag: 'FLEET' });
    expect(s.lookup('b')).toEqual({ status: 'Blocked' });
    expect([s.version(), s.size()]).toEqual([3, 2]);
  });

  it('GIVEN a list WHEN a Full list arrives (even with a lower version) THEN it replaces everything', async () => {
    const s = store(open());
    await applyLocalListUpdate(s, full(5, [accepted('OLD')]), LIMITS);
    expect(await applyLocalListUpdate(s, full(2, [accepted('NEW')]), LIMITS)).toEqual({ status: 'Accepted' });
    expect(state(s, ['OLD', 'NEW'])).toEqual({ version: 2, size: 1, entries: [['OLD', null], ['NEW', { status: 'Accepted' }]] });
  });

  it('GIVEN a list WHEN a Full update without entries (absent or empty) arrives THEN the list is cleared and the version is 0', async () => {
    const s = store(open());
    await applyLocalListUpdate(s, full(4, [accepted('A')]), LIMITS);
    expect(await applyLocalListUpdate(s, full(5), LIMITS)).toEqual({ status: 'Accepted' });
    expect(state(s, ['A'])).toEqual({ version: 0, size: 0, entries: [['A', null]] });
    await applyLocalListUpdate(s, full(6, [accepted('A')]), LIMITS);
    expect(await applyLocalListUpdate(s, full(7, []), LIMITS)).toEqual({ status: 'Accepted' });
    expect([s.version(), s.size()]).toEqual([0, 0]);
  });

  it('GIVEN a list WHEN a Differential adds, replaces and removes (and removes an unknown idTag) THEN exactly those changes apply', async () => {
    const s = store(open());
    await applyLocalListUpdate(s, full(1, [accepted('KEEP'), accepted('CHANGE'), accepted('DROP')]), LIMITS);
    const out = await applyLocalListUpdate(s, diff(2, [accepted('ADD'), { idTag: 'change', idTagInfo: { status: 'Blocked' } }, removal('Drop'), removal('NEVER-LISTED')]), LIMITS);
    expect(out).toEqual({ status: 'Accepted' });
    expect(state(s, ['KEEP', 'CHANGE', 'DROP', 'ADD'])).toEqual({
      version: 2,
      size: 3,
      entries: [['KEEP', { status: 'Accepted' }], ['CHANGE', { status: 'Blocked' }], ['DROP', null], ['ADD', { status: 'Accepted' }]],
    });
  });

  it('GIVEN list version 5 WHEN a Differential with version 5 or 4 arrives THEN VersionMismatch and nothing changes; version 6 is accepted', async () => {
    const s = store(open());
    await applyLocalListUpdate(s, full(5, [accepted('A')]), LIMITS);
    for (const v of [5, 4]) {
      expect((await applyLocalListUpdate(s, diff(v, [accepted('B')]), LIMITS)).status).toBe('VersionMismatch');
      expect(state(s, ['A', 'B'])).toEqual({ version: 5, size: 1, entries: [['A', { status: 'Accepted' }], ['B', null]] });
    }
    expect((await applyLocalListUpdate(s, diff(6, [accepted('B')]), LIMITS)).status).toBe('Accepted');
    expect([s.version(), s.size()]).toEqual([6, 2]);
  });

  it('GIVEN a Differential that removes the last entry WHEN applied THEN the list is empty with version 0', async () => {
    const s = store(open());
    await applyLocalListUpdate(s, full(1, [accepted('A')]), LIMITS);
    expect((await applyLocalListUpdate(s, diff(2, [removal('A')]), LIMITS)).status).toBe('Accepted');
    expect([s.version(), s.size(), s.lookup('A')]).toEqual([0, 0, null]);
  });

  const refused: Array<[string, SendLocalListRequest, LocalListLimits]> = [
    ['a Full entry without idTagInfo', full(9, [accepted('X'), removal('Y')]), LIMITS],
    ['the same idTag twice in a Full list (other case)', full(9, [accepted('DUP'), accepted('dup')]), LIMITS],
    ['the same idTag twice in a Differential', diff(9, [accepted('X'), removal('X')]), LIMITS],
    ['an empty idTag', full(9, [accepted('  ')]), LIMITS],
    ['more entries than SendLocalListMaxLength', full(9, tags(4)), { sendMax: 3, listMax: 100 }],
    ['a Full list longer than LocalAuthListMaxLength', full(9, tags(4)), { sendMax: 100, listMax: 3 }],
    ['a Differential whose result is longer than LocalAuthListMaxLength', diff(9, tags(2, 'N')), { sendMax: 100, listMax: 3 }],
    ['a negative listVersion', full(-1, [accepted('X')]), LIMITS],
    ['a Full list with entries and listVersion 0', full(0, [accepted('X')]), LIMITS],
    ['an expiryDate that is not a date', full(9, [accepted('X', { expiryDate: 'soon' })]), LIMITS],
  ];
  for (const [what, req, limits] of refused) {
    it(`GIVEN a list of 2 WHEN a request has ${what} THEN Failed and list and version are unchanged`, async () => {
      const s = store(open());
      await applyLocalListUpdate(s, full(3, [accepted('A'), accepted('B')]), LIMITS);
      const before = state(s, ['A', 'B', 'X', 'DUP', 'T0000000', 'N0000000']);
      const out = await applyLocalListUpdate(s, req, limits);
      expect(out.status).toBe('Failed');
      expect(out.reason).toBeTruthy();
      expect(state(s, ['A', 'B', 'X', 'DUP', 'T0000000', 'N0000000'])).toEqual(before);
    });
  }

  it('GIVEN a large Differential (through the inactive slot) whose result is too long WHEN applied THEN Failed and nothing changes', async () => {
    const s = store(open(), { chunkRows: 7, smallPatch: 10 });
    await applyLocalListUpdate(s, full(1, tags(20)), LIMITS);
    const out = await applyLocalListUpdate(s, diff(2, tags(15, 'N')), { sendMax: 100, listMax: 30 });
    expect(out.status).toBe('Failed');
    expect([s.version(), s.size(), s.lookup('N0000000'), s.lookup('T0000019')]).toEqual([1, 20, null, { status: 'Accepted' }]);
  });

  it('GIVEN a large Differential WHEN applied through the inactive slot in small chunks THEN the result equals the change set', async () => {
    const s = store(open(), { chunkRows: 7, smallPatch: 10 });
    await applyLocalListUpdate(s, full(1, tags(50)), LIMITS);
    const changes = [...tags(10, 'N'), ...Array.from({ length: 20 }, (_, i) => removal(`T${String(i * 2).padStart(7, '0')}`)), { idTag: 'T0000001', idTagInfo: { status: 'Expired' as const } }];
    expect((await applyLocalListUpdate(s, diff(2, changes), LIMITS)).status).toBe('Accepted');
    expect([s.version(), s.size()]).toEqual([2, 40]);
    expect([s.lookup('T0000000'), s.lookup('T0000001'), s.lookup('T0000049'), s.lookup('N0000009')]).toEqual([
      null, { status: 'Expired' }, { status: 'Accepted' }, { status: 'Accepted' },
    ]);
  });

  const midway: Array<[string, SendLocalListRequest]> = [
    ['a Full list', full(2, tags(60))],
    ['a large Differential', diff(2, tags(60))],
    ['a small Differential', diff(2, [accepted('Z1'), accepted('T0000030'), accepted('Z2')])],
  ];
  for (const [what, req] of midway) {
    it(`GIVEN ${what} WHEN SQLite fails a write after earlier chunks were committed THEN Failed, the old list and version stay, and the next update works`, async () => {
      const db = open();
      const s = store(db, { chunkRows: 7, smallPatch: 10 });
      await applyLocalListUpdate(s, full(1, [accepted('A'), accepted('B')]), LIMITS);
      poison(db, 'T0000030');
      const out = await applyLocalListUpdate(s, req, LIMITS);
      expect(out.status).toBe('Failed');
      expect(out.reason).toMatch(/injected write failure/);
      expect(state(s, ['A', 'B', 'T0000000', 'Z1'])).toEqual({ version: 1, size: 2, entries: [['A', { status: 'Accepted' }], ['B', { status: 'Accepted' }], ['T0000000', null], ['Z1', null]] });
      db.exec('DROP TRIGGER poison_0; DROP TRIGGER poison_1');
      expect((await applyLocalListUpdate(s, req, LIMITS)).status).toBe('Accepted');
      expect(s.lookup('T0000030')).toEqual({ status: 'Accepted' });
    });
  }

  it('GIVEN a list in a database file WHEN the store is reopened (restart) THEN list, version and size are the same', async () => {
    const dir = tempDir();
    const db = open(dir);
    const s = store(db, { chunkRows: 7 });
    await applyLocalListUpdate(s, full(7, tags(30)), LIMITS);
    await applyLocalListUpdate(s, diff(8, [removal('T0000000'), accepted('NEW', { parentIdTag: 'G' })]), LIMITS);
    db.close();
    const again = store(open(dir));
    expect(state(again, ['T0000000', 'T0000029', 'NEW'])).toEqual({
      version: 8,
      size: 30,
      entries: [['T0000000', null], ['T0000029', { status: 'Accepted' }], ['NEW', { status: 'Accepted', parentIdTag: 'G' }]],
    });
  });

  it('GIVEN a Full update and a Differential sent right after it WHEN both run THEN they apply one after the other, in order', async () => {
    const s = store(open(), { chunkRows: 100 });
    const first = applyLocalListUpdate(s, full(5, tags(1000)), LIMITS);
    const second = applyLocalListUpdate(s, diff(6, [accepted('LATE')]), LIMITS);
    expect([(await first).status, (await second).status]).toEqual(['Accepted', 'Accepted']);
    expect([s.version(), s.size(), s.lookup('LATE')]).toEqual([6, 1001, { status: 'Accepted' }]);
  });

  it('GIVEN a Full list of 100,000 entries WHEN applied THEN every entry is found, misses miss, and a reopened store agrees', async () => {
    const dir = tempDir();
    const db = open(dir);
    const s = store(db);
    const list = Array.from({ length: 100_000 }, (_, i) => ({ idTag: `C${i.toString(16).padStart(8, '0')}`, idTagInfo: { status: (i % 7 === 0 ? 'Blocked' : 'Accepted') as 'Blocked' | 'Accepted' } }));
    expect((await applyLocalListUpdate(s, full(100, list), LIMITS)).status).toBe('Accepted');
    expect([s.version(), s.size()]).toEqual([100, 100_000]);
    let wrong = 0;
    for (let i = 0; i < list.length; i++) if (s.lookup(list[i]!.idTag.toLowerCase())?.status !== list[i]!.idTagInfo.status) wrong++;
    for (let i = 0; i < 1000; i++) if (s.lookup(`M${i}`) !== null) wrong++;
    expect(wrong).toBe(0);
    db.close();
    const again = store(open(dir));
    expect([again.version(), again.size(), again.lookup('C0001869f')]).toEqual([100, 100_000, { status: 'Accepted' }]);
  }, 30_000);
});
