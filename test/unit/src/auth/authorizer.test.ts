// GIVEN the OCPP authorization policy with a fake local list, a real cache (SQLite) and a fake CSMS
// WHEN idTags are authorized online and offline under the configuration keys
// THEN OCPP 1.6 3.5 / REFERENCE.md 8: list before cache, LocalPreAuthorize without Authorize.req,
// LocalAuthorizeOffline, AllowOfflineTxForUnknownId (listed/cached invalid ids still refused), conflicts.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Authorizer } from '../../../../src/auth/authorizer.js';
import type { AuthStatus, IdTagInfo, LocalListLookup } from '../../../../src/auth/types.js';
import { silentLogger } from '../../../../src/log.js';
import type { BooleanKey } from '../../../../src/ocpp/config-keys.js';
import { AuthCache } from '../../../../src/store/auth-cache.js';
import { openDb, type Db } from '../../../../src/store/db.js';

const dirs: string[] = [];
const dbs: Db[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const NOW = Date.parse('2025-03-01T12:00:00Z');
const PAST = '2025-02-01T00:00:00Z';
const FUTURE = '2026-01-01T00:00:00Z';

const DEFAULT_KEYS: Partial<Record<BooleanKey, boolean>> = {
  LocalAuthListEnabled: true,
  AuthorizationCacheEnabled: true,
  LocalAuthorizeOffline: true,
  LocalPreAuthorize: false,
  AllowOfflineTxForUnknownId: false,
};

interface Setup {
  online?: boolean;
  keys?: Partial<Record<BooleanKey, boolean>>;
  list?: Record<string, IdTagInfo>;
  cache?: Record<string, IdTagInfo>;
  csms?: Record<string, IdTagInfo>;
  csmsDown?: boolean;
  everAccepted?: boolean;
  chargeBeforeAccepted?: boolean;
  allowList?: string[];
}

function setup(s: Setup = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'evse-authz-'));
  dirs.push(dir);
  const db = openDb(dir);
  dbs.push(db);
  const keys = { ...DEFAULT_KEYS, ...s.keys };
  const list: LocalListLookup = {
    lookup: (t) => s.list?.[t.toUpperCase()] ?? null,
    version: () => 1,
    size: () => Object.keys(s.list ?? {}).length,
  };
  const authorizeCalls: string[] = [];
  const conflicts: Array<[string, boolean]> = [];
  const cache = new AuthCache(db, { maxEntries: 100, enabled: () => keys.AuthorizationCacheEnabled === true, listed: (t) => authorizer.listed(t) !== null, now: () => NOW });
  // Seeded as rows: an entry cached before its idTag was listed must not win over the list.
  const seed = db.prepare('INSERT INTO auth_cache (id_tag, status, expiry_date, parent_id_tag, updated_at) VALUES (?, ?, ?, ?, ?)');
  for (const [tag, info] of Object.entries(s.cache ?? {})) seed.run(tag, info.status, info.expiryDate ?? null, info.parentIdTag ?? null, NOW);
  const authorizer: Authorizer = new Authorizer({
    localList: () => list,
    cache,
    keys: { bool: (k) => keys[k] === true },
    online: () => s.online ?? true,
    authorizeOnline: async (idTag) => {
      authorizeCalls.push(idTag);
      if (s.csmsDown) throw new Error('timeout');
      return s.csms?.[idTag] ?? { status: 'Invalid' };
    },
    everAccepted: () => s.everAccepted ?? true,
    chargeBeforeAccepted: s.chargeBeforeAccepted ?? false,
    allowListed: (t) => (s.allowList ?? []).includes(t),
    conflict: (idTag, c) => conflicts.push([idTag, c]),
    now: () => NOW,
    log: silentLogger(),
  });
  return { authorizer, cache, authorizeCalls, conflicts };
}

type Row = [name: string, setup: Setup, idTag: string, accepted: boolean, status: AuthStatus, source: string, authorizeSent: boolean];

const ON: Setup = { online: true };
const OFF: Setup = { online: false };
const ACC: IdTagInfo = { status: 'Accepted' };

const CASES: Row[] = [
  // online
  ['online, unknown: the CSMS decides', { ...ON, csms: { U1: ACC } }, 'U1', true, 'Accepted', 'csms', true],
  ['online, CSMS says Blocked', { ...ON, csms: { U1: { status: 'Blocked' } } }, 'U1', false, 'Blocked', 'csms', true],
  ['online, CSMS says ConcurrentTx', { ...ON, csms: { U1: { status: 'ConcurrentTx' } } }, 'U1', false, 'ConcurrentTx', 'csms', true],
  ['online, listed Accepted, no LocalPreAuthorize: still asks the CSMS', { ...ON, list: { L1: ACC }, csms: { L1: ACC } }, 'L1', true, 'Accepted', 'csms', true],
  ['online, listed Accepted, LocalPreAuthorize: at once, no Authorize.req', { ...ON, keys: { LocalPreAuthorize: true }, list: { L1: ACC } }, 'L1', true, 'Accepted', 'local-list', false],
  ['online, cached Accepted, LocalPreAuthorize', { ...ON, keys: { LocalPreAuthorize: true }, cache: { C1: ACC } }, 'C1', true, 'Accepted', 'cache', false],
  ['online, cached but expired, LocalPreAuthorize: asks the CSMS', { ...ON, keys: { LocalPreAuthorize: true }, cache: { C1: { status: 'Accepted', expiryDate: PAST } }, csms: { C1: ACC } }, 'C1', true, 'Accepted', 'csms', true],
  ['online, listed Blocked, LocalPreAuthorize: asks the CSMS', { ...ON, keys: { LocalPreAuthorize: true }, list: { L1: { status: 'Blocked' } }, csms: { L1: { status: 'Blocked' } } }, 'L1', false, 'Blocked', 'csms', true],
  ['online, listed, list disabled, LocalPreAuthorize: asks the CSMS', { ...ON, keys: { LocalPreAuthorize: true, LocalAuthListEnabled: false }, list: { L1: ACC } }, 'L1', false, 'Invalid', 'csms', true],
  ['online but Authorize undeliverable: offline rules (listed)', { ...ON, csmsDown: true, list: { L1: ACC } }, 'L1', true, 'Accepted', 'local-list', true],
  // offline: list and cache
  ['offline, listed Accepted', { ...OFF, list: { L1: ACC } }, 'L1', true, 'Accepted', 'local-list', false],
  ['offline, listed Accepted with a future expiry', { ...OFF, list: { L1: { status: 'Accepted', expiryDate: FUTURE } } }, 'L1', true, 'Accepted', 'local-list', false],
  ['offline, listed but expired', { ...OFF, list: { L1: { status: 'Accepted', expiryDate: PAST } } }, 'L1', false, 'Expired', 'local-list', false],
  ['offline, listed Blocked', { ...OFF, list: { L1: { status: 'Blocked' } } }, 'L1', false, 'Blocked', 'local-list', false],
  ['offline, listed Accepted but the list disabled: unknown', { ...OFF, keys: { LocalAuthListEnabled: false }, list: { L1: ACC } }, 'L1', false, 'Invalid', 'policy', false],
  ['offline, cached Accepted', { ...OFF, cache: { C1: ACC } }, 'C1', true, 'Accepted', 'cache', false],
  ['offline, cached Accepted, cache disabled: unknown', { ...OFF, keys: { AuthorizationCacheEnabled: false }, cache: { C1: ACC } }, 'C1', false, 'Invalid', 'policy', false],
  ['offline, cached expired', { ...OFF, cache: { C1: { status: 'Accepted', expiryDate: PAST } } }, 'C1', false, 'Expired', 'cache', false],
  ['offline, list has priority over the cache', { ...OFF, list: { X: { status: 'Blocked' } }, cache: { X: ACC } }, 'X', false, 'Blocked', 'local-list', false],
  ['offline, listed Accepted, LocalAuthorizeOffline false', { ...OFF, keys: { LocalAuthorizeOffline: false }, list: { L1: ACC } }, 'L1', false, 'Invalid', 'policy', false],
  // offline: unknown ids
  ['offline, unknown, no AllowOfflineTxForUnknownId', OFF, 'U1', false, 'Invalid', 'policy', false],
  ['offline, unknown, AllowOfflineTxForUnknownId', { ...OFF, keys: { AllowOfflineTxForUnknownId: true } }, 'U1', true, 'Accepted', 'offline-unknown', false],
  ['offline, listed Blocked, AllowOfflineTxForUnknownId: still refused', { ...OFF, keys: { AllowOfflineTxForUnknownId: true }, list: { L1: { status: 'Blocked' } } }, 'L1', false, 'Blocked', 'local-list', false],
  ['offline, cached expired, AllowOfflineTxForUnknownId: still refused', { ...OFF, keys: { AllowOfflineTxForUnknownId: true }, cache: { C1: { status: 'Accepted', expiryDate: PAST } } }, 'C1', false, 'Expired', 'cache', false],
  ['offline, auth.allowList card (LocalAuthorizeOffline)', { ...OFF, allowList: ['A1'] }, 'A1', true, 'Accepted', 'allow-list', false],
  // registration
  ['never accepted, chargeBeforeAccepted false', { ...OFF, everAccepted: false, list: { L1: ACC } }, 'L1', false, 'Invalid', 'policy', false],
  ['never accepted, chargeBeforeAccepted true: offline rules', { ...OFF, everAccepted: false, chargeBeforeAccepted: true, list: { L1: ACC } }, 'L1', true, 'Accepted', 'local-list', false],
];

describe('authorizer: decision table', () => {
  it.each(CASES)('%s', async (_name, s, idTag, accepted, status, source, authorizeSent) => {
    const { authorizer, authorizeCalls } = setup(s);
    const d = await authorizer.authorize(idTag);
    expect({ accepted: d.accepted, status: d.status, source: d.source, authorizeSent: authorizeCalls.length > 0 }).toEqual({ accepted, status, source, authorizeSent });
    expect(d.sentence).toContain(idTag);
  });
});

describe('authorizer: what it learns', () => {
  it('GIVEN an online Authorize.conf for an unlisted idTag THEN the cache learns status and group; offline it charges from the cache', async () => {
    const s: Setup = { online: true, csms: { U1: { status: 'Accepted', parentIdTag: 'FLEET' } } };
    const { authorizer, cache } = setup(s);
    expect((await authorizer.authorize('U1')).parentIdTag).toBe('FLEET');
    expect(cache.get('U1')).toMatchObject({ status: 'Accepted', parentIdTag: 'FLEET' });
    s.online = false;
    expect(await authorizer.authorize('U1')).toMatchObject({ accepted: true, source: 'cache', parentIdTag: 'FLEET' });
  });

  it('GIVEN a listed idTag WHEN the CSMS answers differently THEN a conflict is reported, the CSMS wins and nothing is cached; agreement clears it', async () => {
    const s: Setup = { online: true, list: { L1: ACC }, csms: { L1: { status: 'Blocked' } } };
    const { authorizer, cache, conflicts } = setup(s);
    expect(await authorizer.authorize('L1')).toMatchObject({ accepted: false, status: 'Blocked', source: 'csms' });
    expect(conflicts).toEqual([['L1', true]]);
    expect(cache.get('L1')).toBeNull();
    s.csms = { L1: ACC };
    await authorizer.authorize('L1');
    expect(conflicts.at(-1)).toEqual(['L1', false]);
  });

  it('GIVEN the CSMS refusal of a known idTag THEN the sentence names the reason', async () => {
    const { authorizer } = setup({ online: true, csms: { B1: { status: 'Blocked' }, E1: { status: 'Expired' }, C1: { status: 'ConcurrentTx' } } });
    expect((await authorizer.authorize('B1')).sentence).toBe('Card B1 is blocked by the operator');
    expect((await authorizer.authorize('E1')).sentence).toBe('Card E1 has expired');
    expect((await authorizer.authorize('C1')).sentence).toBe('Card C1 is already charging at another connector');
    expect((await authorizer.authorize('NOPE')).sentence).toBe('Card NOPE is not known');
  });
});
