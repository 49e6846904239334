// GIVEN the real controller process on the simulated HAL and a strict ocpp-rpc CSMS on loopback
// WHEN it boots and a driver charges THEN every message is schema-valid and the transaction is reported.

import { afterEach, describe, expect, it } from 'vitest';
import { startCsms, type TestCsms } from '../helpers/csms.js';
import { startController, waitFor, type Controller } from '../helpers/process.js';

const config = (url: string) => `
chargePointId: CP-TEST-1
hal: { driver: sim }
connectors: [{ id: 1, maxCurrentA: 16 }]
auth: { allowList: ["04A1B2C3"] }
api: { host: 127.0.0.1, port: 0 }
meter: { pollIntervalMs: 200 }
ocpp: { url: "${url}", securityProfile: 0, pingIntervalS: 5 }
`;

let csms: TestCsms;
let ctl: Controller;
afterEach(async () => {
  await ctl?.stop();
  await csms?.close();
});

describe('OCPP core against a strict CSMS', () => {
  it('boots, reports status, and reports an RFID session with Start/Stop and meter values', async () => {
    csms = await startCsms();
    ctl = await startController(config(csms.url));
    const boot = await csms.waitFor('BootNotification');
    expect(boot.params).toMatchObject({ chargePointVendor: 'OpenEVSE-Pi', chargePointModel: 'EVSE-PI-AC', meterType: 'SIM-METER' });
    await csms.waitFor('StatusNotification', (p) => p.connectorId === 0 && p.status === 'Available');
    await csms.waitFor('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Available');
    await waitFor('ocpp connected', async () => (await ctl.get('/api/status')).body.ocpp.registration === 'Accepted');

    await ctl.post('/api/sim/connectors/1/plug');
    await csms.waitFor('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Preparing');
    await ctl.post('/api/sim/rfid', { uid: '04A1B2C3' });
    await csms.waitFor('Authorize', (p) => p.idTag === '04A1B2C3');
    const start = await csms.waitFor('StartTransaction');
    expect(start.params).toMatchObject({ connectorId: 1, idTag: '04A1B2C3' });
    await ctl.post('/api/sim/connectors/1/ev', { request: 'charge' });
    await csms.waitFor('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Charging');
    await waitFor('energy', async () => (await ctl.get('/api/status')).body.connectors[0].transaction?.energyWh > 1);
    await ctl.post('/api/sim/connectors/1/unplug');
    const stop = await csms.waitFor('StopTransaction');
    expect(stop.params.reason).toBe('EVDisconnected');
    expect(stop.params.meterStop).toBeGreaterThan(start.params.meterStart);
    expect(csms.validationFailures).toEqual([]);
  }, 30_000);
});
