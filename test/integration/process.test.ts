// GIVEN the real controller process on the simulated HAL, WHEN a user drives a whole session through the
// local HTTP API, THEN the contactor, status, energy and session record follow (issue "Done when").

import { spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIN, startController, waitFor, writeConfig, type Controller } from '../helpers/process.js';

describe('controller process on the simulated HAL', () => {
  let ctl: Controller;
  const c1 = async () => (await ctl.get('/api/status')).body.connectors[0];

  beforeAll(async () => {
    ctl = await startController();
  }, 20_000);
  afterAll(async () => {
    await ctl?.stop();
  });

  it('runs a whole session: plug, tap, charge, pause, resume, unplug', async () => {
    expect((await c1()).status).toBe('Available');
    expect((await ctl.post('/api/sim/connectors/1/plug')).status).toBe(200);
    await waitFor('Preparing', async () => (await c1()).status === 'Preparing');

    const tap = await ctl.post('/api/sim/rfid', { uid: '04A1B2C3' });
    expect(tap.status).toBe(200);
    const started = await waitFor('transaction', async () => (await c1()).transaction);
    expect(started.idTag).toBe('04A1B2C3');

    await ctl.post('/api/sim/connectors/1/ev', { request: 'charge' });
    const charging = await waitFor('Charging', async () => {
      const c = await c1();
      return c.status === 'Charging' && c.contactorClosed && c.energyWh > 0 ? c : null;
    });
    expect(charging.offeredCurrentA).toBe(32);
    const later = await waitFor('energy rising', async () => {
      const c = await c1();
      return c.energyWh > charging.energyWh ? c : null;
    });
    expect(later.powerW).toBeGreaterThan(20_000); // 32 A x 0.95 x 230 V x 3 phases

    await ctl.post('/api/sim/connectors/1/ev', { request: 'pause' });
    const paused = await c1();
    expect(paused.contactorClosed).toBe(false); // C->B opens in the same event
    await waitFor('SuspendedEV', async () => (await c1()).status === 'SuspendedEV');

    await ctl.post('/api/sim/connectors/1/ev', { request: 'charge' });
    await waitFor('Charging again', async () => (await c1()).contactorClosed);

    await ctl.post('/api/sim/connectors/1/unplug');
    const after = await c1();
    expect(after.contactorClosed).toBe(false);
    expect(after.transaction).toBeNull();
    await waitFor('Available', async () => (await c1()).status === 'Available');

    const db = new Database(join(ctl.dir, 'data', 'evse.db'), { readonly: true });
    const stop = db.prepare('SELECT * FROM transactions WHERE local_id = ?').get(started.id) as Record<string, unknown>;
    db.close();
    expect(stop).toMatchObject({ id_tag: '04A1B2C3', stop_reason: 'EVDisconnected' });
    expect(stop.meter_stop_wh).toBeGreaterThan(stop.meter_start_wh as number);
  }, 30_000);

  it('refuses an unknown card with a clear log line and no session', async () => {
    await ctl.post('/api/sim/connectors/1/plug');
    await waitFor('Preparing', async () => (await c1()).status === 'Preparing');
    await ctl.post('/api/sim/rfid', { uid: 'DEADBEEF' });
    expect((await c1()).transaction).toBeNull();
    await waitFor('refusal logged', async () => ctl.logs.some((l) => l.includes('card refused: DEADBEEF')));
    await ctl.post('/api/sim/connectors/1/unplug');
  });

  it('opens the contactor on an injected fault and reports it', async () => {
    await ctl.post('/api/sim/connectors/1/plug');
    await waitFor('Preparing', async () => (await c1()).status === 'Preparing');
    await ctl.post('/api/sim/rfid', { uid: '04A1B2C3' });
    await ctl.post('/api/sim/connectors/1/ev', { request: 'charge' });
    await waitFor('Charging', async () => (await c1()).contactorClosed);
    const res = await ctl.post('/api/sim/faults', { connector: 1, fault: 'rcd', active: true });
    expect(res.body.connector.contactorClosed).toBe(false);
    expect(res.body.connector).toMatchObject({ status: 'Faulted', errorCode: 'GroundFailure' });
    await ctl.post('/api/sim/faults', { connector: 1, fault: 'rcd', active: false });
    await waitFor('Charging after the fault cleared', async () => (await c1()).contactorClosed);
    await ctl.post('/api/sim/connectors/1/unplug');
  });

  it('answers bad requests with 400 naming the field, unknown connectors with 404, and keeps running', async () => {
    const bad = await ctl.post('/api/sim/faults', { connector: 1, fault: 'lightning', active: true });
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe('fault');
    expect((await ctl.post('/api/sim/faults', { connector: 1, fault: 'rcd' })).body).toMatchObject({ field: 'active' });
    expect((await ctl.post('/api/sim/connectors/1/ev', '{"request":')).status).toBe(400);
    expect((await ctl.post('/api/sim/connectors/1/ev', { request: 'fly' })).body.field).toBe('request');
    expect((await ctl.post('/api/sim/rfid', { uid: 'XYZ' })).body.field).toBe('uid');
    expect((await ctl.post('/api/sim/connectors/7/plug')).status).toBe(404);
    expect((await ctl.get('/api/nothing')).status).toBe(404);
    expect((await ctl.get('/api/status')).status).toBe(200);
  });
});

describe('controller process with a bad configuration file', () => {
  it('stops with one line per problem naming key, expectation and found value', () => {
    const dir = mkdtempSync(join(tmpdir(), 'evse-badcfg-'));
    try {
      const path = writeConfig(dir, 'connectors: [{ id: 1, maxCurrentA: 100 }]\nauth: { mode: free }\n');
      const run = spawnSync(process.execPath, [MAIN, '--config', path], { encoding: 'utf8', timeout: 10_000 });
      expect(run.status).toBe(78);
      const lines = run.stderr.trim().split('\n');
      expect(lines).toContain('evse: config: connectors[0].maxCurrentA: expected a number between 6 and 80, found 100');
      expect(lines.some((l) => l.startsWith('evse: config: auth.mode: expected one of'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
