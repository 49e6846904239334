// Contactor and RCM on GPIO (hal/rpi/contactor.ts, rcd.ts) beyond the shared contracts: electrical sense,
// a welded mirror at start-up, bounce, I/O failures as 'contactor-io', the RCM trip acting on the first edge
// (never postponed by chatter) and cleared only after a quiet period, and every RCM self-test outcome, on a
// fake sysfs tree and a ManualClock.

import { afterEach, describe, expect, it } from 'vitest';
import type { GpioPin } from '../../../hal/config.js';
import { RpiContactor } from '../../../hal/rpi/contactor.js';
import type { GpioBank } from '../../../hal/rpi/gpio.js';
import { DEFAULT_RCM_SELF_TEST, RpiRcm } from '../../../hal/rpi/rcd.js';
import type { ManualClock } from '../../../hal/sim/index.js';
import type { DeviceFaultEvent } from '../../../hal/types.js';
import { collect, fakeBench, type FakeBench } from '../../helpers/fake-onoff.js';
import type { Bit, FakeSysfs } from '../../helpers/fake-sysfs.js';
import { flush } from '../../helpers/rpi-rig.js';

const pin = (n: number, activeLow = false): GpioPin => ({ pin: n, activeLow });
let bench: FakeBench;
let sysfs: FakeSysfs;
let clock: ManualClock;
let bank: GpioBank;
const BASE = 512;
const open = (): void => {
  bench = fakeBench();
  ({ sysfs, clock, bank } = bench);
};
afterEach(() => bench?.dispose());
const raw = (bcm: number): Bit | undefined => bench.raw(bcm);
const drive = (bcm: number, level: Bit): void => bench.drive(bcm, level);

describe('RpiContactor', () => {
  it('GIVEN an active-low coil WHEN closed and opened THEN the line goes low then high before each call returns', () => {
    open();
    const c = new RpiContactor(bank.output('contactor:1', 'coil', pin(17, true)), null);
    expect(raw(17)).toBe(1);
    c.close();
    expect(raw(17)).toBe(0);
    c.open();
    expect(raw(17)).toBe(1);
    expect(c.capabilities.hasFeedback).toBe(false);
    expect(c.feedbackClosed).toBeNull();
  });

  it('GIVEN a mirror already closed at start-up (welded) WHEN created THEN feedbackClosed is true', () => {
    open();
    sysfs.pendingInputs.set(BASE + 27, 0); // normally-open aux contact, active low: 0 V = closed
    const c = new RpiContactor(bank.output('contactor:1', 'coil', pin(17)), bank.input('contactor:1', 'mirror', pin(27, true)));
    expect(c.feedbackClosed).toBe(true);
  });

  it('GIVEN a mirror WHEN it moves without a command or bounces THEN each settled change is reported once', () => {
    open();
    sysfs.pendingInputs.set(BASE + 27, 1);
    const c = new RpiContactor(bank.output('contactor:1', 'coil', pin(17)), bank.input('contactor:1', 'mirror', pin(27, true)));
    const edges = collect(c.feedback);
    drive(27, 0);
    clock.advance(4);
    drive(27, 1);
    clock.advance(4);
    drive(27, 0);
    clock.advance(10);
    drive(27, 1);
    clock.advance(2);
    drive(27, 0); // bounced back before the debounce ended: no change
    clock.advance(10);
    expect(edges).toEqual([{ closed: true }]);
  });

  it('GIVEN a coil line that fails WHEN closed THEN contactor-io is raised, the command is kept, nothing throws; a later good write clears it', () => {
    open();
    const c = new RpiContactor(bank.output('contactor:1', 'coil', pin(17)), null);
    const faults = collect<DeviceFaultEvent<'contactor-io'>>(c.faults);
    sysfs.broken.add(BASE + 17);
    expect(() => c.close()).not.toThrow();
    expect(c.commandedClosed).toBe(true);
    c.open();
    expect(faults).toEqual([{ fault: 'contactor-io', active: true, detail: expect.stringMatching(/^coil: contactor:1: coil \(GPIO17\) write failed: EIO/) }]);
    sysfs.broken.delete(BASE + 17);
    c.open();
    expect(faults.at(-1)).toEqual({ fault: 'contactor-io', active: false });
    expect(raw(17)).toBe(0);
  });
});

describe('RpiRcm', () => {
  const make = (withTest = true): RpiRcm => {
    open();
    sysfs.pendingInputs.set(BASE + 22, 1);
    // Wired as connector.ts does: no debounce on the trip input, cleared after the configured debounce.
    const trip = bank.input('rcm:1', 'trip', pin(22, true), { debounce: false });
    return new RpiRcm(trip, withTest ? bank.output('rcm:1', 'test', pin(23)) : null, clock, { clearAfterMs: 10 });
  };
  const run = async (rcm: RpiRcm, during: (ms: number) => void = () => undefined): Promise<boolean> => {
    let result: boolean | undefined;
    void rcm.selfTest().then((r) => (result = r));
    for (let ms = 0; ms < 4000 && result === undefined; ms++) {
      clock.advance(1);
      during(ms);
      await flush();
    }
    return result!;
  };

  it('GIVEN an active-low trip input WHEN it goes to 0 V THEN tripped with one change, before any time passes', () => {
    const rcm = make();
    const changes = collect(rcm.changes);
    drive(22, 0);
    expect(rcm.tripped).toBe(true);
    expect(changes).toEqual([{ tripped: true }]);
  });

  it('GIVEN a trip output that chatters WHEN its first edge reads tripped THEN the trip is reported at once, held while it chatters, and cleared only after 10 ms of quiet', () => {
    const rcm = make();
    const changes = collect(rcm.changes);
    drive(22, 0);
    expect(changes).toEqual([{ tripped: true }]);
    for (let i = 0; i < 50; i++) {
      clock.advance(3);
      drive(22, 1);
      clock.advance(3);
      drive(22, 0);
      expect(rcm.tripped).toBe(true);
    }
    drive(22, 1); // the module settles back to normal
    clock.advance(9);
    expect(rcm.tripped).toBe(true);
    clock.advance(1);
    expect(rcm.tripped).toBe(false);
    expect(changes).toEqual([{ tripped: true }, { tripped: false }]);
  });

  it('GIVEN a normal RCM WHEN the trip output pulses for 2 ms THEN the trip is reported on the first edge, not lost', () => {
    const rcm = make();
    const changes = collect(rcm.changes);
    drive(22, 0);
    const trippedAtEdge = rcm.tripped;
    clock.advance(2);
    drive(22, 1);
    clock.advance(50);
    expect(trippedAtEdge).toBe(true);
    expect(changes).toEqual([{ tripped: true }, { tripped: false }]);
  });

  it('GIVEN a trip WHEN the line returns to normal but the confirming read fails THEN it stays tripped (fail safe)', () => {
    const rcm = make();
    drive(22, 0);
    drive(22, 1);
    sysfs.broken.add(BASE + 22);
    clock.advance(50);
    expect(rcm.tripped).toBe(true);
  });

  it('GIVEN a module that never trips WHEN self-tested THEN false after the trip window, the test output released and the fault raised', async () => {
    const rcm = make();
    const faults = collect(rcm.faults);
    const started = clock.now();
    expect(await run(rcm)).toBe(false);
    expect(clock.now() - started).toBe(DEFAULT_RCM_SELF_TEST.tripWithinMs);
    expect(raw(23)).toBe(0);
    expect(faults).toEqual([{ fault: 'rcm-self-test-failed', active: true, detail: 'no trip within 1000 ms of the test output' }]);
  });

  it('GIVEN a module that trips but latches WHEN self-tested THEN false for no recovery, and the trip is reported after the test', async () => {
    const rcm = make();
    const changes = collect(rcm.changes);
    const faults = collect(rcm.faults);
    const result = await run(rcm, (ms) => ms === 50 && drive(22, 0));
    expect(result).toBe(false);
    expect(faults.at(-1)?.detail).toMatch(/still tripped 2000 ms after/);
    expect(changes).toEqual([{ tripped: true }]);
    expect(rcm.tripped).toBe(true);
  });

  it('GIVEN a failed self-test WHEN a later one passes THEN the fault clears and no trip was reported', async () => {
    const rcm = make();
    const faults = collect(rcm.faults);
    const changes = collect(rcm.changes);
    await run(rcm);
    const passed = await run(rcm, (ms) => {
      if (ms === 30) drive(22, 0);
      if (ms === 80) drive(22, 1);
    });
    expect(passed).toBe(true);
    expect(faults.map((f) => f.active)).toEqual([true, false]);
    expect(changes).toEqual([]);
  });

  it('GIVEN a self-test running WHEN another is asked for THEN the same run answers both', () => {
    const rcm = make();
    expect(rcm.selfTest()).toBe(rcm.selfTest());
  });

  it('GIVEN a trip input that cannot be read at an edge WHEN it fires THEN the RCM counts as tripped (fail safe)', () => {
    const rcm = make();
    sysfs.broken.add(BASE + 22);
    drive(22, 0);
    expect(rcm.tripped).toBe(true);
  });
});

