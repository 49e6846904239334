// GIVEN the real controller process, accepted by a strict CSMS on loopback
// WHEN the CSMS sends RemoteStartTransaction, RemoteStopTransaction or UnlockConnector
// THEN the charge point answers per OCPP 1.6 sections 5.11, 5.12, 5.18 and the transaction follows.

import { describe, expect, it } from 'vitest';
import { startCsms, type TestCsms } from '../helpers/csms.js';
import { usePeers } from '../helpers/peers.js';
import { ocppConfig, startController, waitFor, type Controller } from '../helpers/process.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PROFILE = {
  chargingProfileId: 1,
  stackLevel: 0,
  chargingProfilePurpose: 'TxDefaultProfile',
  chargingProfileKind: 'Relative',
  chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 10 }] },
};

const peers = usePeers();

/** CSMS + controller, accepted, with the car plugged in (Preparing). */
async function pluggedIn(): Promise<{ s: TestCsms; c: Controller }> {
  const s = (peers.csms = await startCsms());
  const c = (peers.ctl = await startController(ocppConfig(s.url)));
  await s.waitFor('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Available');
  await c.post('/api/sim/connectors/1/plug');
  await s.waitFor('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Preparing');
  return { s, c };
}

/** A card session that is charging; resolves the CSMS transactionId. */
async function charging(s: TestCsms, c: Controller): Promise<number> {
  await c.post('/api/sim/rfid', { uid: '04A1B2C3' });
  await s.waitFor('StartTransaction');
  await c.post('/api/sim/connectors/1/ev', { request: 'charge' });
  await s.waitFor('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Charging');
  return waitFor('the CSMS transactionId', async () => (await c.get('/api/status')).body.connectors[0].transaction?.ocppTransactionId as number);
}

describe('OCPP RemoteStartTransaction / RemoteStopTransaction', () => {
  it('RemoteStart on a plugged connector: Accepted, StartTransaction with that idTag; RemoteStop: StopTransaction reason Remote', async () => {
    const { s, c } = await pluggedIn();
    expect(await s.call('RemoteStartTransaction', { connectorId: 1, idTag: 'REMOTE-01' })).toEqual({ status: 'Accepted' });
    const start = await s.waitFor('StartTransaction');
    expect(start.params).toMatchObject({ connectorId: 1, idTag: 'REMOTE-01' });
    expect(s.since(0, 'Authorize')).toEqual([]); // AuthorizeRemoteTxRequests is false by default
    const txId = await waitFor('the CSMS transactionId', async () => (await c.get('/api/status')).body.connectors[0].transaction?.ocppTransactionId as number);

    expect(await s.call('RemoteStopTransaction', { transactionId: txId + 4711 })).toEqual({ status: 'Rejected' });
    expect(await s.call('RemoteStopTransaction', { transactionId: txId })).toEqual({ status: 'Accepted' });
    const stop = await s.waitFor('StopTransaction');
    expect(stop.params).toMatchObject({ transactionId: txId, reason: 'Remote', idTag: 'REMOTE-01' });
    await sleep(300);
    expect(s.count('StopTransaction')).toBe(1);
    expect(s.validationFailures).toEqual([]);
  }, 30_000);

  it('RemoteStart with a chargingProfile that is not a TxProfile or on a connector that does not exist: Rejected, nothing starts', async () => {
    const { s } = await pluggedIn();
    expect(await s.call('RemoteStartTransaction', { connectorId: 1, idTag: 'REMOTE-01', chargingProfile: PROFILE })).toEqual({ status: 'Rejected' });
    expect(await s.call('RemoteStartTransaction', { connectorId: 2, idTag: 'REMOTE-01' })).toEqual({ status: 'Rejected' });
    await sleep(1000);
    expect(s.count('StartTransaction')).toBe(0);
    expect(s.count('Authorize')).toBe(0);
    expect(s.validationFailures).toEqual([]);
  }, 30_000);

  it('AuthorizeRemoteTxRequests=true: an Authorize.req for the idTag precedes StartTransaction', async () => {
    const { s } = await pluggedIn();
    expect(await s.call('ChangeConfiguration', { key: 'AuthorizeRemoteTxRequests', value: 'true' })).toEqual({ status: 'Accepted' });
    expect(await s.call('RemoteStartTransaction', { connectorId: 1, idTag: 'REMOTE-02' })).toEqual({ status: 'Accepted' });
    const start = await s.waitFor('StartTransaction');
    expect(start.params).toMatchObject({ connectorId: 1, idTag: 'REMOTE-02' });
    const authorize = s.received.findIndex((r) => r.action === 'Authorize' && r.params.idTag === 'REMOTE-02');
    expect(authorize).toBeGreaterThanOrEqual(0);
    expect(authorize).toBeLessThan(s.received.indexOf(start));
    expect(s.validationFailures).toEqual([]);
  }, 30_000);

  it('AuthorizeRemoteTxRequests=true and the CSMS refuses the idTag: no transaction starts', async () => {
    const { s } = await pluggedIn();
    s.on('Authorize', () => ({ idTagInfo: { status: 'Invalid' } }));
    expect(await s.call('ChangeConfiguration', { key: 'AuthorizeRemoteTxRequests', value: 'true' })).toEqual({ status: 'Accepted' });
    expect(await s.call('RemoteStartTransaction', { connectorId: 1, idTag: 'REMOTE-03' })).toEqual({ status: 'Accepted' });
    await s.waitFor('Authorize', (p) => p.idTag === 'REMOTE-03');
    await sleep(1000);
    expect(s.count('StartTransaction')).toBe(0);
    expect(s.validationFailures).toEqual([]);
  }, 30_000);
});

describe('OCPP UnlockConnector', () => {
  it('during a session: Unlocked, and the transaction stops with reason UnlockCommand', async () => {
    const { s, c } = await pluggedIn();
    const txId = await charging(s, c);
    expect(await s.call('UnlockConnector', { connectorId: 1 })).toEqual({ status: 'Unlocked' });
    const stop = await s.waitFor('StopTransaction');
    expect(stop.params).toMatchObject({ transactionId: txId, reason: 'UnlockCommand' });
    const status = (await c.get('/api/status')).body.connectors[0];
    expect(status).toMatchObject({ contactorClosed: false, transaction: null });
    expect(s.validationFailures).toEqual([]);
  }, 30_000);

  it('a connector that does not exist: NotSupported', async () => {
    const { s } = await pluggedIn();
    expect(await s.call('UnlockConnector', { connectorId: 2 })).toEqual({ status: 'NotSupported' });
    expect(s.validationFailures).toEqual([]);
  }, 30_000);
});
