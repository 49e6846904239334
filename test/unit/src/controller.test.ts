// GIVEN the composed controller on the simulated board and simulated time
// WHEN cards are tapped and EVs plug in THEN sessions start, stop and are recorded as a user expects.

import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSimHal, ManualClock } from '../../../hal/sim/index.js';
import { validateConfig } from '../../../src/config/load.js';
import { Controller } from '../../../src/controller.js';
import { silentLogger } from '../../../src/log.js';
import { SessionLog } from '../../../src/session/sessions.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function setup(cfg: object) {
  const dir = mkdtempSync(join(tmpdir(), 'evse-ctl-'));
  dirs.push(dir);
  const config = validateConfig({ connectors: [{ id: 1 }, { id: 2 }], ...cfg });
  const clock = new ManualClock();
  const hal = createSimHal({ connectors: config.connectors.length }, clock);
  const ctl = new Controller(config, { hal, clock, log: silentLogger(), dataDir: dir });
  ctl.start();
  const advance = async (ms: number) => {
    for (let t = 0; t < ms; t += 50) {
      clock.advance(50);
      for (let i = 0; i < 3; i++) await Promise.resolve();
    }
  };
  const tap = (hex: string) => hal.control.rfid.present(Uint8Array.from(Buffer.from(hex, 'hex')));
  return { ctl, hal, clock, dir, advance, tap, board: (id: number) => hal.control.connector(id) };
}

describe('controller: card taps and sessions', () => {
  it('GIVEN connector 2 plugged and waiting WHEN an allowed card is tapped THEN connector 2 gets the session; a second tap stops it (Local)', async () => {
    const { ctl, advance, tap, board, dir } = await setup({ auth: { allowList: ['04A1B2C3'] } });
    board(2).plug();
    await advance(500);
    tap('04A1B2C3');
    expect(ctl.connector(2)!.context.session).toBe('active');
    expect(ctl.connector(1)!.context.session).toBe('none');
    board(2).request('charge');
    await advance(3000);
    expect(ctl.status().connectors[1]!.status).toBe('Charging');
    tap('04A1B2C3');
    await advance(7000);
    expect(ctl.status().connectors[1]).toMatchObject({ status: 'Finishing', contactorClosed: false, transaction: null });
    const lines = readFileSync(join(dir, 'sessions.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.event)).toEqual(['start', 'stop']);
    expect(lines[1]).toMatchObject({ connectorId: 2, reason: 'Local', idTag: '04A1B2C3' });
    expect(lines[1].meterStopWh).toBeGreaterThan(lines[1].meterStartWh);
    ctl.stop();
  });

  it('GIVEN an unknown card THEN no session starts and the LED flashes red, then shows the status again', async () => {
    const { ctl, hal, advance, tap, board } = await setup({ auth: { allowList: ['04A1B2C3'] } });
    board(1).plug();
    await advance(500);
    tap('DEADBEEF');
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
    tap('04A1B2C3');
    expect(ctl.connector(1)!.context.session).toBe('none');
    ctl.stop();
  });

  it('GIVEN an odd UID (5 bytes) THEN it is ignored and the controller keeps running', async () => {
    const { ctl, hal, tap, board, advance } = await setup({ auth: { mode: 'free-vend' } });
    hal.control.rfid.present(Uint8Array.from([1, 2, 3, 4, 5]));
    board(1).plug();
    await advance(500);
    tap('04A1B2C3');
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

describe('session log', () => {
  it('GIVEN an existing log with a torn last line WHEN reopened THEN ids continue after the highest', () => {
    const dir = mkdtempSync(join(tmpdir(), 'evse-log-'));
    dirs.push(dir);
    const log1 = new SessionLog(dir, () => 0);
    log1.start(1, 'A', 10);
    log1.stop(1, 'Local', 20);
    log1.start(1, 'B', 20);
    appendFileSync(join(dir, 'sessions.jsonl'), '{"event":"stop","id":9'); // power cut mid-write
    const log2 = new SessionLog(dir, () => 0);
    expect(log2.start(1, 'C', 30).id).toBe(3);
    expect(log2.stop(2, 'Local', 0)).toBeNull();
    const last = readFileSync(join(dir, 'sessions.jsonl'), 'utf8').trim().split('\n').pop()!;
    expect(JSON.parse(last)).toMatchObject({ event: 'start', id: 3, idTag: 'C' }); // not glued to the torn line
  });
});
