// GIVEN the real controller process and a strict CSMS, two sessions that charged and then stood paused
// longer than the 10 s register-persist interval, with a register whose fraction is below .5 Wh
// WHEN one session ends normally (unplug) and the other by a power loss (kill -9 and restart)
// THEN both StopTransactions reach the CSMS at once, schema-valid, with an integer meterStop (OCPP 1.6
// StopTransaction.req meterStop is an integer, Wh), and nothing stays stuck in the outbox.

import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCsms, type TestCsms } from '../helpers/csms.js';
import { startController, waitFor, type Controller } from '../helpers/process.js';

const config = (url: string) => `
chargePointId: CP-METERSTOP
hal: { driver: sim }
connectors: [{ id: 1, maxCurrentA: 6 }, { id: 2, maxCurrentA: 6 }]
auth: { allowList: ["04A1B2C3"] }
api: { host: 127.0.0.1, port: 0 }
meter: { pollIntervalMs: 200 }
ocpp: { url: "${url}", securityProfile: 0, pingIntervalS: 5 }
`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The register persisted while a transaction runs at least this often (src/ocpp/transactions.ts). */
const PERSIST_EVERY_MS = 10_000;

let csms: TestCsms | undefined;
let ctl: Controller | undefined;
afterAll(async () => {
  await ctl?.stop();
  await csms?.close();
});

const connector = async (c: Controller, id: number) => (await c.get('/api/status')).body.connectors[id - 1];

/** Charges in short bursts until the paused register's fraction is between .1 and .4 Wh. */
async function pauseAtLowFraction(c: Controller, id: number): Promise<number> {
  for (let attempt = 0; attempt < 30; attempt++) {
    const before = (await connector(c, id)).energyWh;
    await c.post(`/api/sim/connectors/${id}/ev`, { request: 'charge' });
    await waitFor('energy', async () => (await connector(c, id)).energyWh >= before + 0.2, 5000);
    await c.post(`/api/sim/connectors/${id}/ev`, { request: 'pause' });
    await sleep(450); // contacts open, one more meter poll
    const wh = (await connector(c, id)).energyWh;
    const frac = Math.round((wh % 1) * 10) / 10;
    if (frac >= 0.1 && frac <= 0.4) return wh;
  }
  throw new Error(`connector ${id}: could not pause at a register fraction of .1-.4 Wh`);
}

async function startSession(c: Controller, id: number, uid: string): Promise<void> {
  await c.post(`/api/sim/connectors/${id}/plug`);
  await c.post('/api/sim/rfid', { uid });
  await waitFor(`transaction on ${id}`, async () => (await connector(c, id)).transaction, 5000);
}

describe('StopTransaction.meterStop after a long pause', () => {
  it('is an integer both after an unplug and after a power loss, and the outbox drains', async () => {
    csms = await startCsms();
    ctl = await startController(config(csms.url));
    const dir = ctl.dir;
    await waitFor('Accepted', async () => (await ctl!.get('/api/status')).body.ocpp.registration === 'Accepted');
    await startSession(ctl, 1, '0A5E1001');
    await startSession(ctl, 2, '0A5E1002');
    const wh1 = await pauseAtLowFraction(ctl, 1);
    const wh2 = await pauseAtLowFraction(ctl, 2);
    await sleep(PERSIST_EVERY_MS + 800); // the paused register is now what the store persisted

    await ctl.post('/api/sim/connectors/1/unplug');
    const stop1 = await csms.waitFor('StopTransaction', (p) => p.idTag === '0A5E1001', 3000).catch(() => null);
    const firstLogs = ctl.logs;
    await ctl.stop({ keep: true, signal: 'SIGKILL' });
    const local = () => {
      const db = new Database(join(dir, 'data', 'evse.db'), { readonly: true });
      try {
        return db.prepare('SELECT local_id, id_tag, meter_stop_wh, stop_reason FROM transactions ORDER BY local_id').all();
      } finally {
        db.close();
      }
    };
    ctl = await startController(config(csms.url), { dir });
    const stop2 = await csms.waitFor('StopTransaction', (p) => p.idTag === '0A5E1002', 5000).catch(() => null);
    const schemaErrors = [...firstLogs, ...ctl.logs].filter((l) => l.includes('OCPP schema validation failed')).map((l) => l.slice(0, 240));

    expect({ wh1, stop1: stop1?.params.meterStop ?? 'not received', wh2, stop2: stop2?.params.meterStop ?? 'not received', schemaErrors, local: local() }).toEqual({
      wh1,
      stop1: Math.round(wh1),
      wh2,
      stop2: Math.round(wh2),
      schemaErrors: [],
      local: expect.anything(),
    });
    expect(stop2?.params.reason).toBe('PowerLoss');
    expect(csms.validationFailures).toEqual([]);
  }, 60_000);
});
