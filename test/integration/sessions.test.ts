// GIVEN the real controller process on the simulated HAL with a tariff in its configuration, WHEN two
// sessions are run through the sim API (plug, card tap, charge, unplug) and a third is cut by a kill,
// THEN GET /api/sessions, its CSV form and `evse sessions` show them with energy and the tariff's cost,
// the killed one priced by the power-loss recovery after the restart.

import { afterEach, describe, expect, it } from 'vitest';
import { main as cli } from '../../src/cli/evse.js';
import { sessionCost } from '../../src/sessions/tariff.js';
import type { SessionRecord } from '../../src/store/sessions.js';
import { startController, waitFor, type Controller } from '../helpers/process.js';

/** Steep prices, so that the seconds of simulated charging show in the cents. */
const TARIFF = { currency: 'EUR', startFee: 1, perKwh: 25, perMinute: 5 };
const CONFIG = `
chargePointId: EVSE-SESSIONS
hal: { driver: sim }
connectors: [{ id: 1, maxCurrentA: 32 }]
auth: { mode: allow-list, allowList: ["04A1B2C3", "04A1B2C4"] }
api: { host: 127.0.0.1, port: 0 }
meter: { pollIntervalMs: 200 }
tariff: { currency: ${TARIFF.currency}, startFee: ${TARIFF.startFee}, perKwh: ${TARIFF.perKwh}, perMinute: ${TARIFF.perMinute} }
sessions: { retentionDays: 30, maxRecords: 100 }
log: { level: info }
`;

let running: Controller | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

const c1 = async (ctl: Controller) => (await ctl.get('/api/status')).body.connectors[0];

/** Plug, tap, charge until the register moved; returns the local transaction id. */
async function charge(ctl: Controller, uid: string): Promise<number> {
  await ctl.post('/api/sim/connectors/1/plug');
  await waitFor('Preparing', async () => (await c1(ctl)).status === 'Preparing');
  await ctl.post('/api/sim/rfid', { uid });
  const tx = await waitFor('transaction', async () => (await c1(ctl)).transaction);
  await ctl.post('/api/sim/connectors/1/ev', { request: 'charge' });
  await waitFor('energy charged', async () => ((await c1(ctl)).transaction?.energyWh ?? 0) > 5);
  return tx.id as number;
}

async function unplug(ctl: Controller): Promise<void> {
  await ctl.post('/api/sim/connectors/1/unplug');
  await waitFor('Available', async () => (await c1(ctl)).status === 'Available');
}

/** The stored cost is the documented formula over the stored figures. */
function expectPriced(s: SessionRecord): void {
  expect(s.energyWh).toBeGreaterThan(0);
  expect(s.energyWh).toBe(s.meterStopWh! - s.meterStartWh);
  expect(s.currency).toBe('EUR');
  expect(s.cost).toBeGreaterThan(TARIFF.startFee);
  expect(s.cost).toBe(sessionCost(TARIFF, { meterStartWh: s.meterStartWh, meterStopWh: s.meterStopWh!, startedAt: s.startedAt, stoppedAt: s.stoppedAt! })!.cost);
}

describe('session history in the controller process', () => {
  it('GIVEN a tariff WHEN two sessions run and a third is cut by a kill THEN the API, CSV and CLI show energy and cost for each', async () => {
    let ctl = await startController(CONFIG);
    running = ctl;
    const first = await charge(ctl, '04A1B2C3');
    await unplug(ctl);
    const second = await charge(ctl, '04A1B2C4');
    await unplug(ctl);

    const { body, status } = await ctl.get('/api/sessions');
    expect(status).toBe(200);
    expect(body.total).toBe(2);
    expect(body.sessions.map((s: SessionRecord) => [s.id, s.idTag, s.stopReason])).toEqual([
      [second, '04A1B2C4', 'EVDisconnected'],
      [first, '04A1B2C3', 'EVDisconnected'],
    ]);
    for (const s of body.sessions) expectPriced(s);

    const mine = await ctl.get('/api/sessions?idTag=04a1b2c3');
    expect(mine.body.sessions.map((s: SessionRecord) => s.id)).toEqual([first]);
    const csv = await fetch(`${ctl.url}/api/sessions.csv`);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await csv.text()).split('\r\n').filter(Boolean);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain(`,04A1B2C4,`);
    expect((await ctl.get('/api/sessions?from=not-a-date')).body).toMatchObject({ field: 'from' });

    const out: string[] = [];
    expect(await cli(['node', 'evse', '--url', ctl.url, 'sessions'], { out: (s) => out.push(s), err: (s) => out.push(s) })).toBe(0);
    expect(out.join('\n')).toMatch(/04A1B2C4 .* EVDisconnected +\d+\.\d\d EUR\n/);

    // A session cut by a kill: the next start stops it (PowerLoss) with the last persisted register, priced.
    const third = await charge(ctl, '04A1B2C3');
    await ctl.stop({ keep: true, signal: 'SIGKILL' });
    ctl = await startController(CONFIG, { dir: ctl.dir });
    running = ctl;
    const after = await ctl.get('/api/sessions');
    expect(after.body.total).toBe(3);
    const recovered = after.body.sessions.find((s: SessionRecord) => s.id === third);
    expect(recovered).toMatchObject({ idTag: '04A1B2C3', stopReason: 'PowerLoss', currency: 'EUR' });
    expect(recovered.cost).toBe(sessionCost(TARIFF, recovered)!.cost);
  }, 45_000);
});
