// The Raspberry Pi pilot front-end (hal/rpi/pilot.ts + pilot-sampler.ts) on the fake rig: PWM levels in the
// sysfs files (checked against the kernel's PWM rules), the leave-PWM sequence, sampling cadence and
// peak-hold reset, the two-sample rule on the real line, the diode check, and I/O failures as 'pilot-io'.

import * as fs from 'node:fs';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HalError } from '../../../hal/errors.js';
import { LEAVE_PWM_MS } from '../../../hal/rpi/pilot.js';
import type { ControlPilotFault, DeviceFaultEvent, PilotSample } from '../../../hal/types.js';
import { applyPwmKernelRules } from '../../helpers/fake-sysfs.js';
import { createRpiRig, type RpiRig, type RpiRigOptions } from '../../helpers/rpi-rig.js';

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
const INTERVAL = 20;
let rig: RpiRig;
let samples: PilotSample[];
let faults: DeviceFaultEvent<ControlPilotFault>[];
const states = (): string[] => samples.map((s) => s.state);

async function start(o: RpiRigOptions = {}): Promise<RpiRig> {
  rig = await createRpiRig({ ...o, onSysfs: (sysfs) => (kernel.check = (path, data) => applyPwmKernelRules(sysfs, path, data)) });
  samples = [];
  faults = [];
  rig.hal.pilot.samples.on((s) => samples.push(s));
  rig.hal.pilot.faults.on((f) => faults.push(f));
  return rig;
}
afterEach(async () => {
  kernel.check = null;
  await rig?.dispose();
});

describe('rpi pilot: driving the CP', () => {
  beforeEach(() => start({ pwmUnexported: true }));

  it('GIVEN a new front-end WHEN started THEN the channel is exported at 1 kHz, 100 % (+12 V), enabled, and the stage is on', () => {
    expect(rig.sysfs.pwm()).toEqual({ periodNs: PERIOD, dutyNs: PERIOD, enabled: true, polarity: 'normal' });
    expect(rig.sysfs.lastDriven(rig.lineOf(24))).toBe(1);
  });

  it.each([
    [10, 100_000],
    [26.7, 267_000],
    [53.3, 533_000],
    [96, 960_000],
  ])('GIVEN steady WHEN PWM at %s percent is set THEN duty_cycle is %s ns before setOutput returns', (duty, ns) => {
    rig.hal.pilot.setOutput({ mode: 'pwm', dutyPercent: duty });
    expect(rig.sysfs.pwm()).toMatchObject({ periodNs: PERIOD, dutyNs: ns, enabled: true });
  });

  it('GIVEN PWM WHEN negative is set THEN duty is 0 % (steady -12 V) and the line reads F', async () => {
    rig.hal.pilot.setOutput({ mode: 'pwm', dutyPercent: 26.7 });
    rig.hal.pilot.setOutput({ mode: 'negative' });
    expect(rig.sysfs.pwm()).toMatchObject({ dutyNs: 0, enabled: true });
    await rig.settle(100);
    expect(samples.at(-1)).toMatchObject({ state: 'F', highV: -12, lowV: -12, diodeOk: null });
  });

  it('GIVEN PWM WHEN off is set THEN the stage goes off at once, 100 % is held, and the channel is disabled 2 ms later', () => {
    rig.hal.pilot.setOutput({ mode: 'pwm', dutyPercent: 26.7 });
    rig.hal.pilot.setOutput({ mode: 'off' });
    expect(rig.hal.pilot.output).toEqual({ mode: 'off' });
    expect(rig.sysfs.lastDriven(rig.lineOf(24))).toBe(0);
    expect(rig.sysfs.pwm()).toMatchObject({ dutyNs: PERIOD, enabled: true });
    rig.clock.advance(LEAVE_PWM_MS - 1);
    expect(rig.sysfs.pwm().enabled).toBe(true);
    rig.clock.advance(1);
    expect(rig.sysfs.pwm().enabled).toBe(false);
  });

  it('GIVEN off was just set WHEN PWM comes back within 2 ms THEN the pending disable is dropped', () => {
    rig.hal.pilot.setOutput({ mode: 'off' });
    rig.hal.pilot.setOutput({ mode: 'pwm', dutyPercent: 16 });
    rig.clock.advance(10);
    expect(rig.sysfs.pwm()).toMatchObject({ dutyNs: 160_000, enabled: true });
    expect(rig.sysfs.lastDriven(rig.lineOf(24))).toBe(1);
  });

  it('GIVEN a disabled channel after off WHEN steady is set THEN it is enabled again at 100 %', () => {
    rig.hal.pilot.setOutput({ mode: 'off' });
    rig.clock.advance(5);
    rig.hal.pilot.setOutput({ mode: 'steady' });
    expect(rig.sysfs.pwm()).toMatchObject({ dutyNs: PERIOD, enabled: true });
  });

  it('GIVEN PWM WHEN an invalid duty is commanded THEN HalError and duty_cycle is untouched', () => {
    rig.hal.pilot.setOutput({ mode: 'pwm', dutyPercent: 26.7 });
    expect(() => rig.hal.pilot.setOutput({ mode: 'pwm', dutyPercent: 100 })).toThrow(HalError);
    expect(rig.sysfs.pwm().dutyNs).toBe(267_000);
  });

  it('GIVEN a duty_cycle file that cannot be written WHEN PWM is set THEN pilot-io is raised, nothing throws, output stays; a later good write clears it', () => {
    const file = join(rig.sysfs.pwmDir(0, 0), 'duty_cycle');
    rmSync(file);
    mkdirSync(file);
    expect(() => rig.hal.pilot.setOutput({ mode: 'pwm', dutyPercent: 26.7 })).not.toThrow();
    expect(rig.hal.pilot.output).toEqual({ mode: 'steady' });
    expect(faults).toEqual([{ fault: 'pilot-io', active: true, detail: expect.stringMatching(/^pwm: .*duty_cycle/) }]);
    rmSync(file, { recursive: true });
    fs.writeFileSync(file, `${PERIOD}\n`);
    rig.hal.pilot.setOutput({ mode: 'pwm', dutyPercent: 26.7 });
    expect(faults.at(-1)).toEqual({ fault: 'pilot-io', active: false });
  });
});

describe('rpi pilot: reading the CP', () => {
  beforeEach(() => start());

  it('GIVEN a new front-end WHEN one interval passes THEN nothing yet; after the second the A sample arrives', () => {
    rig.clock.advance(INTERVAL);
    expect(samples).toEqual([]);
    rig.clock.advance(INTERVAL);
    expect(samples).toEqual([{ state: 'A', highV: 12, lowV: 12, diodeOk: null }]);
  });

  it('GIVEN a steady B WHEN the line shows A for a single sample THEN the glitch is not reported', async () => {
    rig.line.ev.plugged = true;
    await rig.settle(100);
    const before = samples.length;
    rig.clock.advance(INTERVAL - 1); // settle() ended on a sample tick: the next is INTERVAL away
    rig.line.override = { highV: 12, lowV: 12 };
    rig.clock.advance(1); // exactly one sample sees 12 V
    rig.line.override = null;
    await rig.settle(200);
    expect(samples.length).toBe(before);
    expect(samples.at(-1)?.state).toBe('B');
  });

  it('GIVEN no EV and steady WHEN PWM starts THEN A is reported again, now with the diode check (output changed)', async () => {
    await rig.settle(100);
    rig.hal.pilot.setOutput({ mode: 'pwm', dutyPercent: 26.7 });
    await rig.settle(100);
    expect(samples).toEqual([
      { state: 'A', highV: 12, lowV: 12, diodeOk: null },
      { state: 'A', highV: 12, lowV: -12, diodeOk: true },
    ]);
  });

  it('GIVEN an EV in B under PWM WHEN its diode is missing THEN diodeOk=false with the negative half near -9 V', async () => {
    rig.line.ev.plugged = true;
    rig.line.ev.diode = false;
    rig.hal.pilot.setOutput({ mode: 'pwm', dutyPercent: 26.7 });
    await rig.settle(100);
    expect(samples.at(-1)).toMatchObject({ state: 'B', diodeOk: false });
    expect(samples.at(-1)!.lowV).toBeCloseTo(-9, 1);
  });

  it('GIVEN a CP shorted to PE WHEN sampled THEN E', async () => {
    rig.line.ev.plugged = true;
    rig.line.ev.shorted = true;
    await rig.settle(100);
    expect(samples.at(-1)?.state).toBe('E');
  });

  it('GIVEN a peak-reset pin WHEN a sample is taken THEN the reset is pulsed after it, for 1 ms', () => {
    const reset = rig.lineOf(25);
    const pulses = (): number => rig.sysfs.writes.filter((w) => w.line === reset && w.raw === 1).length;
    rig.clock.advance(INTERVAL - 1);
    expect(pulses()).toBe(0);
    rig.clock.advance(1);
    expect(rig.sysfs.lastDriven(reset)).toBe(1);
    rig.clock.advance(1);
    expect(rig.sysfs.lastDriven(reset)).toBe(0);
    rig.clock.advance(INTERVAL * 4);
    expect(pulses()).toBe(5);
  });

  it('GIVEN a steady line WHEN the ADC fails once THEN nothing; twice THEN pilot-io and an invalid sample; on recovery both clear', async () => {
    rig.line.ev.plugged = true;
    await rig.settle(100);
    rig.spi!.fail = true;
    rig.clock.advance(INTERVAL);
    expect(faults).toEqual([]);
    rig.clock.advance(INTERVAL);
    expect(faults).toEqual([{ fault: 'pilot-io', active: true, detail: expect.stringMatching(/^adc: pilot:1: MCP3008 channel 0/) }]);
    expect(samples.at(-1)).toMatchObject({ state: 'invalid', diodeOk: null });
    await rig.settle(100);
    expect(states().filter((s) => s === 'invalid')).toHaveLength(1);
    rig.spi!.fail = false;
    await rig.settle(100);
    expect(faults.at(-1)).toEqual({ fault: 'pilot-io', active: false });
    expect(states()).toEqual(['B', 'invalid', 'B']);
  });

  it('GIVEN sampling WHEN the connector is closed THEN no further ADC transfers happen', async () => {
    await rig.settle(100);
    await rig.connector.close();
    const sent = rig.spi!.sent.length;
    rig.clock.advance(1000);
    expect(rig.spi!.sent.length).toBe(sent);
  });
});

describe('rpi pilot: ADS1115 sequence', () => {
  beforeEach(() => start({ adc: 'ads1115' }));

  it('GIVEN an ADS1115 WHEN a tick comes THEN high then low are converted 2 ms apart and the sample follows the second', () => {
    rig.clock.advance(INTERVAL);
    expect(rig.i2c!.configs).toHaveLength(1);
    rig.clock.advance(2);
    expect(rig.i2c!.configs).toHaveLength(2);
    expect(rig.i2c!.configs.map((w) => (w >> 12) & 7)).toEqual([0b100, 0b101]); // AIN0 then AIN1
    rig.clock.advance(INTERVAL);
    expect(samples).toEqual([]);
    rig.clock.advance(2);
    expect(samples.map((s) => s.state)).toEqual(['A']);
  });
});
