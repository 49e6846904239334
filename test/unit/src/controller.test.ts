// GIVEN the composed controller on the simulated board and simulated time
// WHEN cards are tapped and EVs plug in THEN sessions start, stop and are recorded as a user expects.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSimHal, ManualClock } from '../../../hal/sim/index.js';
import { validateConfig } from '../../../src/config/load.js';
import { Controller } from '../../../src/controller.js';
import { silentLogger } from '../../../src/log.js';
import { openDb, type Db } from '../../../src/store/db.js';
import { Settings } from '../../../src/store/settings.js';
import { TransactionStore } from '../../../src/store/transactions.js';
import { simSteps } from '../../helpers/sim-steps.js';

const dirs: string[] = [];
const dbs: Db[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function setup(cfg: object) {
  const dir = mkdtempSync(join(tmpdir(), 'evse-ctl-'));
  dirs.push(dir);
  const config = validateConfig({ connectors: [{ id: 1 }, { id: 2 }], ...cfg });
  const clock = new ManualClock();
  const hal = createSimHal({ connectors: config.connectors.length }, clock);
  const db = openDb(dir);
  dbs.push(db);
  const ctl = new Controller(config, { hal, clock, log: silentLogger(), db, settings: new Settings(db), policy: null });
  ctl.start();
  const { advance, tap } = simSteps(clock, hal);
  return { ctl, hal, clock, dir, advance, tap, board: (id: number) => hal.control.connector(id) };
}

describe('controller: card taps and sessions', () => {
  it('GIVEN connector 2 plugged and waiting WHEN an allowed card is tapped THEN connector 2 gets the session; a second tap stops it (Local)', async () => {
    const { ctl, advance, tap, board } = await setup({ auth: { allowList: ['04A1B2C3'] } });
    board(2).plug();
    await advance(500);
    await tap('04A1B2C3');
    expect(ctl.connector(2)!.context.session).toBe('active');
    expect(ctl.connector(1)!.context.session).toBe('none');
    board(2).request('charge');
    await advance(3000);
    expect(ctl.status().connectors[1]!.status).toBe('Charging');
    await tap('04A1B2C3');
    await advance(7000);
    expect(ctl.status().connectors[1]).toMatchObject({ status: 'Finishing', contactorClosed: false, transaction: null });
    const [tx] = ctl.transactions.store.latest(5);
    expect(tx).toMatchObject({ connectorId: 2, stopReason: 'Local', idTag: '04A1B2C3' });
    expect(tx!.meterStopWh).toBeGreaterThan(tx!.meterStartWh);
    expect(ctl.transactions.store.open()).toEqual([]);
    ctl.stop();
  });

  it('GIVEN an unknown card THEN no session starts and the LED flashes red, then shows the status again', async () => {
    const { ctl, hal, advance, tap, board } = await setup({ auth: { allowList: ['04A1B2C3'] } });
    board(1).plug();
    await advance(500);
    await tap('DEADBEEF');
    expect(ctl.connector(1)!.context.session).toBe('none');
    expect(hal.connectors[0]!.indicator.state).toEqual({ colour: 'red', pattern: 'fast-blink' });
    await advance(3500);
    expect(hal.connectors[0]!.indicator.state).toEqual({ colour: 'blue', pattern: 'slow-blink' }); // Preparing
    ctl.stop();
  });

  it('GIVEN the only plugged connector is Faulted WHEN a card is tapped THEN it is not authorized there', async () => {
    const { ctl, advance, tap, board } = await setup({ connectors: [{ id: 1 }], auth: { allowList: ['04A1B2C3'] } });
    board(1).plug();
    board(1).setFault('rcd', true);
    await advance(500);
    await tap('04A1B2C3');
    expect(ctl.connector(1)!.context.session).toBe('none');
    ctl.stop();
  });

  it('GIVEN an odd UID (5 bytes) THEN it is ignored and the controller keeps running', async () => {
    const { ctl, hal, tap, board, advance } = await setup({ auth: { mode: 'free-vend' } });
    hal.control.rfid.present(Uint8Array.from([1, 2, 3, 4, 5]));
    board(1).plug();
    await advance(500);
    await tap('04A1B2C3');
    expect(ctl.status().connectors[0]!.transaction).not.toBeNull();
    ctl.stop();
  });

  it('GIVEN free vend WHEN an EV plugs in THEN a session starts without a card', async () => {
    const { ctl, advance, board } = await setup({ auth: { mode: 'free-vend', freeVendIdTag: 'FREEVEND' } });
    board(1).plug();
    await advance(500);
    expect(ctl.status().connectors[0]!.transaction).toMatchObject({ idTag: 'FREEVEND' });
    board(1).request('charge');
    await advance(3000);
    expect(ctl.status().connectors[0]!.contactorClosed).toBe(true);
    ctl.stop();
  });
});

describe('power-loss recovery', () => {
  it('GIVEN a transaction left open by a killed process WHEN the controller starts again THEN it is stopped once (PowerLoss) with the persisted register', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evse-pl-'));
    dirs.push(dir);
    const db1 = openDb(dir);
    const store = new TransactionStore(db1);
    const tx = store.start(1, '04A1B2C3', 1000, '2026-01-01T12:00:00.000Z');
    store.updateMeter(tx.localId, 1500, '2026-01-01T12:10:00.000Z');
    db1.close(); // the process dies here: no stop was recorded
    const db2 = openDb(dir);
    dbs.push(db2);
    const config = validateConfig({});
    const clock = new ManualClock();
    const ctl = new Controller(config, { hal: createSimHal({ connectors: 1 }, clock), clock, log: silentLogger(), db: db2, settings: new Settings(db2), policy: null });
    ctl.start();
    const stopped = new TransactionStore(db2).get(tx.localId);
    expect(stopped).toMatchObject({ stopReason: 'PowerLoss', meterStopWh: 1500 });
    ctl.stop();
    const ctl2 = new Controller(config, { hal: createSimHal({ connectors: 1 }, clock), clock, log: silentLogger(), db: db2, settings: new Settings(db2), policy: null });
    ctl2.start(); // a second start stops nothing again
    expect(new TransactionStore(db2).get(tx.localId)).toEqual(stopped);
    ctl2.stop();
  });
});
