// How fast the Raspberry Pi pilot front-end (hal/rpi/pilot.ts + pilot-sampler.ts + pilot-classify.ts) reports
// a CP change (REFERENCE.md 1.3: unplug / C->B within 100 ms): worstDetectionMs() against the implementation
// on the fake rig with modelled peak-hold capacitors (a sweep over change phases and output-change times
// must never exceed it, and must reach it), the sampler never starting while the peak reset is held, a
// flickering diode never delaying C->B, and lastSampleAt (sampler freshness). All on a ManualClock.

import { afterEach, describe, expect, it } from 'vitest';
import type { AdcConfig } from '../../../hal/config.js';
import { openCpAdc } from '../../../hal/rpi/adc.js';
import type { RpiPilot } from '../../../hal/rpi/pilot.js';
import { conversionMsOf, worstDetectionMs } from '../../../hal/rpi/pilot-timing.js';
import type { PilotSample } from '../../../hal/types.js';
import { FakeCpLine, fakeI2cBus, fakeSpiDevice } from '../../helpers/fake-adc.js';
import { FakeSysfs } from '../../helpers/fake-sysfs.js';
import { createRpiRig, rigHwConfig, type RpiRig } from '../../helpers/rpi-rig.js';

let rig: RpiRig | null = null;
afterEach(async () => {
  await rig?.dispose();
  rig = null;
});

describe('worstDetectionMs', () => {
  it.each<[number, AdcConfig['type'], number]>([
    [20, 'mcp3008', 79], // 39 (a fall hidden by the old peak) + 20 (second sample) + 20 (one output change)
    [25, 'mcp3008', 99],
    [26, 'mcp3008', 103],
    [5, 'mcp3008', 19],
    [20, 'ads1115', 99], // 35 + 20 + 40 (the confirming sample in flight is dropped) + 4 (two conversions)
    [21, 'ads1115', 104],
    [25, 'ads1115', 124],
    [5, 'ads1115', 49], // every other tick is skipped: the sequence and the peak reset take 5 ms
  ])('GIVEN a %s ms interval on an %s THEN the worst case is %s ms', (interval, adc, worst) => {
    expect(worstDetectionMs(interval, adc)).toBe(worst);
  });

  it.each([0, -5, Number.NaN, Number.POSITIVE_INFINITY])('GIVEN an interval of %s THEN the worst case is Infinity (refused)', (interval) => {
    expect(worstDetectionMs(interval, 'mcp3008')).toBe(Number.POSITIVE_INFINITY);
  });

  it.each(['mcp3008', 'ads1115'] as const)('GIVEN the %s driver THEN the conversion time used is the one the driver waits', async (type) => {
    const sysfs = new FakeSysfs();
    try {
      const hw = rigHwConfig({ adc: type });
      const line = new FakeCpLine(sysfs, { chip: 0, channel: 0 });
      const adcCfg = hw.pilot.adc;
      const modules = adcCfg.type === 'mcp3008' ? { spi: fakeSpiDevice(line, adcCfg, hw.pilot.calibration) } : { i2c: fakeI2cBus(line, adcCfg, hw.pilot.calibration) };
      const adc = await openCpAdc(adcCfg, 'pilot:1', modules);
      expect(conversionMsOf(type)).toBe(adc.conversionMs);
      adc.close();
    } finally {
      sysfs.dispose();
    }
  });
});

interface Seen {
  state: string;
  at: number;
}

const INTERVAL = 10;

/**
 * One change on a settled line: wait 4 periods, change the EV's level `phase` ms after a tick, optionally
 * change the EVSE output (a new duty, same levels) `outputAfter` ms later; returns ms until it is reported.
 */
function scenario(r: RpiRig, seen: Seen[], start: number, phase: number, outputAfter: number | null, limit: number): number {
  const { clock } = r;
  const k = Math.ceil((clock.now() + 4 * 2 * INTERVAL - start - phase) / INTERVAL);
  clock.advance(start + k * INTERVAL + phase - clock.now());
  const ev = r.line.ev;
  ev.wantsCharge = !ev.wantsCharge; // B (9 V) <-> C (6 V) under PWM
  const target = ev.wantsCharge ? 'C' : 'B';
  const t0 = clock.now();
  const from = seen.length;
  const pilot = r.hal.pilot;
  if (outputAfter !== null) clock.setTimeout(() => pilot.setOutput({ mode: 'pwm', dutyPercent: pilot.output.mode === 'pwm' && pilot.output.dutyPercent === 16 ? 26.7 : 16 }), outputAfter);
  for (let waited = 0; waited <= limit; waited += 0.5) {
    const hit = seen.slice(from).find((s) => s.state === target);
    if (hit) return hit.at - t0;
    clock.advance(0.5);
  }
  throw new Error(`${target} not reported within ${limit} ms (phase ${phase}, output change after ${outputAfter})`);
}

describe('rpi pilot: detection latency on the rig, peak-hold modelled', () => {
  it.each(['mcp3008', 'ads1115'] as const)(
    'GIVEN an %s at 10 ms WHEN a B<->C change comes at every phase of a tick, with an output change at every 5 ms THEN none takes longer than worstDetectionMs, and the worst is reached',
    async (adc) => {
      rig = await createRpiRig({ adc, sampleIntervalMs: INTERVAL, peakHold: true, enable: false });
      const start = rig.clock.now();
      const seen: Seen[] = [];
      rig.hal.pilot.samples.on((s) => seen.push({ state: s.state, at: rig!.clock.now() }));
      rig.line.ev.plugged = true;
      rig.hal.pilot.setOutput({ mode: 'pwm', dutyPercent: 26.7 });
      const worst = worstDetectionMs(INTERVAL, adc);
      const latencies = { rise: [] as number[], fall: [] as number[] };
      for (let phase = 0; phase < INTERVAL; phase += 0.5) {
        for (const outputAfter of [null, 0, 5, 10, 15, 20, 25, 30, 35, 40]) {
          const falling = !rig.line.ev.wantsCharge; // B -> C: 9 V -> 6 V
          latencies[falling ? 'fall' : 'rise'].push(scenario(rig, seen, start, phase, outputAfter, worst + 4 * INTERVAL));
        }
      }
      const max = { rise: Math.max(...latencies.rise), fall: Math.max(...latencies.fall) };
      expect(max.rise).toBeLessThanOrEqual(worst);
      expect(max.fall).toBeLessThanOrEqual(worst);
      expect(max.fall).toBeGreaterThanOrEqual(worst - 1); // the peak tracking runs in 1 ms steps
    },
  );

  it('GIVEN an ADS1115 at 5 ms with a peak reset WHEN the next tick comes while the reset is still held THEN that tick is skipped', async () => {
    rig = await createRpiRig({ adc: 'ads1115', sampleIntervalMs: 5 });
    const reset = rig.lineOf(25);
    const resetAtBegin: Array<number | undefined> = [];
    const configs = rig.i2c!.configs;
    const push = configs.push.bind(configs);
    configs.push = (...words: number[]) => {
      resetAtBegin.push(rig!.sysfs.lastDriven(reset));
      return push(...words);
    };
    rig.clock.advance(100);
    expect(resetAtBegin.length).toBeGreaterThan(10);
    expect(resetAtBegin.filter((level) => level === 1)).toEqual([]);
  });
});

describe('rpi pilot: a flickering diode under PWM', () => {
  it('GIVEN charging in C with the negative peak hovering at -10 V WHEN the EV opens S2 (C -> B) THEN B is reported on the second B sample', async () => {
    rig = await createRpiRig({ sampleIntervalMs: 20 });
    const samples: PilotSample[] = [];
    rig.hal.pilot.samples.on((s) => samples.push(s));
    rig.hal.pilot.setOutput({ mode: 'pwm', dutyPercent: 26.7 });
    rig.line.override = { highV: 6, lowV: -12 };
    rig.clock.advance(100);
    expect(samples.at(-1)).toMatchObject({ state: 'C', diodeOk: true });
    const lows = [-9.9, -10.1, -9.9, -10.1];
    const before = samples.length;
    for (const lowV of lows) {
      rig.line.override = { highV: 9, lowV };
      rig.clock.advance(20);
    }
    expect(samples.slice(before).map((s) => s.state)).toEqual(['B']);
    expect(samples.length - before).toBe(1);
    rig.line.override = { highV: 9, lowV: -10.1 };
    rig.clock.advance(20); // the sample before read -10.1 too: the diode is confirmed now
    expect(samples.at(-1)).toMatchObject({ state: 'B', diodeOk: true });
  });
});

describe('rpi pilot: lastSampleAt', () => {
  const pilotOf = (r: RpiRig): RpiPilot => r.hal.pilot as RpiPilot;

  it('GIVEN an MCP3008 WHEN samples complete THEN lastSampleAt is the clock time of the last one; null before the first', async () => {
    rig = await createRpiRig({ sampleIntervalMs: 20 });
    expect(pilotOf(rig).lastSampleAt).toBeNull();
    rig.clock.advance(19);
    expect(pilotOf(rig).lastSampleAt).toBeNull();
    rig.clock.advance(1);
    expect(pilotOf(rig).lastSampleAt).toBe(rig.clock.now());
    rig.clock.advance(30);
    expect(pilotOf(rig).lastSampleAt).toBe(rig.clock.now() - 10);
  });

  it('GIVEN an ADS1115 WHEN a sample is taken THEN lastSampleAt is set when the second conversion ends, also for one dropped by an output change', async () => {
    rig = await createRpiRig({ adc: 'ads1115', sampleIntervalMs: 20 });
    const t = rig.clock.now();
    rig.clock.advance(21);
    expect(pilotOf(rig).lastSampleAt).toBeNull(); // conversions under way
    rig.hal.pilot.setOutput({ mode: 'pwm', dutyPercent: 16 }); // drops this sample's volts
    rig.clock.advance(3);
    expect(pilotOf(rig).lastSampleAt).toBe(t + 24);
  });

  it('GIVEN a failing ADC WHEN a sample fails THEN lastSampleAt still moves (the sampler runs; pilot-io tells the failure)', async () => {
    rig = await createRpiRig({ sampleIntervalMs: 20 });
    rig.clock.advance(20);
    rig.spi!.fail = true;
    rig.clock.advance(20);
    expect(pilotOf(rig).lastSampleAt).toBe(rig.clock.now());
  });

  it('GIVEN a stopped sampler WHEN time passes THEN lastSampleAt stays where it was', async () => {
    rig = await createRpiRig({ sampleIntervalMs: 20 });
    rig.clock.advance(40);
    const last = pilotOf(rig).lastSampleAt;
    await rig.connector.close();
    rig.clock.advance(200);
    expect(pilotOf(rig).lastSampleAt).toBe(last);
  });
});
