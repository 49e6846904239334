// GIVEN the real controller process with a session, accepted by a strict CSMS on loopback
// WHEN the CSMS goes away mid-transaction and comes back, or fails to process StartTransaction
// THEN REFERENCE.md 8 "Queue transaction messages offline" / "Retry on failure" (OCPP 1.6 section 3.7):
// queued messages arrive after reconnect, in order, exactly once, with the CSMS transactionId; a message
// the CSMS failed to process is retried up to TransactionMessageAttempts times.

import rpc from 'ocpp-rpc';
import { afterEach, describe, expect, it } from 'vitest';
import { startCsms, type TestCsms } from '../helpers/csms.js';
import { ocppConfig, startController, waitFor, type Controller } from '../helpers/process.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TX_ACTIONS = new Set(['StartTransaction', 'MeterValues', 'StopTransaction']);

const servers: TestCsms[] = [];
let ctl: Controller | undefined;
afterEach(async () => {
  await ctl?.stop();
  for (const s of servers.splice(0)) await s.close();
  ctl = undefined;
});

async function csmsOn(port?: number): Promise<TestCsms> {
  const s = await startCsms(port === undefined ? {} : { port });
  servers.push(s);
  return s;
}

const ocppOf = async (c: Controller) => (await c.get('/api/status')).body.ocpp as { connected: boolean; registration: string };

describe('OCPP offline queue', () => {
  it('CSMS gone mid-transaction and back: queued MeterValues then StopTransaction, in order, exactly once, with the transactionId', async () => {
    const s1 = await csmsOn();
    const c = (ctl = await startController(ocppConfig(s1.url)));
    await s1.waitFor('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Available');
    expect(await s1.call('ChangeConfiguration', { key: 'MeterValueSampleInterval', value: '1' })).toEqual({ status: 'Accepted' });
    await c.post('/api/sim/connectors/1/plug');
    await c.post('/api/sim/rfid', { uid: '04A1B2C3' });
    const start = await s1.waitFor('StartTransaction');
    await c.post('/api/sim/connectors/1/ev', { request: 'charge' });
    await s1.waitFor('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Charging');
    const txId = await waitFor('the CSMS transactionId', async () => (await c.get('/api/status')).body.connectors[0].transaction?.ocppTransactionId as number);
    await waitFor('2 MeterValues online', async () => s1.count('MeterValues') >= 2, 8000);

    // Close right after a MeterValues was answered, so that none is in flight when the CSMS goes.
    const mvMark = s1.received.length;
    await s1.waitFor('MeterValues', undefined, 5000, mvMark);
    await sleep(50);
    await s1.close();
    await waitFor('ocpp.connected false', async () => !(await ocppOf(c)).connected, 10_000);
    await sleep(3000); // charging on, sampling every second into the queue
    expect((await ocppOf(c)).connected).toBe(false);
    await c.post('/api/sim/connectors/1/unplug');
    await waitFor('session ended', async () => (await c.get('/api/status')).body.connectors[0].transaction === null);
    expect((await ocppOf(c)).connected).toBe(false);

    const s2 = await csmsOn(s1.port);
    const stop = await s2.waitFor('StopTransaction', undefined, 25_000);
    await waitFor('ocpp.connected true', async () => (await ocppOf(c)).connected);
    await sleep(500);

    const txMessages = s2.received.filter((r) => TX_ACTIONS.has(r.action));
    const queuedMv = txMessages.filter((r) => r.action === 'MeterValues');
    expect(queuedMv.length).toBeGreaterThanOrEqual(2);
    expect(txMessages.at(-1)).toBe(stop); // StopTransaction after every queued MeterValues
    expect(txMessages.filter((r) => r.action === 'StartTransaction')).toEqual([]);
    expect(stop.params).toMatchObject({ transactionId: txId, reason: 'EVDisconnected', idTag: '04A1B2C3' });
    expect(stop.params.meterStop).toBeGreaterThan(start.params.meterStart);
    for (const mv of queuedMv) expect(mv.params).toMatchObject({ connectorId: 1, transactionId: txId });

    // Timestamps non-decreasing across both CSMS runs, and no MeterValues delivered twice.
    const allMv = [...s1.since(0, 'MeterValues'), ...queuedMv];
    const stamps = allMv.map((r) => Date.parse(r.params.meterValue[0].timestamp));
    expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
    expect(new Set(stamps).size).toBe(stamps.length);
    expect(Date.parse(stop.params.timestamp)).toBeGreaterThanOrEqual(stamps.at(-1)!);
    expect(s1.count('StopTransaction') + s2.count('StopTransaction')).toBe(1);
    expect(s1.validationFailures).toEqual([]);
    expect(s2.validationFailures).toEqual([]);
  }, 60_000);

  it('a whole session while the CSMS is away: Start, Stop queued; after reconnect the Stop carries the id from StartTransaction.conf', async () => {
    const s1 = await csmsOn();
    const c = (ctl = await startController(ocppConfig(s1.url)));
    await s1.waitFor('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Available');
    await s1.close();
    await waitFor('ocpp.connected false', async () => !(await ocppOf(c)).connected, 10_000);

    // Offline: the allow-listed card is authorised locally (LocalAuthorizeOffline, ever Accepted).
    await c.post('/api/sim/connectors/1/plug');
    await c.post('/api/sim/rfid', { uid: '04A1B2C3' });
    await waitFor('offline session', async () => (await c.get('/api/status')).body.connectors[0].transaction !== null);
    await c.post('/api/sim/connectors/1/ev', { request: 'charge' });
    await waitFor('a few Wh', async () => (await c.get('/api/status')).body.connectors[0].transaction?.energyWh > 3);
    await c.post('/api/sim/connectors/1/unplug');
    await waitFor('session ended', async () => (await c.get('/api/status')).body.connectors[0].transaction === null);

    const s2 = await csmsOn(s1.port);
    s2.on('StartTransaction', () => ({ transactionId: 4242, idTagInfo: { status: 'Accepted' } }));
    const stop = await s2.waitFor('StopTransaction', undefined, 25_000);
    const start = s2.since(0, 'StartTransaction');
    expect(start).toHaveLength(1);
    expect(start[0]!.params).toMatchObject({ connectorId: 1, idTag: '04A1B2C3' });
    expect(s2.received.indexOf(start[0]!)).toBeLessThan(s2.received.indexOf(stop));
    expect(stop.params).toMatchObject({ transactionId: 4242, reason: 'EVDisconnected' });
    expect(Date.parse(stop.params.timestamp)).toBeGreaterThanOrEqual(Date.parse(start[0]!.params.timestamp));
    expect(stop.params.meterStop).toBeGreaterThan(start[0]!.params.meterStart);
    await sleep(300);
    expect(s2.count('StopTransaction')).toBe(1);
    expect(s2.validationFailures).toEqual([]);
  }, 60_000);

  it('StartTransaction answered with a CALLERROR twice, then success: delivered on the third attempt, Stop carries its id', async () => {
    const s = await csmsOn();
    let failures = 0;
    s.on('StartTransaction', () => {
      if (failures < 2) {
        failures++;
        throw rpc.createRPCError('InternalError', 'database busy');
      }
      return { transactionId: 777, idTagInfo: { status: 'Accepted' } };
    });
    const c = (ctl = await startController(ocppConfig(s.url)));
    await s.waitFor('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Available');
    const keys = await s.call('GetConfiguration', { key: ['TransactionMessageAttempts'] });
    expect(keys.configurationKey[0]).toMatchObject({ key: 'TransactionMessageAttempts', value: '3' });
    expect(await s.call('ChangeConfiguration', { key: 'TransactionMessageRetryInterval', value: '1' })).toEqual({ status: 'Accepted' });

    await c.post('/api/sim/connectors/1/plug');
    await c.post('/api/sim/rfid', { uid: '04A1B2C3' });
    await waitFor('3 StartTransaction attempts', async () => s.count('StartTransaction') >= 3, 15_000);
    await waitFor('transactionId 777', async () => (await c.get('/api/status')).body.connectors[0].transaction?.ocppTransactionId === 777, 5000);
    const starts = s.since(0, 'StartTransaction');
    expect(starts).toHaveLength(3);
    expect(new Set(starts.map((r) => JSON.stringify(r.params))).size).toBe(1); // the same message, resent
    expect(starts[2]!.at - starts[0]!.at).toBeGreaterThanOrEqual(2000); // 1 s, then 2 s (interval x previous sends)

    await c.post('/api/sim/connectors/1/unplug');
    const stop = await s.waitFor('StopTransaction');
    expect(stop.params).toMatchObject({ transactionId: 777, reason: 'EVDisconnected' });
    await sleep(300);
    expect(s.count('StartTransaction')).toBe(3);
    expect(s.count('StopTransaction')).toBe(1);
    expect(s.validationFailures).toEqual([]);
  }, 40_000);
});
