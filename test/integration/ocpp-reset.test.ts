// GIVEN the real controller process with a charging session, accepted by a strict CSMS on loopback
// WHEN the CSMS sends Reset (Soft or Hard)
// THEN OCPP 1.6 section 5.13 / REFERENCE.md 8 "StopTransaction reasons": Accepted, the transaction stops
// with reason SoftReset / HardReset, the process exits (EVSE_RESTART=exit), and after the restart the
// charge point boots again and the StopTransaction reaches the CSMS exactly once across both runs.

import { describe, expect, it } from 'vitest';
import { startCsms, type TestCsms } from '../helpers/csms.js';
import { usePeers } from '../helpers/peers.js';
import { ocppConfig, startController, waitFor, type Controller } from '../helpers/process.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const peers = usePeers();

/** Accepted, plugged, card session charging; resolves the CSMS transactionId. */
async function charging(): Promise<{ s: TestCsms; c: Controller; txId: number }> {
  const s = (peers.csms = await startCsms());
  const c = (peers.ctl = await startController(ocppConfig(s.url)));
  await s.waitFor('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Available');
  await c.post('/api/sim/connectors/1/plug');
  await c.post('/api/sim/rfid', { uid: '04A1B2C3' });
  await s.waitFor('StartTransaction');
  await c.post('/api/sim/connectors/1/ev', { request: 'charge' });
  await s.waitFor('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Charging');
  await waitFor('energy', async () => (await c.get('/api/status')).body.connectors[0].transaction?.energyWh > 0);
  const txId = await waitFor('the CSMS transactionId', async () => (await c.get('/api/status')).body.connectors[0].transaction?.ocppTransactionId as number);
  return { s, c, txId };
}

/** Ends the first run (Reset Soft/Hard from the CSMS, or SIGTERM as systemd does), then starts it again. */
async function resetAndRestart(type: 'Soft' | 'Hard' | 'SIGTERM') {
  const { s, c, txId } = await charging();
  if (type === 'SIGTERM') {
    expect(await c.stop({ keep: true })).toBe(0);
  } else {
    const exited = c.exited();
    expect(await s.call('Reset', { type })).toEqual({ status: 'Accepted' });
    expect(await exited).toBe(0);
  }
  const stopsBeforeRestart = s.count('StopTransaction');

  const mark = s.received.length;
  const c2 = (peers.ctl = await startController(ocppConfig(s.url), { dir: c.dir }));
  await s.waitFor('BootNotification', undefined, 10_000, mark);
  await s.waitFor('StopTransaction', undefined, 10_000);
  // Give a duplicate every chance to show up (the restarted run recovers open transactions and drains
  // the outbox right after the boot).
  await s.waitFor('StatusNotification', (p) => p.connectorId === 1, 10_000, mark);
  await sleep(1500);
  const stops = s.since(0, 'StopTransaction');
  return { s, c2, txId, stops, stopsBeforeRestart };
}

describe('OCPP Reset', () => {
  it('Soft reset during a session: StopTransaction SoftReset before the exit, boots again, no second StopTransaction', async () => {
    const { s, c2, txId, stops, stopsBeforeRestart } = await resetAndRestart('Soft');
    expect(stops).toHaveLength(1);
    expect(stops[0]!.params).toMatchObject({ transactionId: txId, reason: 'SoftReset' });
    // A soft reset stops transactions gracefully: the StopTransaction goes out before the process ends.
    expect(stopsBeforeRestart).toBe(1);
    expect(s.count('BootNotification')).toBe(2);
    expect((await c2.get('/api/status')).body.connectors[0].transaction).toBeNull();
    expect(s.validationFailures).toEqual([]);
  }, 40_000);

  it('Hard reset during a session: StopTransaction HardReset exactly once across both runs', async () => {
    const { s, c2, txId, stops } = await resetAndRestart('Hard');
    expect(stops).toHaveLength(1);
    expect(stops[0]!.params).toMatchObject({ transactionId: txId, reason: 'HardReset' });
    expect(s.count('BootNotification')).toBe(2);
    expect(s.count('StartTransaction')).toBe(1);
    expect((await c2.get('/api/status')).body.connectors[0].transaction).toBeNull();
    expect(s.validationFailures).toEqual([]);
  }, 40_000);

  it('SIGTERM (systemd stop) during a session: StopTransaction Reboot exactly once across both runs', async () => {
    const { s, txId, stops } = await resetAndRestart('SIGTERM');
    expect(stops).toHaveLength(1);
    expect(stops[0]!.params).toMatchObject({ transactionId: txId, reason: 'Reboot' });
    expect(s.count('BootNotification')).toBe(2);
    expect(s.validationFailures).toEqual([]);
  }, 40_000);
});
