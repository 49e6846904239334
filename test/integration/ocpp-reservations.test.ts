// GIVEN the real controller process (simulated HAL), accepted by a strict CSMS on loopback
// WHEN the CSMS sends ReserveNow / CancelReservation and drivers tap cards
// THEN the Reservation profile behaves as OCPP 1.6 sections 3.10, 5.13 and CancelReservation say:
// Reserved status, only the reserved idTag starts there (StartTransaction carries reservationId), expiry,
// reservations survive a reboot, and the Occupied / Faulted / Unavailable / Rejected answers.

import { afterEach, describe, expect, it } from 'vitest';
import { startCsms, type TestCsms } from '../helpers/csms.js';
import { startController, waitFor, type Controller } from '../helpers/process.js';

const HOLDER = '04A1B2C3';
const OTHER = '04D1E2F3';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();

let csms: TestCsms | undefined;
const ctls: Controller[] = [];
afterEach(async () => {
  for (const c of ctls.splice(0)) await c.stop();
  await csms?.close();
  csms = undefined;
});

/** `connectors` connectors on the simulated HAL talking OCPP 1.6J to `url`. */
function config(url: string, connectors: number): string {
  const list = Array.from({ length: connectors }, (_, i) => `{ id: ${i + 1}, maxCurrentA: 16 }`).join(', ');
  return `
chargePointId: CP-RESV-1
hal: { driver: sim }
connectors: [${list}]
api: { host: 127.0.0.1, port: 0 }
meter: { pollIntervalMs: 200 }
ocpp: { url: "${url}", securityProfile: 0, pingIntervalS: 5 }
`;
}

async function start(connectors = 1, dir?: string): Promise<{ s: TestCsms; c: Controller }> {
  const s = (csms ??= await startCsms());
  const from = s.received.length;
  const c = await startController(config(s.url, connectors), dir ? { dir } : {});
  ctls.push(c);
  for (let id = 1; id <= connectors; id++) await s.waitFor('StatusNotification', (p) => p.connectorId === id, 10_000, from);
  return { s, c };
}

const statusOf = async (c: Controller, id: number) => (await c.get('/api/status')).body.connectors[id - 1];
const notified = (s: TestCsms, id: number, status: string, from: number) =>
  s.waitFor('StatusNotification', (p) => p.connectorId === id && p.status === status, 10_000, from);

describe('OCPP Reservation profile', () => {
  it('ReserveNow: Reserved; another card is refused there; the reserved card starts and StartTransaction carries reservationId', async () => {
    const { s, c } = await start();
    let from = s.received.length;
    expect(await s.call('ReserveNow', { connectorId: 1, expiryDate: inMs(600_000), idTag: HOLDER, reservationId: 11 })).toEqual({ status: 'Accepted' });
    await notified(s, 1, 'Reserved', from);
    expect(await statusOf(c, 1)).toMatchObject({ status: 'Reserved', reservation: { id: 11, idTag: HOLDER } });
    // ReserveNow.conf goes out before the StatusNotification it causes.
    const frames = s.frames.map((f) => JSON.parse(f.message) as unknown[]);
    const call = frames.findIndex((m) => m[0] === 2 && m[2] === 'ReserveNow');
    const reply = frames.findIndex((m) => m[0] === 3 && m[1] === frames[call]![1]);
    const note = frames.findIndex((m) => m[0] === 2 && m[2] === 'StatusNotification' && (m[3] as { status: string }).status === 'Reserved');
    expect(reply).toBeGreaterThan(call);
    expect(note).toBeGreaterThan(reply);

    expect(await s.call('RemoteStartTransaction', { connectorId: 1, idTag: OTHER })).toEqual({ status: 'Rejected' });
    from = s.received.length;
    await c.post('/api/sim/connectors/1/plug');
    await notified(s, 1, 'Preparing', from);
    await c.post('/api/sim/rfid', { uid: OTHER });
    const refusal = await waitFor('the refusal in the status API', async () => (await statusOf(c, 1)).lastAuthorization?.reason === 'Reserved' && (await statusOf(c, 1)).lastAuthorization);
    expect(refusal).toMatchObject({ idTag: OTHER, accepted: false, sentence: expect.stringContaining('reserved for another card') });
    expect(s.count('StartTransaction')).toBe(0);

    await c.post('/api/sim/rfid', { uid: HOLDER });
    const startTx = await s.waitFor('StartTransaction');
    expect(startTx.params).toMatchObject({ connectorId: 1, idTag: HOLDER, reservationId: 11 });
    expect((await statusOf(c, 1)).reservation).toBeNull();
    expect(await s.call('CancelReservation', { reservationId: 11 })).toEqual({ status: 'Rejected' }); // used up
    expect(s.validationFailures).toEqual([]);
  }, 30_000);

  it('a reservation with a short expiryDate expires: the connector reports Available again', async () => {
    const { s, c } = await start();
    const from = s.received.length;
    expect(await s.call('ReserveNow', { connectorId: 1, expiryDate: inMs(2_500), idTag: HOLDER, reservationId: 12 })).toEqual({ status: 'Accepted' });
    const reserved = await notified(s, 1, 'Reserved', from);
    await notified(s, 1, 'Available', s.received.indexOf(reserved));
    expect(await statusOf(c, 1)).toMatchObject({ status: 'Available', reservation: null });
    expect(await s.call('CancelReservation', { reservationId: 12 })).toEqual({ status: 'Rejected' });
    expect(s.validationFailures).toEqual([]);
  }, 30_000);

  it('a reservation survives a reboot (Reserved again after start); CancelReservation: Accepted, then Rejected', async () => {
    const first = await start();
    const s = first.s;
    expect(await s.call('ReserveNow', { connectorId: 1, expiryDate: inMs(600_000), idTag: HOLDER, reservationId: 13 })).toEqual({ status: 'Accepted' });
    await notified(s, 1, 'Reserved', 0);
    await first.c.stop({ keep: true });
    ctls.splice(ctls.indexOf(first.c), 1);
    const from = s.received.length;
    const { c } = await start(1, first.c.dir);
    await notified(s, 1, 'Reserved', from);
    expect(await statusOf(c, 1)).toMatchObject({ status: 'Reserved', reservation: { id: 13, idTag: HOLDER } });
    const beforeCancel = s.received.length;
    expect(await s.call('CancelReservation', { reservationId: 13 })).toEqual({ status: 'Accepted' });
    await notified(s, 1, 'Available', beforeCancel);
    expect(await s.call('CancelReservation', { reservationId: 13 })).toEqual({ status: 'Rejected' });
    expect(s.validationFailures).toEqual([]);
  }, 40_000);

  it('answers Occupied (busy or already reserved), Faulted, Unavailable and Rejected (no such connector)', async () => {
    const { s, c } = await start(2);
    const reserve = (connectorId: number, reservationId: number) =>
      s.call('ReserveNow', { connectorId, expiryDate: inMs(600_000), idTag: HOLDER, reservationId });
    let from = s.received.length;
    await c.post('/api/sim/connectors/1/plug');
    await notified(s, 1, 'Preparing', from);
    expect(await reserve(1, 21)).toEqual({ status: 'Occupied' });

    expect(await reserve(2, 22)).toEqual({ status: 'Accepted' });
    expect(await s.call('ReserveNow', { connectorId: 2, expiryDate: inMs(600_000), idTag: OTHER, reservationId: 23 })).toEqual({ status: 'Occupied' });
    expect(await s.call('CancelReservation', { reservationId: 22 })).toEqual({ status: 'Accepted' });

    from = s.received.length;
    await c.post('/api/sim/faults', { connector: 2, fault: 'rcd', active: true });
    await notified(s, 2, 'Faulted', from);
    expect(await reserve(2, 24)).toEqual({ status: 'Faulted' });
    from = s.received.length;
    await c.post('/api/sim/faults', { connector: 2, fault: 'rcd', active: false });
    await notified(s, 2, 'Available', from);

    expect(await s.call('ChangeAvailability', { connectorId: 2, type: 'Inoperative' })).toEqual({ status: 'Accepted' });
    expect(await reserve(2, 25)).toEqual({ status: 'Unavailable' });
    expect(await reserve(3, 26)).toEqual({ status: 'Rejected' });
    await sleep(300);
    expect(s.since(0, 'StatusNotification').some((r) => r.params.status === 'Reserved' && r.params.connectorId !== 2)).toBe(false);
    expect(s.validationFailures).toEqual([]);
  }, 30_000);

  it('RemoteStartTransaction without connectorId for the reserved idTag picks its reserved connector; StartTransaction carries reservationId', async () => {
    const { s, c } = await start(2);
    expect(await s.call('ReserveNow', { connectorId: 2, expiryDate: inMs(600_000), idTag: HOLDER, parentIdTag: 'FLEET', reservationId: 41 })).toEqual({ status: 'Accepted' });
    expect(await s.call('RemoteStartTransaction', { connectorId: 2, idTag: OTHER })).toEqual({ status: 'Rejected' });
    expect(await s.call('RemoteStartTransaction', { idTag: HOLDER.toLowerCase() })).toEqual({ status: 'Accepted' }); // CiString
    const from = s.received.length;
    await c.post('/api/sim/connectors/2/plug');
    const tx = await s.waitFor('StartTransaction', () => true, 10_000, from);
    expect(tx.params).toMatchObject({ connectorId: 2, reservationId: 41 });
    expect(s.validationFailures).toEqual([]);
  }, 30_000);

  it('connector 0: any connector, but one is kept free for the reserved idTag; the reserved card starts with the reservationId', async () => {
    const { s, c } = await start(2);
    expect(await s.call('ReserveNow', { connectorId: 0, expiryDate: inMs(600_000), idTag: HOLDER, reservationId: 31 })).toEqual({ status: 'Accepted' });
    expect((await c.get('/api/status')).body.connectors.map((x: { status: string }) => x.status)).toEqual(['Available', 'Available']);

    let from = s.received.length;
    await c.post('/api/sim/connectors/2/plug');
    await notified(s, 2, 'Preparing', from);
    await c.post('/api/sim/rfid', { uid: OTHER }); // connector 1 stays free for HOLDER: allowed
    const otherTx = await s.waitFor('StartTransaction', (p) => p.idTag === OTHER, 10_000, from);
    expect(otherTx.params.connectorId).toBe(2);
    expect(otherTx.params.reservationId).toBeUndefined();
    await notified(s, 1, 'Reserved', from);

    expect(await s.call('ReserveNow', { connectorId: 0, expiryDate: inMs(600_000), idTag: OTHER, reservationId: 32 })).toEqual({ status: 'Occupied' });
    expect(await s.call('RemoteStartTransaction', { idTag: '04999999' })).toEqual({ status: 'Rejected' }); // the last free connector is HOLDER's

    from = s.received.length;
    await c.post('/api/sim/connectors/1/plug');
    await notified(s, 1, 'Preparing', from);
    await c.post('/api/sim/rfid', { uid: HOLDER });
    const holderTx = await s.waitFor('StartTransaction', (p) => p.idTag === HOLDER, 10_000, from);
    expect(holderTx.params).toMatchObject({ connectorId: 1, reservationId: 31 });
    expect(await s.call('CancelReservation', { reservationId: 31 })).toEqual({ status: 'Rejected' });
    expect(s.validationFailures).toEqual([]);
  }, 30_000);
});
