// The Raspberry Pi connector factory (hal/rpi/connector.ts) on the fake rig: what gets exported first, the
// safe shutdown order (contactor off FIRST), the synchronous emergencyOff for 'exit' handlers, and clean-up
// when creation fails half-way.

import { afterEach, describe, expect, it } from 'vitest';
import { HalError } from '../../../hal/errors.js';
import { createRpiConnector } from '../../../hal/rpi/connector.js';
import { ManualClock } from '../../../hal/sim/index.js';
import { FakeCpLine, fakeSpiDevice } from '../../helpers/fake-adc.js';
import { fakeOnoff } from '../../helpers/fake-onoff.js';
import { FakeSysfs } from '../../helpers/fake-sysfs.js';
import { createRpiRig, rigHwConfig, stubMeter, type RpiRig } from '../../helpers/rpi-rig.js';

let rig: RpiRig | null = null;
let spare: FakeSysfs | null = null;
afterEach(async () => {
  await rig?.dispose();
  spare?.dispose();
  rig = spare = null;
});

const OUTPUTS = [17, 5, 6, 23, 24, 25, 16, 20, 21];

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

  it('GIVEN a charging connector WHEN closed THEN the coil is released before any other write, then everything is safe and unexported', async () => {
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
    for (const bcm of [...OUTPUTS, 27, 22, 13]) expect(sysfs.isExported(rig.lineOf(bcm))).toBe(false);
    expect(rig.spi!.closed).toBe(true);
    expect(rig.connector.close()).toBe(rig.connector.close());
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
  });

  it('GIVEN an ADC that cannot be opened WHEN created THEN it rejects and leaves no line exported', async () => {
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
    for (const bcm of OUTPUTS) expect(spare.isExported(512 + bcm)).toBe(false);
  });

  it('GIVEN no PWM overlay WHEN created THEN it rejects with the overlay hint and leaves no line exported', async () => {
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
    for (const bcm of OUTPUTS) expect(spare.isExported(512 + bcm)).toBe(false);
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
