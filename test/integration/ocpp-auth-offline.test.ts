// GIVEN the real controller process, accepted once by a strict CSMS on loopback, then the CSMS gone
// WHEN cards are tapped offline
// THEN OCPP 1.6 3.5 / REFERENCE.md 8: a listed card charges (LocalAuthorizeOffline); an unknown card charges
// only with AllowOfflineTxForUnknownId; listed or cached entries that are expired or not Accepted are refused
// even then; the status API says why in a sentence; queued StartTransaction reaches the CSMS afterwards.

import { describe, expect, it } from 'vitest';
import { startCsms, type TestCsms } from '../helpers/csms.js';
import { usePeers } from '../helpers/peers.js';
import { ocppConfig, startController, waitFor, type Controller } from '../helpers/process.js';

const peers = usePeers();

const LISTED = 'A1A1A1A1';
const EXPIRED = 'E1E1E1E1';
const BLOCKED = 'B1B1B1B1';
const UNKNOWN = 'C0FFEE01';

async function acceptedThenOffline(keys: Record<string, string>): Promise<{ s: TestCsms; c: Controller }> {
  const s = (peers.csms = await startCsms());
  const c = (peers.ctl = await startController(ocppConfig(s.url)));
  await s.waitFor('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Available');
  expect(await s.call('SendLocalList', {
    listVersion: 1,
    updateType: 'Full',
    localAuthorizationList: [
      { idTag: LISTED, idTagInfo: { status: 'Accepted' } },
      { idTag: EXPIRED, idTagInfo: { status: 'Accepted', expiryDate: '2020-01-01T00:00:00.000Z' } },
      { idTag: BLOCKED, idTagInfo: { status: 'Blocked' } },
    ],
  })).toEqual({ status: 'Accepted' });
  for (const [key, value] of Object.entries(keys)) expect(await s.call('ChangeConfiguration', { key, value })).toEqual({ status: 'Accepted' });
  await s.close();
  await waitFor('offline', async () => !(await c.get('/api/status')).body.ocpp.connected, 10_000);
  return { s, c };
}

const conn = async (c: Controller) => (await c.get('/api/status')).body.connectors[0];

async function tapAndWait(c: Controller, uid: string): Promise<any> {
  await c.post('/api/sim/rfid', { uid });
  return waitFor(`a decision for ${uid}`, async () => {
    const la = (await conn(c)).lastAuthorization;
    return la?.idTag === uid ? la : undefined;
  });
}

describe('offline authorization', () => {
  it('listed card charges offline; the queued StartTransaction reaches the CSMS once it is back', async () => {
    const { s, c } = await acceptedThenOffline({});
    await c.post('/api/sim/connectors/1/plug');
    expect(await tapAndWait(c, LISTED)).toMatchObject({ accepted: true, status: 'Accepted' });
    await c.post('/api/sim/connectors/1/ev', { request: 'charge' });
    await waitFor('charging offline', async () => (await conn(c)).status === 'Charging');
    expect((await conn(c)).transaction).toMatchObject({ idTag: LISTED });

    const s2 = (peers.csms = await startCsms({ port: s.port }));
    const start = await s2.waitFor('StartTransaction', undefined, 25_000);
    expect(start.params).toMatchObject({ connectorId: 1, idTag: LISTED });
    expect(s2.count('Authorize')).toBe(0);
    expect(s2.validationFailures).toEqual([]);
  }, 60_000);

  it('unknown card offline without AllowOfflineTxForUnknownId: refused with a sentence in the status API', async () => {
    const { c } = await acceptedThenOffline({ AllowOfflineTxForUnknownId: 'false' });
    await c.post('/api/sim/connectors/1/plug');
    const la = await tapAndWait(c, UNKNOWN);
    expect(la).toMatchObject({ accepted: false, reason: 'OfflineUnknown' });
    expect(la.sentence).toBe(`Card ${UNKNOWN} cannot be checked: the CSMS cannot be reached and unknown cards are not allowed offline`);
    expect((await conn(c)).transaction).toBeNull();
    await c.waitForLog(new RegExp(`card refused: ${UNKNOWN}`));
  }, 30_000);

  it('AllowOfflineTxForUnknownId: an unknown card charges, but expired and blocked listed cards are still refused', async () => {
    const { c } = await acceptedThenOffline({ AllowOfflineTxForUnknownId: 'true' });
    await c.post('/api/sim/connectors/1/plug');
    expect(await tapAndWait(c, EXPIRED)).toMatchObject({ accepted: false, status: 'Expired', sentence: `Card ${EXPIRED} has expired` });
    expect(await tapAndWait(c, BLOCKED)).toMatchObject({ accepted: false, status: 'Blocked', sentence: `Card ${BLOCKED} is blocked by the operator` });
    expect((await conn(c)).transaction).toBeNull();
    expect(await tapAndWait(c, UNKNOWN)).toMatchObject({ accepted: true });
    await waitFor('session of the unknown card', async () => (await conn(c)).transaction?.idTag === UNKNOWN);
  }, 30_000);

  it('a card learned online (cache) charges offline; a cache entry past its expiryDate is refused', async () => {
    const s = (peers.csms = await startCsms());
    const expiry = new Date(Date.now() + 4000).toISOString();
    s.on('Authorize', (p) => ({ idTagInfo: p.idTag === 'CAFE0002' ? { status: 'Accepted', expiryDate: expiry } : { status: 'Accepted' } }));
    const c = (peers.ctl = await startController(ocppConfig(s.url)));
    await s.waitFor('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Available');
    expect(await s.call('ChangeConfiguration', { key: 'ConnectionTimeOut', value: '1' })).toEqual({ status: 'Accepted' });
    for (const uid of ['CAFE0002', 'CAFE0001']) {
      const mark = c.logs.length;
      expect(await tapAndWait(c, uid)).toMatchObject({ accepted: true }); // no cable: the authorization lapses after 1 s
      await c.waitForLog(/authorization expired/, 5000, mark);
    }
    expect(s.count('Authorize')).toBe(2);
    await s.close();
    await waitFor('offline', async () => !(await c.get('/api/status')).body.ocpp.connected, 10_000);
    await waitFor('the expiry passed', async () => Date.now() > Date.parse(expiry) + 200, 10_000);
    await c.post('/api/sim/connectors/1/plug');
    expect(await tapAndWait(c, 'CAFE0002')).toMatchObject({ accepted: false, status: 'Expired', sentence: 'Card CAFE0002 has expired' });
    expect(await tapAndWait(c, 'CAFE0001')).toMatchObject({ accepted: true });
    await waitFor('session from the cache', async () => (await conn(c)).transaction?.idTag === 'CAFE0001');
  }, 40_000);
});
