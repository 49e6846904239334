// GIVEN the real controller process (simulated HAL) with two 16 A connectors behind a 20 A site fuse watched by a
// simulated grid meter
// WHEN sessions start and the house load rises and falls
// THEN the chargers share the budget, the session that started last pauses first (SuspendedEVSE) when 6 A each
// no longer fit, it resumes when the house load falls, and the status API names the constraint.

import { describe, expect, it } from 'vitest';
import { usePeers } from '../helpers/peers.js';
import { startController, waitFor, type Controller } from '../helpers/process.js';

const peers = usePeers();

const CONFIG = `
chargePointId: SITE-TEST
hal: { driver: sim, gridMeter: { driver: sim, houseA: 0 } }
connectors: [{ id: 1, maxCurrentA: 16 }, { id: 2, maxCurrentA: 16 }]
auth: { allowList: ["C0DE0001", "C0DE0002"], uidFormat: hex }
api: { host: 127.0.0.1, port: 0 }
meter: { pollIntervalMs: 200 }
charging:
  site: { limitA: 20, meter: grid, marginA: 1, meterIntervalMs: 500, staleMs: 1000, raiseHoldMs: 5000, reactionTimeMs: 11000 }
`;

type Conn = { status: string; offeredCurrentA: number; limit: { amps: number; source: string } };
const conn = async (c: Controller, id: number): Promise<Conn> => (await c.get('/api/status')).body.connectors[id - 1] as Conn;

async function startSession(c: Controller, id: number, uid: string): Promise<void> {
  await c.post(`/api/sim/connectors/${id}/plug`);
  await c.post('/api/sim/rfid', { uid });
  await c.post(`/api/sim/connectors/${id}/ev`, { request: 'charge' });
}

describe('site load balancing with a grid meter', () => {
  it('shares the fuse, pauses the last-started session when the house needs it, resumes it afterwards', async () => {
    const c = (peers.ctl = await startController(CONFIG));
    // After start the budget is 0 until the grid meter has answered for raiseHoldMs (the safe side).
    expect((await conn(c, 1)).limit).toMatchObject({ amps: 0, source: 'site' });
    await waitFor('a budget for an idle connector', async () => (await conn(c, 1)).limit.amps === 16, 20_000);
    await startSession(c, 1, 'C0DE0001');
    await waitFor('connector 1 charging at 16 A', async () => {
      const s = await conn(c, 1);
      return s.status === 'Charging' && s.offeredCurrentA === 16;
    }, 20_000);
    expect((await conn(c, 1)).limit).toMatchObject({ amps: 16, source: 'connector-max' });
    // Free headroom: the session started at once, never suspended while the balancer caught up.
    expect(c.logs.filter((l) => l.includes('"msg":"status"') && l.includes('"connector":1') && l.includes('SuspendedEVSE'))).toEqual([]);

    await startSession(c, 2, 'C0DE0002');
    // 20 A - 1 A margin = 19 A for both: 9.5 A each (connector 1 comes down first, then connector 2 starts).
    await waitFor('both charging at 9.5 A', async () => {
      const [a, b] = [await conn(c, 1), await conn(c, 2)];
      return a.offeredCurrentA === 9.5 && b.offeredCurrentA === 9.5 && b.status === 'Charging';
    }, 40_000);
    expect((await conn(c, 2)).limit).toMatchObject({ amps: 9.5, source: 'site' });

    // House 10 A: 9 A left, not 6 A for each: connector 2 (started last) pauses, connector 1 keeps 9 A.
    await c.post('/api/sim/grid', { houseA: 10 });
    await waitFor('the house load seen', async () => (await c.get('/api/status')).body.site?.houseA >= 9.5);
    expect((await c.get('/api/status')).body.site).toMatchObject({ limitA: 20, meterStale: false });
    await waitFor('connector 2 paused, connector 1 at 9 A', async () => {
      const [a, b] = [await conn(c, 1), await conn(c, 2)];
      return b.status === 'SuspendedEVSE' && a.offeredCurrentA === 9 && a.status === 'Charging';
    }, 40_000);
    expect((await conn(c, 2)).limit).toMatchObject({ amps: 0, source: 'site' });

    await c.post('/api/sim/grid', { houseA: 0 });
    await waitFor('connector 2 charging again', async () => (await conn(c, 2)).status === 'Charging', 60_000);
    await waitFor('both back at 9.5 A', async () => (await conn(c, 1)).offeredCurrentA === 9.5 && (await conn(c, 2)).offeredCurrentA === 9.5, 40_000);
  }, 180_000);

  it('a lost grid meter pauses the chargers (the safe side) until readings return', async () => {
    const c = (peers.ctl = await startController(CONFIG));
    await startSession(c, 1, 'C0DE0001');
    await waitFor('connector 1 charging', async () => (await conn(c, 1)).status === 'Charging', 20_000);
    await c.post('/api/sim/grid', { meterOffline: true });
    await waitFor('connector 1 paused', async () => (await conn(c, 1)).status === 'SuspendedEVSE', 20_000);
    await c.post('/api/sim/grid', { meterOffline: false });
    await waitFor('connector 1 charging again', async () => (await conn(c, 1)).status === 'Charging', 40_000);
  }, 120_000);
});
