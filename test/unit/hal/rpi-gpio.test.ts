// GPIO on sysfs (hal/rpi/gpio-base.ts, gpio.ts): finding the chip whose base offsets BCM numbers (REFERENCE.md
// 6: dynamic bases from kernel 6.6, never hard-coded), exporting lines through the onoff-shaped factory over a
// fake sysfs tree, electrical sense, debounced and raw edges, release (outputs kept exported at their off
// level where a released pin could mean "on"), clean-up after a failed open; and the lazy-import guard.

import type * as fs from 'node:fs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HalError } from '../../../hal/errors.js';
import { findGpioChip, GpioNumbering } from '../../../hal/rpi/gpio-base.js';
import { GpioBank, loadOnoff } from '../../../hal/rpi/gpio.js';
import { importOptional } from '../../../hal/rpi/optional-import.js';
import { ManualClock } from '../../../hal/sim/index.js';
import { fakeOnoff } from '../../helpers/fake-onoff.js';
import { applyGpioKernelRules, FakeSysfs, type FakeChip } from '../../helpers/fake-sysfs.js';

/** node:fs writes to a fake tree's gpio/unexport act like the kernel's (the line directory goes). */
const kernel = vi.hoisted(() => ({ sysfs: null as FakeSysfs | null }));
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof fs>();
  const writeFileSync = (path: fs.PathOrFileDescriptor, data: string | NodeJS.ArrayBufferView, options?: fs.WriteFileOptions): void => {
    if (kernel.sysfs && applyGpioKernelRules(kernel.sysfs, String(path), data)) return;
    real.writeFileSync(path, data, options);
  };
  return { ...real, default: { ...real, writeFileSync }, writeFileSync };
});

const PI5: FakeChip[] = [
  { label: 'gpio-brcmstb@107d508500', base: 512, ngpio: 32 },
  { label: 'gpio-brcmstb@107d508520', base: 544, ngpio: 4 },
  { label: 'gpio-brcmstb@107d517c00', base: 548, ngpio: 17 },
  { label: 'gpio-brcmstb@107d517c20', base: 565, ngpio: 6 },
  { label: 'pinctrl-rp1', base: 571, ngpio: 54 },
];
const PI4: FakeChip[] = [
  { label: 'pinctrl-bcm2711', base: 512, ngpio: 58 },
  { label: 'raspberrypi-exp-gpio', base: 570, ngpio: 8 },
];
const PI3_OLD_KERNEL: FakeChip[] = [
  { label: 'pinctrl-bcm2835', base: 0, ngpio: 54 },
  { label: 'raspberrypi-exp-gpio', base: 504, ngpio: 8 },
];

let trees: FakeSysfs[] = [];
const tree = (chips: FakeChip[]): FakeSysfs => {
  const t = new FakeSysfs({ chips });
  trees.push(t);
  return t;
};
afterEach(() => {
  kernel.sysfs = null;
  for (const t of trees) t.dispose();
  trees = [];
});

describe('gpio-base: which chip offsets BCM numbers', () => {
  it.each<[string, FakeChip[], number, string]>([
    ['Pi 5 (Bookworm, +571)', PI5, 571, 'pinctrl-rp1'],
    ['Pi 4 (Bookworm, +512)', PI4, 512, 'pinctrl-bcm2711'],
    ['Pi 3 on an old kernel (+0)', PI3_OLD_KERNEL, 0, 'pinctrl-bcm2835'],
  ])('GIVEN a %s WHEN chipLabel is auto THEN the SoC bank is chosen and BCM 17 is base + 17', (_board, chips, base, label) => {
    const numbering = GpioNumbering.discover(tree(chips).gpioRoot, 'auto');
    expect(numbering.chip).toMatchObject({ base, label });
    expect(numbering.line(17)).toBe(base + 17);
  });

  it('GIVEN a configured label WHEN discovering THEN exactly that chip is used', () => {
    expect(findGpioChip(tree(PI4).gpioRoot, 'raspberrypi-exp-gpio')).toMatchObject({ base: 570, ngpio: 8 });
  });

  it('GIVEN no chip with the configured label WHEN discovering THEN the HalError lists every chip found', () => {
    const t = tree(PI4);
    const err = (() => {
      try {
        findGpioChip(t.gpioRoot, 'pinctrl-rp1');
      } catch (e) {
        return e as HalError;
      }
    })();
    expect(err).toBeInstanceOf(HalError);
    expect(err!.message).toMatch(/no gpiochip matches a chip labelled 'pinctrl-rp1'/);
    expect(err!.message).toContain('gpiochip512 (label pinctrl-bcm2711, base 512, 58 lines)');
    expect(err!.message).toContain('gpiochip570 (label raspberrypi-exp-gpio, base 570, 8 lines)');
  });

  it('GIVEN only an expander chip WHEN chipLabel is auto THEN it is not mistaken for the SoC bank', () => {
    expect(() => findGpioChip(tree([{ label: 'raspberrypi-exp-gpio', base: 570, ngpio: 8 }]).gpioRoot, 'auto')).toThrow(/found: gpiochip570/);
  });

  it('GIVEN two SoC-like banks WHEN chipLabel is auto THEN it refuses to guess', () => {
    const chips = [...PI4, { label: 'pinctrl-mcp23017', base: 600, ngpio: 32 }];
    expect(() => findGpioChip(tree(chips).gpioRoot, 'auto')).toThrow(/several gpiochips match.*Set hal.gpio.chipLabel/);
  });

  it('GIVEN no sysfs GPIO directory WHEN discovering THEN a HalError says so', () => {
    expect(() => findGpioChip('/nonexistent/sys/class/gpio', 'auto')).toThrow(HalError);
  });

  it('GIVEN the expander chip WHEN BCM 17 is asked for THEN a HalError says it has only 8 lines', () => {
    const numbering = GpioNumbering.discover(tree(PI4).gpioRoot, 'raspberrypi-exp-gpio');
    expect(() => numbering.line(17)).toThrow(/BCM 17 is not a line of gpiochip570.*8 lines/);
  });
});

describe('GpioBank over the fake onoff', () => {
  const bank = (chips = PI4) => {
    const sysfs = tree(chips);
    const clock = new ManualClock();
    const onoff = fakeOnoff(sysfs, clock);
    return { sysfs, clock, onoff, bank: new GpioBank({ sysfsRoot: sysfs.gpioRoot, chipLabel: 'auto', debounceMs: 10 }, onoff.factory) };
  };

  it('GIVEN an active-high output WHEN opened and set THEN line base+BCM starts low and follows', () => {
    const { sysfs, bank: b } = bank();
    const out = b.output('contactor:1', 'coil', { pin: 17, activeLow: false });
    expect(sysfs.attr(529, 'direction')).toBe('out');
    expect(sysfs.raw(529)).toBe(0);
    out.set(true);
    expect(sysfs.raw(529)).toBe(1);
    expect(out.active).toBe(true);
  });

  it('GIVEN an active-low output WHEN opened THEN it starts electrically high (inactive) and active drives it low', () => {
    const { sysfs, bank: b } = bank(PI5);
    const out = b.output('lock:1', 'motorA', { pin: 5, activeLow: true });
    expect(sysfs.attr(576, 'active_low')).toBe('1');
    expect(sysfs.raw(576)).toBe(1);
    out.set(true);
    expect(sysfs.raw(576)).toBe(0);
  });

  it('GIVEN an input WHEN it bounces within the debounce time THEN one edge with the settled level is reported', () => {
    const { sysfs, clock, onoff, bank: b } = bank();
    const input = b.input('rcm:1', 'trip', { pin: 22, activeLow: true });
    expect(onoff.opened[0]).toMatchObject({ edge: 'both', options: { activeLow: true, debounceTimeout: 10 } });
    const levels: boolean[] = [];
    input.watch((l) => levels.push(l), () => undefined);
    sysfs.drive(534, 0);
    clock.advance(3);
    sysfs.drive(534, 1);
    clock.advance(3);
    sysfs.drive(534, 0);
    clock.advance(9);
    expect(levels).toEqual([]);
    clock.advance(1);
    expect(levels).toEqual([true]); // active low: 0 V = tripped
    expect(input.read()).toBe(true);
  });

  it('GIVEN a wrong base WHEN a line outside every chip is exported THEN the kernel EINVAL becomes a HalError naming pin and line', () => {
    const { sysfs, onoff } = bank();
    const hardCoded = new GpioNumbering({ name: 'gpiochip0', base: 0, label: 'pinctrl-bcm2711', ngpio: 58 });
    const b = new GpioBank({ sysfsRoot: sysfs.gpioRoot, chipLabel: 'auto', debounceMs: 10 }, onoff.factory, hardCoded);
    expect(() => b.output('contactor:1', 'coil', { pin: 27, activeLow: false })).toThrow(/contactor:1: cannot export coil GPIO27 as line 27.*EINVAL/);
  });

  it('GIVEN a line whose writes fail WHEN set THEN a HalError names the device and role', () => {
    const { sysfs, bank: b } = bank();
    const out = b.output('contactor:1', 'coil', { pin: 17, activeLow: false });
    sysfs.broken.add(529);
    expect(() => out.set(true)).toThrow(/^contactor:1: coil \(GPIO17\) write failed: EIO/);
  });

  it('GIVEN several open lines WHEN released THEN every one is unexported', () => {
    const { sysfs, bank: b } = bank();
    b.output('contactor:1', 'coil', { pin: 17, activeLow: false });
    b.input('contactor:1', 'mirror', { pin: 27, activeLow: true });
    expect(b.releaseAll()).toEqual([]);
    expect(sysfs.isExported(529)).toBe(false);
    expect(sysfs.isExported(539)).toBe(false);
    expect(readFileSync(join(sysfs.gpioRoot, 'unexport'), 'utf8').split('\n').filter(Boolean).sort()).toEqual(['529', '539']);
  });
});

describe('GpioBank: raw edges, kept outputs, failed opens', () => {
  const bank = (chips = PI4) => {
    const sysfs = tree(chips);
    kernel.sysfs = sysfs;
    const clock = new ManualClock();
    const onoff = fakeOnoff(sysfs, clock);
    return { sysfs, clock, onoff, bank: new GpioBank({ sysfsRoot: sysfs.gpioRoot, chipLabel: 'auto', debounceMs: 10 }, onoff.factory) };
  };

  it('GIVEN an input opened without debounce WHEN the line chatters THEN every edge arrives at once with the level read then', () => {
    const { sysfs, onoff, bank: b } = bank();
    sysfs.pendingInputs.set(534, 1); // active low: idle high
    const input = b.input('rcm:1', 'trip', { pin: 22, activeLow: true }, { debounce: false });
    expect(onoff.opened[0]!.options).toEqual({ activeLow: true, debounceTimeout: 0 });
    const levels: boolean[] = [];
    input.watch((l) => levels.push(l), () => undefined);
    sysfs.drive(534, 0);
    expect(levels).toEqual([true]); // no clock advanced: nothing waits
    sysfs.drive(534, 1);
    sysfs.drive(534, 0);
    expect(levels).toEqual([true, false, true]);
    expect(b.debounceMs).toBe(10);
  });

  it('GIVEN an active-low coil kept exported WHEN released THEN it stays an output at its off level while other lines are unexported', () => {
    const { sysfs, bank: b } = bank();
    const coil = b.output('contactor:1', 'coil', { pin: 26, activeLow: true }, { keepExported: true });
    b.output('indicator:1', 'red', { pin: 16, activeLow: true });
    coil.set(true);
    coil.set(false);
    expect(b.releaseAll()).toEqual([]);
    expect(sysfs.isExported(538)).toBe(true);
    expect(sysfs.attr(538, 'direction')).toBe('out');
    expect(sysfs.electrical(538, 0)).toBe(1); // high = off, whatever the default pull-down would do
    expect(sysfs.isExported(528)).toBe(false);
    expect(sysfs.electrical(528, 0)).toBe(0); // released: the pull-down lights an active-low LED (harmless)
  });

  it('GIVEN a coil line a previous run left exported WHEN opened again THEN the export is reused and the off level driven', () => {
    const { sysfs, bank: first } = bank();
    first.output('contactor:1', 'coil', { pin: 26, activeLow: true }, { keepExported: true });
    first.releaseAll();
    const clock = new ManualClock();
    const again = new GpioBank({ sysfsRoot: sysfs.gpioRoot, chipLabel: 'auto', debounceMs: 10 }, fakeOnoff(sysfs, clock).factory);
    const from = sysfs.writes.length;
    const coil = again.output('contactor:1', 'coil', { pin: 26, activeLow: true }, { keepExported: true });
    expect(readFileSync(join(sysfs.gpioRoot, 'export'), 'utf8').split('\n').filter(Boolean)).toEqual(['538']);
    expect(sysfs.writes.slice(from)).toEqual([
      { line: 538, raw: 1 },
      { line: 538, raw: 1 },
    ]);
    coil.set(true);
    expect(sysfs.raw(538)).toBe(0);
  });

  it('GIVEN onoff failing after it exported a line WHEN opened THEN the HalError is thrown and the line is unexported again', () => {
    const { sysfs, bank: b } = bank();
    sysfs.failAfterExport.add(529);
    expect(() => b.output('contactor:1', 'coil', { pin: 17, activeLow: false })).toThrow(/contactor:1: cannot export coil GPIO17 as line 529.*EACCES/);
    expect(readFileSync(join(sysfs.gpioRoot, 'export'), 'utf8').trim()).toBe('529');
    expect(sysfs.isExported(529)).toBe(false);
    expect(b.releaseAll()).toEqual([]);
  });

  it('GIVEN a line exported before (a kept coil) WHEN onoff fails on it THEN it is left exported at its level', () => {
    const { sysfs, bank: first } = bank();
    first.output('contactor:1', 'coil', { pin: 26, activeLow: true }, { keepExported: true });
    first.releaseAll();
    sysfs.failAfterExport.add(538);
    const again = new GpioBank({ sysfsRoot: sysfs.gpioRoot, chipLabel: 'auto', debounceMs: 10 }, fakeOnoff(sysfs, new ManualClock()).factory);
    expect(() => again.output('contactor:1', 'coil', { pin: 26, activeLow: true }, { keepExported: true })).toThrow(/EACCES/);
    expect(sysfs.isExported(538)).toBe(true);
    expect(sysfs.electrical(538, 0)).toBe(1);
  });
});

describe('lazy packages', () => {
  it('GIVEN a GPIO root other than /sys/class/gpio WHEN onoff is loaded THEN a HalError says onoff cannot use it', async () => {
    await expect(loadOnoff({ sysfsRoot: '/tmp/gpio', chipLabel: 'auto', debounceMs: 10 })).rejects.toThrow(/onoff only drives \/sys\/class\/gpio/);
  });

  it('GIVEN a package that is not installed WHEN a driver needs it THEN the HalError says how to install it', async () => {
    await expect(importOptional('evse-no-such-package-x', 'gpio', 'Gpio')).rejects.toThrow(
      'gpio: driver gpio needs package evse-no-such-package-x, install with: npm install evse-no-such-package-x',
    );
  });

  it('GIVEN an installed CommonJS package WHEN imported THEN the member is found on the namespace or its default', async () => {
    const spi = await importOptional<{ openSync: unknown }>('spi-device', 'adc', 'openSync');
    expect(typeof spi.openSync).toBe('function');
  });
});
