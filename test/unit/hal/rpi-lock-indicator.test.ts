// Lock and LEDs on GPIO (hal/rpi/lock.ts, indicator.ts) beyond the shared contracts: the H-bridge never
// shorted, pulse timing, 'lock-io', LED colour mixing and blink timing, on a fake sysfs tree and a ManualClock.

import { afterEach, describe, expect, it, vi } from 'vitest';
import type { GpioPin } from '../../../hal/config.js';
import { HalError } from '../../../hal/errors.js';
import type { GpioBank } from '../../../hal/rpi/gpio.js';
import { RpiIndicator } from '../../../hal/rpi/indicator.js';
import { RpiLock } from '../../../hal/rpi/lock.js';
import type { ManualClock } from '../../../hal/sim/index.js';
import { collect, fakeBench, type FakeBench } from '../../helpers/fake-onoff.js';
import type { Bit, FakeSysfs } from '../../helpers/fake-sysfs.js';

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

describe('RpiLock', () => {
  const make = (feedback: boolean): RpiLock => {
    open();
    sysfs.pendingInputs.set(BASE + 13, 1);
    const sensor = feedback ? bank.input('lock:1', 'feedback', pin(13, true)) : null;
    return new RpiLock(bank.output('lock:1', 'motorA', pin(5)), bank.output('lock:1', 'motorB', pin(6)), sensor, 300, clock);
  };
  /** Replays every write and checks motorA and motorB were never both on. */
  const neverBothOn = (): boolean => {
    const level = { [BASE + 5]: 0, [BASE + 6]: 0 } as Record<number, number>;
    return sysfs.writes.every((w) => {
      if (!(w.line in level)) return true;
      level[w.line] = w.raw;
      return !(level[BASE + 5] === 1 && level[BASE + 6] === 1);
    });
  };

  it('GIVEN a lock WHEN locked THEN motorA runs for pulseMs, then both are off', () => {
    const lock = make(false);
    lock.lock();
    expect([raw(5), raw(6)]).toEqual([1, 0]);
    clock.advance(299);
    expect(raw(5)).toBe(1);
    clock.advance(1);
    expect([raw(5), raw(6)]).toEqual([0, 0]);
  });

  it('GIVEN a lock pulse running WHEN unlock comes THEN motorA stops before motorB starts, and the pulse restarts', () => {
    const lock = make(false);
    lock.lock();
    clock.advance(100);
    lock.unlock();
    expect([raw(5), raw(6)]).toEqual([0, 1]);
    clock.advance(299);
    expect(raw(6)).toBe(1);
    clock.advance(1);
    expect(raw(6)).toBe(0);
    expect(neverBothOn()).toBe(true);
  });

  it('GIVEN no position switch WHEN locked THEN no feedback is invented', () => {
    const lock = make(false);
    const seen = collect(lock.feedback);
    lock.lock();
    clock.advance(1000);
    expect(lock.capabilities.hasFeedback).toBe(false);
    expect(seen).toEqual([]);
  });

  it('GIVEN a motor line that fails WHEN locking THEN lock-io is raised and the other side is left off', () => {
    const lock = make(true);
    const faults = collect(lock.faults);
    sysfs.broken.add(BASE + 5);
    lock.lock();
    expect(faults[0]).toMatchObject({ fault: 'lock-io', active: true });
    expect(raw(6)).toBe(0);
    sysfs.broken.delete(BASE + 5);
    lock.unlock();
    expect(faults.at(-1)).toEqual({ fault: 'lock-io', active: false });
  });

  it('GIVEN a pulse running WHEN stopped THEN both motor outputs are off at once and stay off', () => {
    const lock = make(false);
    lock.lock();
    expect(lock.stop()).toBeNull();
    expect([raw(5), raw(6)]).toEqual([0, 0]);
    const writes = sysfs.writes.length;
    clock.advance(1000);
    expect(sysfs.writes.length).toBe(writes);
  });
});

describe('RpiIndicator', () => {
  const make = (leds: Array<'red' | 'green' | 'blue'>, onError: (e: unknown) => void = () => undefined): RpiIndicator => {
    open();
    const bcm = { red: 16, green: 20, blue: 21 } as const;
    const pins = Object.fromEntries(leds.map((c) => [c, bank.output('indicator:1', c, pin(bcm[c]))]));
    return new RpiIndicator(pins, clock, onError);
  };
  const rgb = (): Array<Bit | undefined> => [raw(16), raw(20), raw(21)];

  it.each<[Array<'red' | 'green' | 'blue'>, string[]]>([
    [['red', 'green', 'blue'], ['off', 'green', 'blue', 'yellow', 'red', 'white']],
    [['red', 'green'], ['off', 'green', 'yellow', 'red']],
    [['blue'], ['off', 'blue']],
    [[], ['off']],
  ])('GIVEN LEDs %j WHEN created THEN the colours it can mix are %j', (leds, colours) => {
    expect([...make(leds).capabilities.colours].sort()).toEqual([...colours].sort());
  });

  it('GIVEN RGB LEDs WHEN yellow and then white are shown THEN red+green, then all three are lit', () => {
    const ind = make(['red', 'green', 'blue']);
    ind.set({ colour: 'yellow', pattern: 'solid' });
    expect(rgb()).toEqual([1, 1, 0]);
    ind.set({ colour: 'white', pattern: 'solid' });
    expect(rgb()).toEqual([1, 1, 1]);
  });

  it.each([
    ['slow-blink', 500, 500],
    ['fast-blink', 125, 125],
    ['pulse', 150, 850],
  ] as const)('GIVEN green %s WHEN time passes THEN it is on %s ms, off %s ms, on again', (pattern, onMs, offMs) => {
    const ind = make(['red', 'green', 'blue']);
    ind.set({ colour: 'green', pattern });
    expect(raw(20)).toBe(1);
    clock.advance(onMs - 1);
    expect(raw(20)).toBe(1);
    clock.advance(1);
    expect(raw(20)).toBe(0);
    clock.advance(offMs);
    expect(raw(20)).toBe(1);
  });

  it('GIVEN a blinking LED WHEN set to solid THEN the blinking stops', () => {
    const ind = make(['red']);
    ind.set({ colour: 'red', pattern: 'fast-blink' });
    ind.set({ colour: 'red', pattern: 'solid' });
    clock.advance(2000);
    expect(raw(16)).toBe(1);
    expect(clock.pending).toBe(0);
  });

  it('GIVEN a blinking LED WHEN its line starts failing THEN the error goes to onError and the blinking stops', () => {
    const onError = vi.fn();
    const ind = make(['red'], onError);
    ind.set({ colour: 'red', pattern: 'slow-blink' });
    sysfs.broken.add(BASE + 16);
    clock.advance(500);
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError.mock.calls[0]![0]).toBeInstanceOf(HalError);
    expect(clock.pending).toBe(0);
  });

  it('GIVEN a lit pattern WHEN off() THEN every LED is off and no timer is left', () => {
    const ind = make(['red', 'green', 'blue']);
    ind.set({ colour: 'white', pattern: 'pulse' });
    expect(ind.off()).toBeNull();
    expect(rgb()).toEqual([0, 0, 0]);
    expect(ind.state).toEqual({ colour: 'off', pattern: 'solid' });
    expect(clock.pending).toBe(0);
  });
});
