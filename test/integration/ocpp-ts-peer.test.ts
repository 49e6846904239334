// GIVEN the real controller process and ocpp-ts's OcppServer as a second, independent CSMS (its own
// WebSocket handling, URL parsing and schema validation) WHEN the charge point boots, a driver charges
// with a card, and the CSMS starts and stops a session remotely THEN the core flows work the same as
// against the ocpp-rpc test CSMS.

import { afterEach, describe, expect, it } from 'vitest';
import { startOcppTsCsms, type PeerCsms } from '../helpers/ocpp-ts-csms.js';
import { startController, waitFor, type Controller } from '../helpers/process.js';

const CP = 'CP-TS-1';
const CARD = '04A1B2C3';
const config = (url: string) => `
chargePointId: ${CP}
hal: { driver: sim }
connectors: [{ id: 1, maxCurrentA: 16 }]
auth: { allowList: ["${CARD}"] }
api: { host: 127.0.0.1, port: 0 }
meter: { pollIntervalMs: 200 }
ocpp: { url: "${url}", securityProfile: 0, pingIntervalS: 5 }
`;

let csms: PeerCsms | undefined;
let ctl: Controller | undefined;
afterEach(async () => {
  await ctl?.stop();
  await csms?.close();
  ctl = undefined;
  csms = undefined;
});

const connector1 = async () => (await ctl!.get('/api/status')).body.connectors[0];
const status1 = (status: string) => (p: any) => p.connectorId === 1 && p.status === status;
/** The CSMS issues this transaction id; the controller must report it back in StopTransaction. */
const issue = (csms: PeerCsms, transactionId: number) =>
  csms.on('StartTransaction', () => ({ transactionId, idTagInfo: { status: 'Accepted' } }));
const ocppTx = (id: number) => waitFor(`transaction ${id} confirmed`, async () => (await connector1()).transaction?.ocppTransactionId === id);

/** Starts both sides and waits until the CSMS accepted the charge point and connector 1 is Available. */
async function boot(): Promise<{ csms: PeerCsms; ctl: Controller }> {
  csms = await startOcppTsCsms();
  ctl = await startController(config(csms.url));
  await csms.waitFor('BootNotification');
  await waitFor('registration Accepted', async () => (await ctl!.get('/api/status')).body.ocpp.registration === 'Accepted', 15_000);
  await csms.waitFor('StatusNotification', status1('Available'));
  return { csms, ctl };
}

describe('OCPP core against ocpp-ts OcppServer', () => {
  it('cold boot: the handshake, BootNotification accepted, StatusNotification for every connector', async () => {
    const { csms, ctl } = await boot();
    expect(csms.handshakes[0]).toMatchObject({ cpId: CP, url: `/ocpp/${CP}` });
    expect(csms.handshakes[0]!.protocols.split(/\s*,\s*/)).toContain('ocpp1.6');
    expect(csms.client?.getCpId()).toBe(CP);
    const bootNotification = await csms.waitFor('BootNotification');
    expect(bootNotification.cpId).toBe(CP);
    expect(bootNotification.params).toMatchObject({ chargePointVendor: 'OpenEVSE-Pi', chargePointModel: 'EVSE-PI-AC' });
    const zero = await csms.waitFor('StatusNotification', (p) => p.connectorId === 0);
    expect(zero.params).toMatchObject({ status: 'Available', errorCode: 'NoError' });
    expect((await csms.waitFor('StatusNotification', status1('Available'))).params.errorCode).toBe('NoError');
    expect((await ctl.get('/api/status')).body.ocpp.connected).toBe(true);
  }, 30_000);

  it('an RFID session: Authorize, StartTransaction, MeterValues, StopTransaction (EVDisconnected)', async () => {
    const { csms, ctl } = await boot();
    const tx = 7001;
    issue(csms, tx);
    const client = await csms.waitForClient();
    expect(await client.callRequest('ChangeConfiguration', { key: 'MeterValueSampleInterval', value: '1' })).toEqual({ status: 'Accepted' });
    await ctl.post('/api/sim/connectors/1/plug');
    await csms.waitFor('StatusNotification', status1('Preparing'));
    await ctl.post('/api/sim/rfid', { uid: CARD });
    await csms.waitFor('Authorize', (p) => p.idTag === CARD);
    const start = await csms.waitFor('StartTransaction');
    expect(start.params).toMatchObject({ connectorId: 1, idTag: CARD });
    expect(start.params.meterStart).toBeGreaterThanOrEqual(0);
    await ocppTx(tx);
    await ctl.post('/api/sim/connectors/1/ev', { request: 'charge' });
    await csms.waitFor('StatusNotification', status1('Charging'));
    await waitFor('energy', async () => (await connector1()).transaction?.energyWh > 1);
    const sample = await csms.waitFor('MeterValues', (p) => p.transactionId === tx);
    expect(sample.params.meterValue[0].sampledValue).toContainEqual(expect.objectContaining({ measurand: 'Energy.Active.Import.Register', unit: 'Wh' }));
    await ctl.post('/api/sim/connectors/1/unplug');
    const stop = await csms.waitFor('StopTransaction');
    expect(stop.params).toMatchObject({ transactionId: tx, reason: 'EVDisconnected' });
    expect(stop.params.meterStop).toBeGreaterThanOrEqual(start.params.meterStart);
    await waitFor('back to Available', async () => (await connector1()).status === 'Available');
    expect(csms.count('StartTransaction')).toBe(1);
    expect(ctl.logs.filter((l) => /"level":(50|60)/.test(l))).toEqual([]); // e.g. a CALLERROR from ocpp-ts's validation
  }, 30_000);

  it('RemoteStartTransaction and RemoteStopTransaction issued by OcppServer', async () => {
    const { csms, ctl } = await boot();
    const tx = 7002;
    issue(csms, tx);
    await ctl.post('/api/sim/connectors/1/plug');
    await csms.waitFor('StatusNotification', status1('Preparing'));
    const client = await csms.waitForClient();

    const started = await client.callRequest('RemoteStartTransaction', { connectorId: 1, idTag: CARD });
    expect(started).toEqual({ status: 'Accepted' });
    const start = await csms.waitFor('StartTransaction');
    expect(start.params).toMatchObject({ connectorId: 1, idTag: CARD });
    await ocppTx(tx);
    await ctl.post('/api/sim/connectors/1/ev', { request: 'charge' });
    await csms.waitFor('StatusNotification', status1('Charging'));
    await waitFor('energy', async () => (await connector1()).transaction?.energyWh > 1);

    expect(await client.callRequest('RemoteStopTransaction', { transactionId: tx + 1 })).toEqual({ status: 'Rejected' });
    expect(await client.callRequest('RemoteStopTransaction', { transactionId: tx })).toEqual({ status: 'Accepted' });
    const stop = await csms.waitFor('StopTransaction');
    expect(stop.params).toMatchObject({ transactionId: tx, reason: 'Remote' });
    expect(stop.params.meterStop).toBeGreaterThanOrEqual(start.params.meterStart);
    await waitFor('contactor open', async () => (await connector1()).contactorClosed === false);
    expect((await connector1()).transaction).toBeNull();
  }, 30_000);
});
