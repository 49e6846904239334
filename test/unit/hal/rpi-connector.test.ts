// The Raspberry Pi connector factory (hal/rpi/connector.ts) on the fake rig: what gets exported first, the
// safe shutdown order (contactor off FIRST), what stays exported after close (coil and lock motor at their
// off level, so an active-low relay input never sees a released pin's pull-down), reuse of those exports by
// the next start, the undebounced RCD trip, the synchronous emergencyOff for 'exit' handlers, and clean-up
// when creation fails half-way.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HalError } from '../../../hal/errors.js';
import { createRpiConnector } from '../../../hal/rpi/connector.js';
import { ManualClock } from '../../../hal/sim/index.js';
import { FakeCpLine, fakeSpiDevice } from '../../helpers/fake-adc.js';
import { collect, fakeOnoff } from '../../helpers/fake-onoff.js';
import { FakeSysfs } from '../../helpers/fake-sysfs.js';
import { createRpiRig, rigHwConfig, stubMeter, type RpiRig } from '../../helpers/rpi-rig.js';

let rig: RpiRig | null = null;
let spare: FakeSysfs | null = null;
/** A rig whose tree a later rig reuses: disposed (with the tree) last. */
let earlier: RpiRig | null = null;
afterEach(async () => {
  await rig?.dispose();
  spare?.dispose();
  await earlier?.dispose();
  rig = spare = earlier = null;
});

const OUTPUTS = [17, 5, 6, 23, 24, 25, 16, 20, 21];
/** Coil and lock motor: kept exported at their off level on release. */
const KEPT = [17, 5, 6];
const RELEASED = [23, 24, 25, 16, 20, 21, 27, 22, 13];

describe('createRpiConnector', () => {
  it('GIVEN a full pin map WHEN created THEN the contactor coil is the first line exported, at its off level', async () => {
    rig = await createRpiRig();
    expect(rig.onoff.opened[0]).toMatchObject({ line: rig.lineOf(17), direction: 'low' });
    expect(rig.sysfs.writes[0]).toEqual({ line: rig.lineOf(17), raw: 0 });
    expect(rig.hal).toMatchObject({ id: 1, meter: stubMeter });
    expect(rig.hal.lock).not.toBeNull();
  });

  it('GIVEN a tethered cable WHEN created THEN there is no lock', async () => {
    rig = await createRpiRig({ tethered: true });
    expect(rig.hal.lock).toBeNull();
  });

  it('GIVEN a charging connector WHEN closed THEN the coil is off before any other write, then everything is safe; coil and motor stay exported, the rest is unexported', async () => {
    rig = await createRpiRig();
    const { hal, sysfs } = rig;
    hal.contactor.close();
    hal.lock!.lock();
    hal.indicator.set({ colour: 'blue', pattern: 'pulse' });
    hal.pilot.setOutput({ mode: 'pwm', dutyPercent: 26.7 });
    void hal.rcm.selfTest();
    const from = sysfs.writes.length;
    await rig.connector.close();
    expect(sysfs.writes[from]).toEqual({ line: rig.lineOf(17), raw: 0 });
    for (const bcm of [5, 6, 16, 20, 21, 23]) expect(sysfs.lastDriven(rig.lineOf(bcm))).toBe(0);
    expect(sysfs.pwm()).toMatchObject({ dutyNs: 1_000_000, enabled: true }); // steady +12 V (X1)
    expect(hal.pilot.output).toEqual({ mode: 'steady' });
    for (const bcm of KEPT) expect([bcm, sysfs.attr(rig.lineOf(bcm), 'direction'), sysfs.raw(rig.lineOf(bcm))]).toEqual([bcm, 'out', 0]);
    for (const bcm of RELEASED) expect([bcm, sysfs.isExported(rig.lineOf(bcm))]).toEqual([bcm, false]);
    expect(rig.spi!.closed).toBe(true);
    expect(rig.connector.close()).toBe(rig.connector.close());
  });

  it('GIVEN an active-low coil on BCM 17 (default pull-down) WHEN the connector is closed THEN the pin still drives high: the coil stays off', async () => {
    rig = await createRpiRig({ coilActiveLow: true });
    rig.hal.contactor.close();
    expect(rig.sysfs.electrical(rig.lineOf(17), 0)).toBe(0); // energised
    await rig.connector.close();
    expect(rig.sysfs.electrical(rig.lineOf(17), 0)).toBe(1);
  });

  it('GIVEN a connector closed on this board WHEN the next start creates it again THEN the kept lines are reused and it works', async () => {
    const first = (earlier = await createRpiRig({ coilActiveLow: true }));
    await first.connector.close();
    const exportsBefore = readFileSync(join(first.sysfs.gpioRoot, 'export'), 'utf8');
    rig = await createRpiRig({ coilActiveLow: true, sysfs: first.sysfs });
    const exportsAfter = readFileSync(join(first.sysfs.gpioRoot, 'export'), 'utf8').slice(exportsBefore.length).split('\n').filter(Boolean);
    for (const bcm of KEPT) expect(exportsAfter).not.toContain(String(rig.lineOf(bcm)));
    expect(rig.sysfs.electrical(rig.lineOf(17), 0)).toBe(1);
    rig.hal.contactor.close();
    await rig.settle(50);
    expect(rig.hal.contactor.feedbackClosed).toBe(true);
    const lockFeedback = collect(rig.hal.lock!.feedback);
    rig.hal.lock!.lock();
    await rig.settle(400);
    expect(lockFeedback).toEqual([{ locked: true }]);
  });

  it('GIVEN a connector WHEN the RCD module trips THEN hal.rcm reports it before any time passes (no debounce on the trip input)', async () => {
    rig = await createRpiRig();
    const trip = rig.onoff.opened.find((g) => g.line === rig!.lineOf(22))!;
    expect(trip.options.debounceTimeout).toBe(0);
    rig.residual(true);
    expect(rig.hal.rcm.tripped).toBe(true);
  });

  it('GIVEN a closed contactor WHEN emergencyOff runs THEN the coil is off before it returns and nothing failed', async () => {
    rig = await createRpiRig();
    rig.hal.contactor.close();
    rig.hal.pilot.setOutput({ mode: 'negative' });
    const from = rig.sysfs.writes.length;
    expect(rig.connector.emergencyOff()).toEqual([]);
    expect(rig.sysfs.writes[from]).toEqual({ line: rig.lineOf(17), raw: 0 });
    expect(rig.hal.contactor.commandedClosed).toBe(false);
    expect(rig.sysfs.pwm().dutyNs).toBe(1_000_000);
  });

  it('GIVEN a coil line that fails WHEN emergencyOff runs THEN it returns the failure and still turns the rest off', async () => {
    rig = await createRpiRig();
    rig.hal.indicator.set({ colour: 'red', pattern: 'solid' });
    rig.sysfs.broken.add(rig.lineOf(17));
    const failed = rig.connector.emergencyOff();
    expect(failed).toHaveLength(1);
    expect(failed[0]).toBeInstanceOf(HalError);
    expect(rig.sysfs.lastDriven(rig.lineOf(16))).toBe(0);
  });

  it('GIVEN a coil line that fails WHEN closed THEN close rejects with the failure after releasing everything', async () => {
    rig = await createRpiRig();
    rig.sysfs.broken.add(rig.lineOf(17));
    await expect(rig.connector.close()).rejects.toThrow(/connector:1: close: .*coil \(GPIO17\) write failed/);
    expect(rig.sysfs.isExported(rig.lineOf(21))).toBe(false);
    expect(rig.sysfs.isExported(rig.lineOf(17))).toBe(true);
  });

  it('GIVEN an ADC that cannot be opened WHEN created THEN it rejects, leaves only coil and motor exported (off) and nothing else', async () => {
    spare = new FakeSysfs();
    const clock = new ManualClock();
    const hw = rigHwConfig();
    hw.pilot.pwm.sysfsRoot = spare.pwmRoot;
    const spi = fakeSpiDevice(new FakeCpLine(spare, { chip: 0, channel: 0 }), hw.pilot.adc as never, hw.pilot.calibration);
    spi.openSync = () => {
      throw Object.assign(new Error('ENOENT: no such file or directory, open /dev/spidev0.0'), { code: 'ENOENT' });
    };
    const created = createRpiConnector(1, hw, { sysfsRoot: spare.gpioRoot, chipLabel: 'auto', debounceMs: 10 }, {
      clock,
      meter: stubMeter,
      gpioFactory: fakeOnoff(spare, clock).factory,
      adcModules: { spi },
    });
    await expect(created).rejects.toThrow(/pilot:1: open \/dev\/spidev0.0: ENOENT/);
    for (const bcm of OUTPUTS) expect([bcm, spare.isExported(512 + bcm)]).toEqual([bcm, KEPT.includes(bcm)]);
    for (const bcm of KEPT) expect(spare.raw(512 + bcm)).toBe(0);
  });

  it('GIVEN no PWM overlay WHEN created THEN it rejects with the overlay hint and leaves only coil and motor exported', async () => {
    spare = new FakeSysfs({ pwmChips: [] });
    const clock = new ManualClock();
    const hw = rigHwConfig();
    hw.pilot.pwm.sysfsRoot = spare.pwmRoot;
    const spi = fakeSpiDevice(new FakeCpLine(spare, { chip: 0, channel: 0 }), hw.pilot.adc as never, hw.pilot.calibration);
    const created = createRpiConnector(1, hw, { sysfsRoot: spare.gpioRoot, chipLabel: 'auto', debounceMs: 10 }, {
      clock,
      meter: stubMeter,
      gpioFactory: fakeOnoff(spare, clock).factory,
      adcModules: { spi },
    });
    await expect(created).rejects.toThrow(/dtoverlay=pwm/);
    for (const bcm of OUTPUTS) expect([bcm, spare.isExported(512 + bcm)]).toEqual([bcm, KEPT.includes(bcm)]);
    expect(spi.closed).toBe(true);
  });

  it('GIVEN a sim temperature sensor in the pin map WHEN none is passed in THEN creation refuses before touching a line', async () => {
    spare = new FakeSysfs();
    const clock = new ManualClock();
    const hw = { ...rigHwConfig(), temperature: { driver: 'sim' as const } };
    const onoff = fakeOnoff(spare, clock);
    await expect(
      createRpiConnector(1, hw, { sysfsRoot: spare.gpioRoot, chipLabel: 'auto', debounceMs: 10 }, { clock, meter: stubMeter, gpioFactory: onoff.factory }),
    ).rejects.toThrow(/temperature:1: driver 'sim' is built by the caller/);
    expect(onoff.opened).toEqual([]);
  });
});
