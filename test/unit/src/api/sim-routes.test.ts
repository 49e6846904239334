// The simulator's site endpoints over real HTTP (src/api/sim-routes.ts): POST/GET /api/sim/grid (house load,
// grid meter failure) and POST /api/sim/connectors/:id/cable (the PP-coded cable rating), on a controller
// running on the simulated HAL with a ManualClock. Checked through the HAL itself (the grid meter's reading,
// the socket's PP), plus every refusal: 400 naming the field for bad input (nothing changed), 404 for an
// unknown connector, 409 without a grid meter or on a tethered cable.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSimHal, ManualClock } from '../../../../hal/sim/index.js';
import { startApi } from '../../../../src/api/server.js';
import { validateConfig } from '../../../../src/config/load.js';
import { Controller } from '../../../../src/controller.js';
import { silentLogger } from '../../../../src/log.js';
import { openDb } from '../../../../src/store/db.js';
import { Settings } from '../../../../src/store/settings.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function api(o: { tethered?: boolean; grid?: boolean } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'evse-api-sim-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const tethered = o.tethered ?? false;
  const config = validateConfig({ connectors: [{ id: 1, tethered }], api: { host: '127.0.0.1', port: 0 } });
  const clock = new ManualClock();
  const hal = createSimHal({ connectors: 1, tethered, ...(o.grid === false ? {} : { gridMeter: { houseA: 2 } }) }, clock);
  const db = openDb(dir);
  const ctl = new Controller(config, { hal, clock, log: silentLogger(), db, settings: new Settings(db), policy: null });
  ctl.start();
  const server = await startApi({ host: '127.0.0.1', port: 0, controller: ctl, sim: hal.control, log: silentLogger() });
  cleanups.push(() => void db.close());
  cleanups.push(() => ctl.stop());
  cleanups.push(() => new Promise<void>((resolve) => server.server.close(() => resolve())));
  const url = (path: string) => `http://127.0.0.1:${server.port}${path}`;
  const post = async (path: string, body: unknown): Promise<{ status: number; json: any }> => {
    const res = await fetch(url(path), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, json: await res.json() };
  };
  const get = async (path: string): Promise<{ status: number; json: any }> => {
    const res = await fetch(url(path));
    return { status: res.status, json: await res.json() };
  };
  return { hal, post, get };
}

describe('POST /api/sim/grid', () => {
  it('GIVEN a simulated grid meter WHEN houseA is set as one value and per phase THEN the grid meter reads it and the reply shows the grid', async () => {
    const { hal, post, get } = await api();
    const one = await post('/api/sim/grid', { houseA: 12 });
    expect(one).toEqual({ status: 200, json: { ok: true, grid: { houseA: { l1: 12, l2: 12, l3: 12 }, currentA: { l1: 12, l2: 12, l3: 12 }, meterOffline: false } } });
    expect((await hal.gridMeter!.read()).currentA).toEqual({ l1: 12, l2: 12, l3: 12 });
    expect((await post('/api/sim/grid', { houseA: [1, 2.5, 0] })).status).toBe(200);
    expect((await hal.gridMeter!.read()).currentA).toEqual({ l1: 1, l2: 2.5, l3: 0 });
    expect((await get('/api/sim/grid')).json.grid.houseA).toEqual({ l1: 1, l2: 2.5, l3: 0 });
  });

  it('GIVEN a simulated grid meter WHEN meterOffline is set and cleared THEN its reads fail, then succeed again', async () => {
    const { hal, post } = await api();
    const down = await post('/api/sim/grid', { meterOffline: true });
    expect(down.json.grid.meterOffline).toBe(true);
    await expect(hal.gridMeter!.read()).rejects.toThrow(/grid meter: no response/);
    await post('/api/sim/grid', { meterOffline: false, houseA: 3 });
    expect((await hal.gridMeter!.read()).currentA.l2).toBe(3);
  });

  it.each([
    [{ houseA: -1 }, 'houseA', 'houseA must be a number of amps 0-250 (every phase) or [L1, L2, L3], got -1'],
    [{ houseA: 251 }, 'houseA', 'houseA must be a number of amps 0-250 (every phase) or [L1, L2, L3], got 251'],
    [{ houseA: [1, 2] }, 'houseA', 'houseA must be a number of amps 0-250 (every phase) or [L1, L2, L3], got [1,2]'],
    [{ houseA: '10' }, 'houseA', 'houseA must be a number of amps 0-250 (every phase) or [L1, L2, L3], got "10"'],
    [{ houseA: 5, meterOffline: 'yes' }, 'meterOffline', 'meterOffline must be true or false, got "yes"'],
    [{}, 'houseA', 'houseA (a number of amps 0-250 (every phase) or [L1, L2, L3]) or meterOffline (true or false) is required'],
    [[10], undefined, 'request body must be a JSON object'],
  ])('GIVEN the body %j WHEN posted THEN 400 naming the field, and the grid is unchanged', async (body, field, error) => {
    const { hal, post } = await api();
    const res = await post('/api/sim/grid', body);
    expect(res).toEqual({ status: 400, json: { error, ...(field ? { field } : {}) } });
    const r = await hal.gridMeter!.read();
    expect(r.currentA).toEqual({ l1: 2, l2: 2, l3: 2 });
  });

  it('GIVEN no simulated grid meter WHEN the grid is set or read THEN 409 says how to configure one', async () => {
    const { post, get } = await api({ grid: false });
    const error = 'no simulated grid meter (configure hal.gridMeter: { driver: sim })';
    expect(await post('/api/sim/grid', { houseA: 5 })).toEqual({ status: 409, json: { error } });
    expect(await get('/api/sim/grid')).toEqual({ status: 409, json: { error } });
  });
});

describe('POST /api/sim/connectors/:id/cable', () => {
  it('GIVEN a socket WHEN a 20 A cable is set THEN the PP reads 20 once the EV is plugged', async () => {
    const { hal, post } = await api();
    const res = await post('/api/sim/connectors/1/cable', { ratingA: 20 });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ ok: true, cableRatingA: 20, connector: { id: 1 } });
    await post('/api/sim/connectors/1/plug', {});
    expect(await hal.connectors[0]!.proximity!.read()).toBe(20);
  });

  it.each([[16], [0], ['32'], [null]])('GIVEN ratingA %j WHEN posted THEN 400 lists the valid ratings and the cable stays 32 A', async (ratingA) => {
    const { hal, post } = await api();
    const res = await post('/api/sim/connectors/1/cable', { ratingA });
    expect(res).toEqual({ status: 400, json: { error: `ratingA must be one of 13, 20, 32, 63 (amps), got ${JSON.stringify(ratingA)}`, field: 'ratingA' } });
    await post('/api/sim/connectors/1/plug', {});
    expect(await hal.connectors[0]!.proximity!.read()).toBe(32);
  });

  it('GIVEN no ratingA WHEN posted THEN 400 says it is required', async () => {
    const { post } = await api();
    expect(await post('/api/sim/connectors/1/cable', {})).toEqual({ status: 400, json: { error: 'ratingA is required (one of 13, 20, 32, 63 (amps))', field: 'ratingA' } });
  });

  it('GIVEN an unknown connector or a tethered cable WHEN a rating is posted THEN 404, and 409 (no PP)', async () => {
    const socket = await api();
    expect(await socket.post('/api/sim/connectors/2/cable', { ratingA: 13 })).toEqual({ status: 404, json: { error: 'no connector 2 (connectors are 1-1)' } });
    const tethered = await api({ tethered: true });
    expect(await tethered.post('/api/sim/connectors/1/cable', { ratingA: 13 })).toEqual({
      status: 409,
      json: { error: 'connector 1 has a tethered cable: no PP, so no cable rating to set' },
    });
  });
});
