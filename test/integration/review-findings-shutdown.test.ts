// Review finding: shutdown (SIGTERM -> controller.shutdown('Reboot'), and resets) must open every contactor
// and set the CP to A before anything else (REFERENCE.md 7), i.e. before any SQLite write: a stop that waits
// for fsync'ed records (or for the 6 s C1 grace of a graceful stop) keeps the EV under load meanwhile.
// The composed controller on the simulated board and simulated time, a real SQLite file, and every write
// to it observed by temporary triggers that call back into the test (so no write can go unseen).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSimHal, ManualClock } from '../../hal/sim/index.js';
import { validateConfig } from '../../src/config/load.js';
import { Controller } from '../../src/controller.js';
import { silentLogger } from '../../src/log.js';
import { openDb, type Db } from '../../src/store/db.js';
import { Settings } from '../../src/store/settings.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

/** Records "write:<table>" for every row inserted, updated or deleted in any table of the schema. */
function watchWrites(db: Db, log: string[]): void {
  db.function('evse_test_write', (table: unknown) => {
    log.push(`write:${String(table)}`);
    return null;
  });
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[];
  expect(tables).toEqual(expect.arrayContaining(['transactions', 'outbox', 'meta']));
  for (const t of tables) {
    for (const op of ['INSERT', 'UPDATE', 'DELETE']) {
      db.exec(`CREATE TEMP TRIGGER evse_test_${t}_${op} AFTER ${op} ON main.${t} BEGIN SELECT evse_test_write('${t}'); END;`);
    }
  }
}

/** Two connectors charging Kona-like EVs (they stay in C when PWM stops: a graceful stop holds the contactor). */
async function twoCharging() {
  const dir = mkdtempSync(join(tmpdir(), 'evse-shutdown-'));
  const config = validateConfig({ connectors: [{ id: 1 }, { id: 2 }], auth: { mode: 'free-vend' } });
  const clock = new ManualClock();
  const hal = createSimHal({ connectors: 2 }, clock);
  const db = openDb(dir);
  const settings = new Settings(db);
  const ctl = new Controller(config, { hal, clock, log: silentLogger(), db, settings, policy: null });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => db.close());
  ctl.start();
  const advance = async (ms: number) => {
    for (let t = 0; t < ms; t += 50) {
      clock.advance(50);
      for (let i = 0; i < 5; i++) await Promise.resolve();
    }
  };
  for (const id of [1, 2]) {
    hal.control.connector(id).plug();
    await advance(500);
    hal.control.connector(id).request('charge');
    await advance(1000);
    hal.control.connector(id).configureEv({ opensS2OnPwmOff: false });
  }
  await advance(6000);
  for (const id of [1, 2]) expect(ctl.connector(id)!.status).toBe('Charging');
  // Every contactor command and CP output from now on, in one sequence with the SQLite writes.
  const order: string[] = [];
  for (const id of [1, 2]) {
    const b = hal.control.connector(id);
    b.contactor.onOpenCommand = () => order.push(`open:${id}`);
    const setOutput = b.pilot.setOutput.bind(b.pilot);
    b.pilot.setOutput = (out) => {
      order.push(`cp:${id}:${out.mode}`);
      setOutput(out);
    };
  }
  watchWrites(db, order);
  return { ctl, hal, db, settings, order };
}

const firstWrite = (order: string[]) => order.findIndex((e) => e.startsWith('write:'));

describe('shutdown opens every contactor before any SQLite write', () => {
  it('GIVEN two connectors charging WHEN shutdown(Reboot) (SIGTERM) THEN both contactors open and both CPs go steady before the first write; sessions recorded Reboot', async () => {
    const { ctl, hal, settings, order } = await twoCharging();
    ctl.shutdown('Reboot');
    const first = firstWrite(order);
    expect(first).toBeGreaterThan(0);
    const before = order.slice(0, first);
    expect(before).toEqual(expect.arrayContaining(['open:1', 'open:2', 'cp:1:steady', 'cp:2:steady']));
    expect(before.indexOf('open:1')).toBeLessThan(before.indexOf('cp:1:steady')); // the contactor first, then the CP
    for (const id of [1, 2]) expect(hal.control.connector(id).contactor.commandedClosed).toBe(false);
    // AND the sessions are recorded once each, with reason Reboot, and the exit reason is kept
    const txs = ctl.transactions.store.latest(5);
    expect(txs.map((t) => [t.connectorId, t.stopReason]).sort()).toEqual([
      [1, 'Reboot'],
      [2, 'Reboot'],
    ]);
    expect(ctl.transactions.store.open()).toEqual([]);
    expect(settings.meta('lastExit')).toBe('Reboot');
    expect(order.filter((e) => e === 'write:transactions').length).toBeGreaterThanOrEqual(2);
  });

  it.each([
    ['Soft', 'SoftReset'],
    ['Hard', 'HardReset'],
  ] as const)('GIVEN two connectors charging WHEN reset %s THEN the contactors open before the first write; sessions recorded %s', async (type, reason) => {
    const { ctl, order } = await twoCharging();
    ctl.reset(type);
    const before = order.slice(0, firstWrite(order));
    expect(before).toEqual(expect.arrayContaining(['open:1', 'open:2']));
    expect(ctl.transactions.store.latest(5).map((t) => t.stopReason)).toEqual([reason, reason]);
  });

  it('GIVEN no session and no contactor closed WHEN shutdown THEN only the exit reason is written', async () => {
    const { ctl, order } = await twoCharging();
    for (const id of [1, 2]) ctl.stopSession(id, 'EmergencyStop');
    order.splice(0);
    ctl.shutdown('Reboot');
    expect(order.filter((e) => e.startsWith('write:'))).toEqual(['write:meta']);
  });
});
