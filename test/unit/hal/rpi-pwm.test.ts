// Hardware PWM through sysfs (hal/rpi/pwm.ts) against a fake pwmchip tree that enforces the kernel's rules
// (sysfs-class-pwm ABI: duty <= period at every write, no enable with period 0, polarity only while disabled,
// export creates the channel): node:fs writeFileSync is wrapped so each write is checked like the kernel would.

import { mkdirSync, rmSync, writeFileSync as realWrite } from 'node:fs';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HalError } from '../../../hal/errors.js';
import { SysfsPwm } from '../../../hal/rpi/pwm.js';
import { applyPwmKernelRules, FakeSysfs } from '../../helpers/fake-sysfs.js';

const kernel = vi.hoisted(() => ({ check: null as null | ((path: string, data: unknown) => void) }));
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof fs>();
  const writeFileSync = vi.fn((path: fs.PathOrFileDescriptor, data: string | NodeJS.ArrayBufferView, options?: fs.WriteFileOptions) => {
    kernel.check?.(String(path), data);
    return real.writeFileSync(path, data, options);
  });
  return { ...real, default: { ...real, writeFileSync }, writeFileSync };
});

const PERIOD = 1_000_000;
let sysfs: FakeSysfs;
beforeEach(() => {
  sysfs = new FakeSysfs();
  kernel.check = (path, data) => applyPwmKernelRules(sysfs, path, data);
});
afterEach(() => {
  kernel.check = null;
  sysfs.dispose();
});

const pwm = (chip = 0, channel = 0): SysfsPwm => new SysfsPwm({ sysfsRoot: sysfs.pwmRoot, chip, channel }, 'pilot:1');
/** Writes a channel's attributes directly, bypassing the kernel rules (its state left by someone else). */
const preset = (values: Record<string, string>): void => {
  const check = kernel.check;
  kernel.check = null;
  sysfs.exportPwm(0, 0);
  for (const [f, v] of Object.entries(values)) realWrite(join(sysfs.pwmDir(0, 0), f), `${v}\n`);
  kernel.check = check;
  vi.mocked(fs.writeFileSync).mockClear();
};
const writesTo = (file: string): string[] =>
  vi
    .mocked(fs.writeFileSync)
    .mock.calls.filter(([p]) => String(p).endsWith(`/${file}`))
    .map(([, d]) => String(d));

describe('SysfsPwm', () => {
  beforeEach(() => {
    vi.mocked(fs.writeFileSync).mockClear();
  });

  it('GIVEN the channel is not exported WHEN opened THEN it is exported and set to 1 kHz, disabled', () => {
    const p = pwm();
    p.open(PERIOD, PERIOD);
    expect(writesTo('export')).toEqual(['0']);
    expect(sysfs.pwm()).toEqual({ periodNs: PERIOD, dutyNs: PERIOD, enabled: false, polarity: 'normal' });
    p.setEnabled(true);
    expect(sysfs.pwm().enabled).toBe(true);
  });

  it('GIVEN no pwmchip WHEN opened THEN a HalError says which overlay enables hardware PWM', () => {
    expect(() => pwm(3).open(PERIOD, PERIOD)).toThrow(/pilot:1: no .*pwmchip3: enable hardware PWM \(dtoverlay=pwm/);
  });

  it('GIVEN a running channel with inverted polarity and a longer period WHEN opened THEN it is disabled first and reconfigured without a kernel error', () => {
    preset({ period: '2000000', duty_cycle: '1500000', enable: '1', polarity: 'inversed' });
    pwm().open(PERIOD, 100_000);
    expect(sysfs.pwm()).toEqual({ periodNs: PERIOD, dutyNs: 100_000, enabled: false, polarity: 'normal' });
    expect(writesTo('enable')).toEqual(['0']);
    // shrinking: duty first (1.5 ms would exceed the new 1 ms period), then period
    expect(vi.mocked(fs.writeFileSync).mock.calls.map(([p]) => String(p).split('/').pop()).filter((f) => f === 'period' || f === 'duty_cycle')).toEqual([
      'duty_cycle',
      'period',
    ]);
  });

  it('GIVEN a channel left with a short period WHEN opened at 1 kHz THEN the period grows before the duty', () => {
    preset({ period: '500000', duty_cycle: '400000' });
    pwm().open(PERIOD, PERIOD);
    expect(sysfs.pwm()).toMatchObject({ periodNs: PERIOD, dutyNs: PERIOD });
  });

  it('GIVEN an open channel WHEN the same duty is set twice THEN it is written once', () => {
    const p = pwm();
    p.open(PERIOD, PERIOD);
    vi.mocked(fs.writeFileSync).mockClear();
    p.setDuty(267_000);
    p.setDuty(267_000);
    expect(writesTo('duty_cycle')).toEqual(['267000']);
  });

  it('GIVEN an open channel WHEN a duty above the period is asked for THEN a HalError, nothing written', () => {
    const p = pwm();
    p.open(PERIOD, PERIOD);
    vi.mocked(fs.writeFileSync).mockClear();
    expect(() => p.setDuty(PERIOD + 1)).toThrow(HalError);
    expect(writesTo('duty_cycle')).toEqual([]);
  });

  it('GIVEN a channel with period 0 WHEN enabled before any period THEN the kernel refusal becomes a HalError naming the file', () => {
    sysfs.exportPwm(0, 0);
    const p = new SysfsPwm({ sysfsRoot: sysfs.pwmRoot, chip: 0, channel: 0 }, 'pilot:1');
    expect(() => p.setEnabled(true)).toThrow(/pilot:1: writing 1 to .*pwm0\/enable failed: EINVAL/);
  });

  it('GIVEN a duty_cycle attribute that cannot be written WHEN the duty changes THEN a HalError, and the cached duty is unchanged', () => {
    const p = pwm();
    p.open(PERIOD, PERIOD);
    const file = join(sysfs.pwmDir(0, 0), 'duty_cycle');
    rmSync(file);
    mkdirSync(file);
    expect(() => p.setDuty(100_000)).toThrow(HalError);
    expect(p.dutyNs).toBe(PERIOD);
  });
});
