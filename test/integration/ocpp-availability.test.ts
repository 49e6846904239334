// GIVEN the real controller process, accepted by a strict CSMS on loopback
// WHEN the CSMS sends ChangeAvailability
// THEN OCPP 1.6 section 5.2 / REFERENCE.md 8 "Connector 0": Accepted or Scheduled, StatusNotification
// Unavailable, no sessions while Inoperative, and Inoperative survives a restart.

import { describe, expect, it } from 'vitest';
import { startCsms, type TestCsms } from '../helpers/csms.js';
import { usePeers } from '../helpers/peers.js';
import { ocppConfig, startController, waitFor, type Controller } from '../helpers/process.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const peers = usePeers();

async function accepted(): Promise<{ s: TestCsms; c: Controller }> {
  const s = (peers.csms = await startCsms());
  const c = (peers.ctl = await startController(ocppConfig(s.url)));
  await s.waitFor('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Available');
  return { s, c };
}

const connectorStatus = async (c: Controller) => (await c.get('/api/status')).body.connectors[0].status as string;

describe('OCPP ChangeAvailability', () => {
  it('Inoperative on connector 1 without a transaction: Accepted, Unavailable, card taps refused', async () => {
    const { s, c } = await accepted();
    const mark = s.received.length;
    expect(await s.call('ChangeAvailability', { connectorId: 1, type: 'Inoperative' })).toEqual({ status: 'Accepted' });
    await s.waitFor('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Unavailable', 5000, mark);
    // Connector 0 (the charge point itself) stays Available: only connector 1 was changed.
    expect(s.since(mark, 'StatusNotification').filter((r) => r.params.connectorId === 0 && r.params.status !== 'Available')).toEqual([]);

    const logMark = c.logs.length;
    await c.post('/api/sim/connectors/1/plug');
    await c.post('/api/sim/rfid', { uid: '04A1B2C3' });
    await c.waitForLog(/card refused/, 5000, logMark);
    await sleep(500);
    expect(s.since(mark, 'Authorize')).toEqual([]);
    expect(s.since(mark, 'StartTransaction')).toEqual([]);
    expect(await connectorStatus(c)).toBe('Unavailable');
    expect(s.since(mark, 'StatusNotification').map((r) => `${r.params.connectorId}:${r.params.status}`)).not.toContain('1:Preparing');

    // Operative again with the car plugged: Preparing.
    const back = s.received.length;
    expect(await s.call('ChangeAvailability', { connectorId: 1, type: 'Operative' })).toEqual({ status: 'Accepted' });
    await s.waitFor('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Preparing', 5000, back);
    expect(s.validationFailures).toEqual([]);
  }, 30_000);

  it('Inoperative during a transaction: Scheduled, the session goes on, Unavailable once it ends', async () => {
    const { s, c } = await accepted();
    await c.post('/api/sim/connectors/1/plug');
    await c.post('/api/sim/rfid', { uid: '04A1B2C3' });
    await s.waitFor('StartTransaction');
    await c.post('/api/sim/connectors/1/ev', { request: 'charge' });
    await s.waitFor('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Charging');

    const mark = s.received.length;
    expect(await s.call('ChangeAvailability', { connectorId: 1, type: 'Inoperative' })).toEqual({ status: 'Scheduled' });
    await sleep(1000);
    expect(await connectorStatus(c)).toBe('Charging');
    expect(s.since(mark, 'StatusNotification').filter((r) => r.params.connectorId === 1)).toEqual([]);
    expect(s.since(mark, 'StopTransaction')).toEqual([]);

    await c.post('/api/sim/connectors/1/unplug');
    const stop = await s.waitFor('StopTransaction', undefined, 5000, mark);
    expect(stop.params.reason).toBe('EVDisconnected');
    await s.waitFor('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Unavailable', 5000, mark);
    await sleep(500);
    expect(await connectorStatus(c)).toBe('Unavailable');
    const after = s.since(s.received.indexOf(stop), 'StatusNotification').filter((r) => r.params.connectorId === 1);
    expect(after.at(-1)?.params.status).toBe('Unavailable');
    // The scheduled change applies as the session ends: the CSMS must not be told "Available" in between.
    expect(after.map((r) => r.params.status)).not.toContain('Available');
    expect(s.validationFailures).toEqual([]);
  }, 30_000);

  it('connector 0 Inoperative: every connector Unavailable, persisted across a restart; Operative again: Available', async () => {
    const { s, c } = await accepted();
    let mark = s.received.length;
    expect(await s.call('ChangeAvailability', { connectorId: 0, type: 'Inoperative' })).toEqual({ status: 'Accepted' });
    await s.waitFor('StatusNotification', (p) => p.connectorId === 0 && p.status === 'Unavailable', 5000, mark);
    await s.waitFor('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Unavailable', 5000, mark);

    await c.stop({ keep: true });
    mark = s.received.length;
    const c2 = (peers.ctl = await startController(ocppConfig(s.url), { dir: c.dir }));
    await s.waitFor('BootNotification', undefined, 10_000, mark);
    await s.waitFor('StatusNotification', (p) => p.connectorId === 0 && p.status === 'Unavailable', 5000, mark);
    await s.waitFor('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Unavailable', 5000, mark);
    expect(s.since(mark, 'StatusNotification').filter((r) => r.params.status === 'Available')).toEqual([]);
    expect(await connectorStatus(c2)).toBe('Unavailable');

    mark = s.received.length;
    expect(await s.call('ChangeAvailability', { connectorId: 0, type: 'Operative' })).toEqual({ status: 'Accepted' });
    await s.waitFor('StatusNotification', (p) => p.connectorId === 0 && p.status === 'Available', 5000, mark);
    await s.waitFor('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Available', 5000, mark);
    await waitFor('connector 1 Available', async () => (await connectorStatus(c2)) === 'Available');
    expect(s.validationFailures).toEqual([]);
  }, 40_000);

  it('connector 1 Inoperative is persisted across a restart too', async () => {
    const { s, c } = await accepted();
    expect(await s.call('ChangeAvailability', { connectorId: 1, type: 'Inoperative' })).toEqual({ status: 'Accepted' });
    await s.waitFor('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Unavailable');
    await c.stop({ keep: true });
    const mark = s.received.length;
    const c2 = (peers.ctl = await startController(ocppConfig(s.url), { dir: c.dir }));
    await s.waitFor('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Unavailable', 10_000, mark);
    await s.waitFor('StatusNotification', (p) => p.connectorId === 0 && p.status === 'Available', 5000, mark);
    expect(await connectorStatus(c2)).toBe('Unavailable');
    expect(s.validationFailures).toEqual([]);
  }, 40_000);

  it('a connector that does not exist: Rejected', async () => {
    const { s } = await accepted();
    expect(await s.call('ChangeAvailability', { connectorId: 3, type: 'Inoperative' })).toEqual({ status: 'Rejected' });
    expect(s.validationFailures).toEqual([]);
  }, 30_000);
});
