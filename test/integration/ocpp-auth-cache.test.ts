// GIVEN the real controller process accepted by a strict CSMS on loopback
// WHEN cards of a group, a listed card with LocalPreAuthorize, ClearCache and many cards arrive
// THEN OCPP 1.6 3.5 / REFERENCE.md 8: a card of the same group (parentIdTag) stops the session; LocalPreAuthorize
// starts without Authorize.req; a CSMS answer that differs from the list is LocalListConflict on connector 0;
// ClearCache empties the cache; on overflow the cache evicts not-valid entries first, then the oldest.

import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startCsms, type TestCsms } from '../helpers/csms.js';
import { usePeers } from '../helpers/peers.js';
import { ocppConfig, startController, waitFor, type Controller } from '../helpers/process.js';

const peers = usePeers();

const conn = async (c: Controller, i = 0) => (await c.get('/api/status')).body.connectors[i];

async function accepted(yaml?: (url: string) => string): Promise<{ s: TestCsms; c: Controller }> {
  const s = (peers.csms = await startCsms());
  const c = (peers.ctl = await startController(yaml ? yaml(s.url) : ocppConfig(s.url)));
  await s.waitFor('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Available');
  return { s, c };
}

/** Cache rows in the controller's database file (a read-only second connection). */
function cacheRows(c: Controller): Array<{ id_tag: string; status: string }> {
  const db = new Database(join(c.dir, 'data', 'evse.db'), { readonly: true });
  try {
    return db.prepare('SELECT id_tag, status FROM auth_cache ORDER BY id_tag').all() as Array<{ id_tag: string; status: string }>;
  } finally {
    db.close();
  }
}

describe('groups, pre-authorization, cache', () => {
  it('a second card with the same parentIdTag stops the session (reason Local); the group is recorded', async () => {
    const { s, c } = await accepted();
    s.on('Authorize', (p) => ({ idTagInfo: { status: 'Accepted', parentIdTag: p.idTag.startsWith('FA') ? 'FAMILY' : 'OTHER' } }));
    await c.post('/api/sim/connectors/1/plug');
    await c.post('/api/sim/rfid', { uid: 'FA000001' });
    await c.post('/api/sim/connectors/1/ev', { request: 'charge' });
    await waitFor('charging', async () => (await conn(c)).status === 'Charging');
    await c.post('/api/sim/rfid', { uid: '0B000001' }); // another group: nothing happens to the session
    await waitFor('second Authorize', async () => s.count('Authorize') === 2);
    await c.post('/api/sim/rfid', { uid: 'FA000002' });
    const stop = await s.waitFor('StopTransaction', undefined, 15_000);
    expect(stop.params).toMatchObject({ idTag: 'FA000001', reason: 'Local' });
    expect(s.count('StopTransaction')).toBe(1);
    expect((await conn(c)).lastAuthorization.sentence).toBe('Card FA000002 stopped the session of its group FAMILY');
    expect(s.validationFailures).toEqual([]);
  }, 30_000);

  it('LocalPreAuthorize: a listed card starts without Authorize.req; a CSMS answer unlike the list is LocalListConflict on connector 0', async () => {
    const { s, c } = await accepted();
    expect(await s.call('SendLocalList', { listVersion: 2, updateType: 'Full', localAuthorizationList: [{ idTag: 'A1A1A1A1', idTagInfo: { status: 'Accepted' } }, { idTag: 'A2A2A2A2', idTagInfo: { status: 'Accepted' } }] })).toEqual({ status: 'Accepted' });
    expect(await s.call('ChangeConfiguration', { key: 'LocalPreAuthorize', value: 'true' })).toEqual({ status: 'Accepted' });
    await c.post('/api/sim/connectors/1/plug');
    await c.post('/api/sim/rfid', { uid: 'A1A1A1A1' });
    const start = await s.waitFor('StartTransaction', (p) => p.idTag === 'A1A1A1A1');
    expect(start.params.connectorId).toBe(1);
    expect(s.count('Authorize')).toBe(0);
    await c.post('/api/sim/rfid', { uid: 'A1A1A1A1' }); // stop
    await s.waitFor('StopTransaction');

    expect(await s.call('ChangeConfiguration', { key: 'LocalPreAuthorize', value: 'false' })).toEqual({ status: 'Accepted' });
    s.on('Authorize', () => ({ idTagInfo: { status: 'Blocked' } }));
    const mark = s.received.length;
    await c.post('/api/sim/rfid', { uid: 'A2A2A2A2' });
    const conflict = await s.waitFor('StatusNotification', (p) => p.connectorId === 0 && p.errorCode === 'LocalListConflict', 10_000, mark);
    expect(conflict.params.status).toBe('Available');
    expect(await waitFor('refusal', async () => (await conn(c)).lastAuthorization?.idTag === 'A2A2A2A2' && (await conn(c)).lastAuthorization)).toMatchObject({ accepted: false, status: 'Blocked' });
    expect((await c.get('/api/status')).body.faults).toEqual([expect.objectContaining({ errorCode: 'LocalListConflict' })]);
    expect(s.validationFailures).toEqual([]);
  }, 30_000);

  it('ClearCache empties the cache (Accepted); with AuthorizationCacheEnabled=false it is Rejected and nothing is cached', async () => {
    const { s, c } = await accepted();
    expect(await s.call('ChangeConfiguration', { key: 'ConnectionTimeOut', value: '1' })).toEqual({ status: 'Accepted' });
    await c.post('/api/sim/rfid', { uid: 'CC000001' });
    await waitFor('cached', async () => cacheRows(c).length === 1);
    expect(await s.call('ClearCache', {})).toEqual({ status: 'Accepted' });
    expect(cacheRows(c)).toEqual([]);
    await c.waitForLog(/authorization expired/);
    expect(await s.call('ChangeConfiguration', { key: 'AuthorizationCacheEnabled', value: 'false' })).toEqual({ status: 'Accepted' });
    await c.post('/api/sim/rfid', { uid: 'CC000002' });
    await waitFor('Authorize', async () => s.count('Authorize') === 2);
    await waitFor('decision', async () => (await conn(c)).lastAuthorization?.idTag === 'CC000002');
    expect(cacheRows(c)).toEqual([]);
    expect(await s.call('ClearCache', {})).toEqual({ status: 'Rejected' });
  }, 30_000);

  it('cache overflow (auth.cacheMaxEntries 10): refused entries are evicted first, the oldest valid one stays', async () => {
    const { s, c } = await accepted((url) =>
      ocppConfig(url).replace('connectors: [{ id: 1, maxCurrentA: 16 }]', 'connectors: [{ id: 1, maxCurrentA: 16 }, { id: 2, maxCurrentA: 16 }]').replace('auth: { allowList: ["04A1B2C3"] }', 'auth: { allowList: [], cacheMaxEntries: 10 }'),
    );
    s.on('Authorize', (p) => ({ idTagInfo: { status: p.idTag === 'AA000000' ? 'Accepted' : 'Blocked' } }));
    await c.post('/api/sim/rfid', { uid: 'AA000000' }); // accepted: connector 1 waits for a cable, connector 2 stays free
    await waitFor('first cached', async () => cacheRows(c).length === 1);
    for (let i = 1; i <= 11; i++) {
      const uid = `BB0000${String(i).padStart(2, '0')}`;
      await c.post('/api/sim/rfid', { uid });
      await waitFor(`decision for ${uid}`, async () => (await conn(c, 1)).lastAuthorization?.idTag === uid);
    }
    const rows = cacheRows(c);
    expect(rows).toHaveLength(10);
    expect(rows.map((r) => r.id_tag)).toContain('AA000000'); // the oldest, but the only valid one
    expect(rows.map((r) => r.id_tag)).not.toContain('BB000001'); // oldest refused ones went first
    expect(rows.map((r) => r.id_tag)).not.toContain('BB000002');
    expect(rows.map((r) => r.id_tag)).toContain('BB000011');
  }, 40_000);
});
