// GIVEN the simulated board (and the composed controller) WHEN a safety-path output fails or the event
// loop stalls THEN the health the watchdog sees turns bad with the reason, and good again once it is over.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../../../hal/clock.js';
import { HalError } from '../../../../hal/errors.js';
import { createSimHal, ManualClock } from '../../../../hal/sim/index.js';
import { validateConfig } from '../../../../src/config/load.js';
import { Controller } from '../../../../src/controller.js';
import { silentLogger } from '../../../../src/log.js';
import { openDb, type Db } from '../../../../src/store/db.js';
import { HealthMonitor } from '../../../../src/supervise/health.js';

/** A clock whose loop can freeze: time jumps, then the overdue timers fire late, as after a stall. */
class StallClock implements Clock {
  private t = 1_000_000;
  private timers: Array<{ due: number; fn: () => void; id: number }> = [];
  private next = 1;
  now = (): number => this.t;
  setTimeout(fn: () => void, ms: number): number {
    const id = this.next++;
    this.timers.push({ due: this.t + ms, fn, id });
    return id;
  }
  clearTimeout(id: unknown): void {
    this.timers = this.timers.filter((x) => x.id !== id);
  }
  /** Runs normally for ms (timers on time). */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.filter((x) => x.due <= end).sort((a, b) => a.due - b.due)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = Math.max(this.t, due.due);
      due.fn();
    }
    this.t = end;
  }
  /** Nothing runs for ms; then the loop resumes. */
  freeze(ms: number): void {
    this.t += ms;
    this.advance(0);
  }
}

describe('HealthMonitor', () => {
  it('GIVEN a healthy board WHEN the pilot driver reports pilot-io THEN unhealthy with the reason; WHEN cleared THEN healthy', () => {
    const clock = new ManualClock();
    const hal = createSimHal({ connectors: 2 }, clock);
    const monitor = new HealthMonitor(hal, () => ({ ok: true }), clock);
    expect(monitor.check()).toEqual({ ok: true });
    hal.control.connector(2).pilot.faults.emit({ fault: 'pilot-io', active: true, detail: 'ADC read failed' });
    expect(monitor.check()).toEqual({ ok: false, reason: 'connector 2: pilot-io fault (ADC read failed)' });
    hal.control.connector(2).pilot.faults.emit({ fault: 'pilot-io', active: false });
    expect(monitor.check()).toEqual({ ok: true });
  });

  it('GIVEN a healthy board WHEN the contactor driver reports contactor-io THEN unhealthy', () => {
    const clock = new ManualClock();
    const hal = createSimHal({ connectors: 1 }, clock);
    const monitor = new HealthMonitor(hal, () => ({ ok: true }), clock);
    hal.control.connector(1).contactor.faults.emit({ fault: 'contactor-io', active: true });
    expect(monitor.check()).toMatchObject({ ok: false, reason: 'connector 1: contactor-io fault' });
  });

  it('GIVEN the monitor running WHEN the loop stalls 6 s THEN unhealthy for the hold time, then healthy; a 3 s stall is not a stall', () => {
    const clock = new StallClock();
    const hal = createSimHal({ connectors: 1 }, new ManualClock());
    const monitor = new HealthMonitor(hal, () => ({ ok: true }), clock, { stallMs: 5000, periodMs: 500, holdMs: 10_000 });
    monitor.start();
    clock.advance(2000);
    clock.freeze(3000);
    expect(monitor.check()).toEqual({ ok: true });
    clock.freeze(6000);
    expect(monitor.check()).toEqual({ ok: false, reason: 'event loop stalled 6.0 s' });
    clock.advance(9000);
    expect(monitor.check().ok).toBe(false);
    clock.advance(1500);
    expect(monitor.check()).toEqual({ ok: true });
    monitor.stop();
  });

  it('GIVEN no HAL fault WHEN the controller says unhealthy THEN its verdict is passed on', () => {
    const clock = new ManualClock();
    const hal = createSimHal({ connectors: 1 }, clock);
    const monitor = new HealthMonitor(hal, () => ({ ok: false, reason: 'connector 1: A hardware output could not be driven' }), clock);
    expect(monitor.check()).toEqual({ ok: false, reason: 'connector 1: A hardware output could not be driven' });
  });
});

describe('Controller.healthy', () => {
  const dirs: string[] = [];
  const dbs: Db[] = [];
  afterEach(() => {
    for (const db of dbs.splice(0)) db.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('GIVEN a charging start WHEN the contactor output throws THEN hal-output is raised and the controller is unhealthy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evse-health-'));
    dirs.push(dir);
    const config = validateConfig({ connectors: [{ id: 1 }], auth: { allowList: ['04A1B2C3'] } });
    const clock = new ManualClock();
    const hal = createSimHal({ connectors: 1 }, clock);
    const db = openDb(dir);
    dbs.push(db);
    const ctl = new Controller(config, { hal, clock, log: silentLogger(), db, settings: null, policy: null });
    ctl.start();
    const advance = async (ms: number) => {
      for (let t = 0; t < ms; t += 50) {
        clock.advance(50);
        for (let i = 0; i < 3; i++) await Promise.resolve();
      }
    };
    expect(ctl.healthy()).toEqual({ ok: true });
    const board = hal.control.connector(1);
    board.contactor.close = () => {
      throw new HalError('contactor', 'GPIO17 write failed: EIO');
    };
    board.plug();
    await advance(500);
    hal.control.rfid.present(Uint8Array.from([0x04, 0xa1, 0xb2, 0xc3]));
    await advance(500);
    board.request('charge');
    await advance(3000);
    const health = ctl.healthy();
    expect(health.ok).toBe(false);
    expect(health.reason).toContain('connector 1: A hardware output could not be driven');
    expect(health.reason).toContain('GPIO17 write failed: EIO');
    ctl.stop();
  });
});
