// GIVEN the real controller process charging offline for an unknown card (AllowOfflineTxForUnknownId)
// WHEN the CSMS comes back and answers the queued StartTransaction with idTagInfo Invalid
// THEN OCPP 1.6 3.5.4 / REFERENCE.md 8: StopTransactionOnInvalidId=true stops with reason DeAuthorized;
// false keeps the transaction but stops energy (SuspendedEVSE), after MaxEnergyOnInvalidId Wh when > 0.

import { describe, expect, it } from 'vitest';
import { startCsms, type TestCsms } from '../helpers/csms.js';
import { usePeers } from '../helpers/peers.js';
import { ocppConfig, startController, waitFor, type Controller } from '../helpers/process.js';

const peers = usePeers();

const CARD = 'D00D0001';
const conn = async (c: Controller) => (await c.get('/api/status')).body.connectors[0];

/** Charging offline for an unknown card; then a CSMS on the same port that refuses the card in StartTransaction.conf. */
async function refusedAfterReconnect(keys: Record<string, string>, whBeforeReconnect = 0): Promise<{ s: TestCsms; c: Controller }> {
  const s1 = (peers.csms = await startCsms());
  const c = (peers.ctl = await startController(ocppConfig(s1.url)));
  await s1.waitFor('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Available');
  for (const [key, value] of Object.entries({ AllowOfflineTxForUnknownId: 'true', ...keys })) {
    expect(await s1.call('ChangeConfiguration', { key, value })).toEqual({ status: 'Accepted' });
  }
  await s1.close();
  await waitFor('offline', async () => !(await c.get('/api/status')).body.ocpp.connected, 10_000);
  await c.post('/api/sim/connectors/1/plug');
  await c.post('/api/sim/rfid', { uid: CARD });
  await c.post('/api/sim/connectors/1/ev', { request: 'charge' });
  await waitFor('charging offline', async () => (await conn(c)).status === 'Charging');
  if (whBeforeReconnect > 0) await waitFor(`${whBeforeReconnect} Wh`, async () => (await conn(c)).transaction?.energyWh >= whBeforeReconnect, 15_000);
  const s = (peers.csms = await startCsms({ port: s1.port }));
  s.on('StartTransaction', () => ({ transactionId: 777, idTagInfo: { status: 'Invalid' } }));
  await s.waitFor('StartTransaction', (p) => p.idTag === CARD, 25_000);
  return { s, c };
}

describe('StartTransaction.conf refuses the idTag of a running transaction', () => {
  it('StopTransactionOnInvalidId=true: the transaction stops with reason DeAuthorized', async () => {
    const { s, c } = await refusedAfterReconnect({ StopTransactionOnInvalidId: 'true' });
    const stop = await s.waitFor('StopTransaction', undefined, 15_000);
    expect(stop.params).toMatchObject({ transactionId: 777, reason: 'DeAuthorized', idTag: CARD });
    await waitFor('no transaction', async () => (await conn(c)).transaction === null);
    expect((await conn(c)).contactorClosed).toBe(false);
    // The cable stays held for its owner: a remote start for someone else cannot take the connector.
    expect(await s.call('RemoteStartTransaction', { connectorId: 1, idTag: 'OTHER-CARD' })).toEqual({ status: 'Rejected' });
    expect(await s.call('RemoteStartTransaction', { idTag: 'OTHER-CARD' })).toEqual({ status: 'Rejected' });
    expect(s.validationFailures).toEqual([]);
  }, 60_000);

  it('StopTransactionOnInvalidId=false, MaxEnergyOnInvalidId=0: the transaction stays, energy stops at once (SuspendedEVSE)', async () => {
    const { s, c } = await refusedAfterReconnect({ StopTransactionOnInvalidId: 'false', MaxEnergyOnInvalidId: '0' });
    await s.waitFor('StatusNotification', (p) => p.connectorId === 1 && p.status === 'SuspendedEVSE', 15_000);
    const view = await conn(c);
    expect(view).toMatchObject({ status: 'SuspendedEVSE', offeredCurrentA: 0 });
    expect(view.transaction).toMatchObject({ idTag: CARD, ocppTransactionId: 777 });
    await waitFor('contactor open', async () => (await conn(c)).contactorClosed === false, 10_000);
    expect(s.count('StopTransaction')).toBe(0);
    // The session ends normally later, and the connector offers current again for the next one.
    await c.post('/api/sim/connectors/1/unplug');
    const stop = await s.waitFor('StopTransaction', undefined, 10_000);
    expect(stop.params).toMatchObject({ transactionId: 777, reason: 'EVDisconnected' });
    await c.post('/api/sim/connectors/1/plug');
    s.on('StartTransaction', () => ({ transactionId: 778, idTagInfo: { status: 'Accepted' } }));
    await c.post('/api/sim/rfid', { uid: '04A1B2C3' });
    await c.post('/api/sim/connectors/1/ev', { request: 'charge' });
    await waitFor('charging again at full current', async () => {
      const v = await conn(c);
      return v.status === 'Charging' && v.offeredCurrentA === 16;
    });
    expect(s.validationFailures).toEqual([]);
  }, 60_000);

  it('StopTransactionOnInvalidId=false, MaxEnergyOnInvalidId>0: energy goes on until that many Wh since the start, then SuspendedEVSE', async () => {
    const { s, c } = await refusedAfterReconnect({ StopTransactionOnInvalidId: 'false', MaxEnergyOnInvalidId: '20' });
    const atRefusal = await conn(c);
    expect(atRefusal.transaction.energyWh).toBeLessThan(20); // else the test proves nothing
    const suspended = await s.waitFor('StatusNotification', (p) => p.connectorId === 1 && p.status === 'SuspendedEVSE', 30_000);
    expect(suspended).toBeDefined();
    const view = await conn(c);
    expect(view.transaction.energyWh).toBeGreaterThanOrEqual(20);
    expect(view.transaction.ocppTransactionId).toBe(777);
    expect(s.count('StopTransaction')).toBe(0);
  }, 60_000);
});
