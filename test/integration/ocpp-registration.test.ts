// GIVEN the real controller process and a strict CSMS on loopback
// WHEN the CSMS answers BootNotification Pending, Rejected or Accepted, or is not up yet
// THEN the charge point follows OCPP 1.6 section 4.2 (REFERENCE.md 8 "BootNotification", "Heartbeat").

import { describe, expect, it } from 'vitest';
import { startCsms } from '../helpers/csms.js';
import { usePeers } from '../helpers/peers.js';
import { ocppConfig, startController, waitFor, type Controller } from '../helpers/process.js';

const YEAR_MS = 365 * 86_400_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const peers = usePeers();

const ocppStatus = async (c: Controller) => (await c.get('/api/status')).body.ocpp as { connected: boolean; registration: string };

describe('OCPP registration (BootNotification)', () => {
  it('Pending: sends nothing but BootNotification (every interval) and triggered messages until Accepted', async () => {
    const s = (peers.csms = await startCsms());
    let accept = false;
    s.on('BootNotification', () => ({ status: accept ? 'Accepted' : 'Pending', currentTime: new Date().toISOString(), interval: accept ? 300 : 1 }));
    const c = (peers.ctl = await startController(ocppConfig(s.url)));
    await s.waitFor('BootNotification');
    await waitFor('a second Pending BootNotification', async () => s.count('BootNotification') >= 2, 8000);
    expect(await ocppStatus(c)).toMatchObject({ connected: true, registration: 'Pending' });

    // A driver plugs in and taps an allow-listed card: nothing may be sent for it while Pending.
    await c.post('/api/sim/connectors/1/plug');
    await c.post('/api/sim/rfid', { uid: '04A1B2C3' });
    await c.waitForLog(/card refused/);
    await sleep(500);
    expect(s.received.filter((r) => r.action !== 'BootNotification')).toEqual([]);
    // REFERENCE.md 8: in Pending, RemoteStart is not allowed.
    expect(await s.call('RemoteStartTransaction', { connectorId: 1, idTag: 'REMOTE-01' })).toEqual({ status: 'Rejected' });

    // TriggerMessage is answered in Pending and the triggered message is sent.
    const mark = s.received.length;
    expect(await s.call('TriggerMessage', { requestedMessage: 'StatusNotification', connectorId: 1 })).toEqual({ status: 'Accepted' });
    const sn = await s.waitFor('StatusNotification', (p) => p.connectorId === 1, 5000, mark);
    expect(sn.params.status).toBe('Preparing');
    await sleep(300);
    expect(s.received.filter((r) => r.action !== 'BootNotification').map((r) => r.action)).toEqual(['StatusNotification']);

    accept = true;
    const accepted = s.received.length;
    await s.waitFor('BootNotification', undefined, 5000, accepted);
    await s.waitFor('StatusNotification', (p) => p.connectorId === 0 && p.status === 'Available', 5000, accepted);
    await s.waitFor('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Preparing', 5000, accepted);
    await waitFor('Accepted', async () => (await ocppStatus(c)).registration === 'Accepted');
    expect(s.since(0, 'Authorize')).toEqual([]);
    expect(s.since(0, 'StartTransaction')).toEqual([]);
    expect(s.validationFailures).toEqual([]);
  }, 30_000);

  it('Rejected: sends and answers nothing until it boots again after the interval', async () => {
    const s = (peers.csms = await startCsms());
    let boots = 0;
    s.on('BootNotification', () =>
      ++boots === 1
        ? { status: 'Rejected', currentTime: new Date().toISOString(), interval: 2 }
        : { status: 'Accepted', currentTime: new Date().toISOString(), interval: 300 },
    );
    const c = (peers.ctl = await startController(ocppConfig(s.url)));
    const first = await s.waitFor('BootNotification');
    // Only once the Rejected reply is on the wire (and has had time to arrive) does the CSMS call.
    await s.waitForFrame((f) => f.outbound && f.message.startsWith('[3,') && f.message.includes('Rejected'));
    await sleep(200);
    const framesAfterReject = s.frames.length;
    await expect(s.call('GetConfiguration', { key: ['HeartbeatInterval'] }, { callTimeoutMs: 1000 })).rejects.toThrow(/timeout/i);
    expect(await ocppStatus(c)).toMatchObject({ registration: 'Rejected' });

    const second = await s.waitFor('BootNotification', undefined, 8000, 1);
    expect(second.at - first.at).toBeGreaterThanOrEqual(1500);
    // Between the rejection and the next boot the charge point sent no frame at all (no request, no reply).
    const fromCp = s.frames.slice(framesAfterReject).filter((f) => !f.outbound);
    const [type, , action] = JSON.parse(fromCp[0]!.message) as unknown[];
    expect([type, action]).toEqual([2, 'BootNotification']);
    expect(s.received.indexOf(second)).toBe(1);

    // Accepted now: calls are answered.
    await s.waitFor('StatusNotification', (p) => p.connectorId === 1);
    const conf = await s.call('GetConfiguration', { key: ['HeartbeatInterval'] }, { callTimeoutMs: 5000 });
    expect(conf.configurationKey).toEqual([{ key: 'HeartbeatInterval', readonly: false, value: '300' }]);
    expect(s.validationFailures).toEqual([]);
  }, 30_000);

  it('sends Heartbeat at the interval given in BootNotification.conf', async () => {
    const s = (peers.csms = await startCsms());
    s.on('BootNotification', () => ({ status: 'Accepted', currentTime: new Date().toISOString(), interval: 1 }));
    peers.ctl = await startController(ocppConfig(s.url));
    await s.waitFor('BootNotification');
    await waitFor('3 Heartbeats', async () => s.count('Heartbeat') >= 3, 8000);
    const conf = await s.call('GetConfiguration', { key: ['HeartbeatInterval'] });
    expect(conf.configurationKey[0]).toMatchObject({ key: 'HeartbeatInterval', value: '1' });
    expect(s.validationFailures).toEqual([]);
  }, 30_000);

  it('stamps messages with the CSMS clock from BootNotification.conf currentTime', async () => {
    const s = (peers.csms = await startCsms());
    s.on('BootNotification', () => ({ status: 'Accepted', currentTime: new Date(Date.now() + YEAR_MS).toISOString(), interval: 300 }));
    const c = (peers.ctl = await startController(ocppConfig(s.url)));
    const sn = await s.waitFor('StatusNotification', (p) => p.connectorId === 1);
    const ahead = Date.parse(sn.params.timestamp) - Date.now();
    expect(ahead).toBeGreaterThan(YEAR_MS - 60_000);
    expect(ahead).toBeLessThan(YEAR_MS + 60_000);

    // A status change later on is stamped on the CSMS clock too.
    const mark = s.received.length;
    await c.post('/api/sim/connectors/1/plug');
    const preparing = await s.waitFor('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Preparing', 5000, mark);
    expect(Date.parse(preparing.params.timestamp) - Date.now()).toBeGreaterThan(YEAR_MS - 60_000);
    expect(s.validationFailures).toEqual([]);
  }, 30_000);

  it('cold boot: retries the first connect until the CSMS is up, then boots', async () => {
    const probe = await startCsms();
    const port = probe.port;
    await probe.close();
    const c = (peers.ctl = await startController(ocppConfig(`ws://127.0.0.1:${port}/ocpp`)));
    await c.waitForLog(/CSMS connection failed/, 5000);
    await sleep(2500);
    expect(await ocppStatus(c)).toMatchObject({ connected: false });

    const s = (peers.csms = await startCsms({ port }));
    const boot = await s.waitFor('BootNotification', undefined, 20_000);
    expect(boot.params).toMatchObject({ chargePointVendor: 'OpenEVSE-Pi', chargePointModel: 'EVSE-PI-AC' });
    await s.waitFor('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Available');
    expect(await ocppStatus(c)).toEqual({ connected: true, registration: 'Accepted' });
    expect(s.validationFailures).toEqual([]);
  }, 40_000);
});
