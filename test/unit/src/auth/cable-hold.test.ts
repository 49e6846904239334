// GIVEN the composed controller on the simulated board (with a cable lock) and simulated time
// WHEN a session is stopped DeAuthorized keeping the cable locked (StopTransactionOnInvalidId, OCPP 3.5.4)
// THEN REFERENCE.md 8: the cable stays locked with power off until the owner presents the card; another card,
// time or an ordinary stop do not release it; an UnlockCommand stop or unplugging does.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSimHal, ManualClock } from '../../../../hal/sim/index.js';
import { validateConfig } from '../../../../src/config/load.js';
import { Controller } from '../../../../src/controller.js';
import { silentLogger } from '../../../../src/log.js';
import { openDb, type Db } from '../../../../src/store/db.js';
import { Settings } from '../../../../src/store/settings.js';
import { simSteps } from '../../../helpers/sim-steps.js';

const dirs: string[] = [];
const dbs: Db[] = [];
const ctls: Controller[] = [];
afterEach(() => {
  for (const c of ctls.splice(0)) c.stop();
  for (const db of dbs.splice(0)) db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function charging() {
  const dir = mkdtempSync(join(tmpdir(), 'evse-hold-'));
  dirs.push(dir);
  const config = validateConfig({ connectors: [{ id: 1 }], auth: { allowList: ['04A1B2C3', '0B0B0B0B'] } });
  const clock = new ManualClock();
  const hal = createSimHal({ connectors: 1 }, clock);
  const db = openDb(dir);
  dbs.push(db);
  const ctl = new Controller(config, { hal, clock, log: silentLogger(), db, settings: new Settings(db), policy: null });
  ctls.push(ctl);
  ctl.start();
  const { advance, tap } = simSteps(clock, hal);
  const board = hal.control.connector(1);
  board.plug();
  await advance(500);
  await tap('04A1B2C3');
  board.request('charge');
  await advance(3000);
  expect(ctl.status().connectors[0]!.status).toBe('Charging');
  const locked = () => ctl.connector(1)!.context.lockCmd;
  expect(locked()).toBe(true);
  return { ctl, advance, tap, board, locked };
}

describe('cable kept locked after a DeAuthorized stop', () => {
  it('GIVEN a DeAuthorized stop with keepLocked THEN power goes off, the cable stays locked; another card does not release it, the owner card does', async () => {
    const { ctl, advance, tap, locked } = await charging();
    ctl.stopSession(1, 'DeAuthorized', { keepLocked: true });
    await advance(10_000);
    expect(ctl.status().connectors[0]).toMatchObject({ contactorClosed: false, transaction: null, status: 'Finishing' });
    expect(ctl.transactions.store.latest(1)[0]!.stopReason).toBe('DeAuthorized');
    expect(locked()).toBe(true);
    await tap('0B0B0B0B'); // another (allowed) card
    await advance(1000);
    expect(locked()).toBe(true);
    await tap('04A1B2C3'); // the owner
    await advance(1000);
    expect(locked()).toBe(false);
    expect(ctl.lastAuthorization(1)?.sentence).toBe('Card 04A1B2C3 released the cable');
  });

  it('GIVEN an ordinary Local stop THEN the cable is released (nothing held)', async () => {
    const { ctl, advance, locked } = await charging();
    ctl.stopSession(1, 'Local');
    await advance(10_000);
    expect(locked()).toBe(false);
  });

  it('GIVEN a held cable WHEN the CSMS unlocks (UnlockCommand stop) or the EV is unplugged THEN it is released', async () => {
    const first = await charging();
    first.ctl.stopSession(1, 'DeAuthorized', { keepLocked: true });
    await first.advance(8000);
    expect(first.locked()).toBe(true);
    first.ctl.stopSession(1, 'UnlockCommand');
    await first.advance(1000);
    expect(first.locked()).toBe(false);

    const second = await charging();
    second.ctl.stopSession(1, 'DeAuthorized', { keepLocked: true });
    await second.advance(8000);
    second.board.unplug();
    await second.advance(1000);
    expect(second.locked()).toBe(false);
    expect(second.ctl.connector(1)!.context.cableHeld).toBe(false);
  });
});
