// A whole Raspberry Pi connector (hal/rpi/connector.ts) on fakes: a temporary sysfs tree, the fake onoff,
// the fake CP line and ADC bus, a temperature file, and the physics a test bench would have: the coil moves
// the mirror contact, the lock motor moves the position switch, the RCM test output trips the RCM.
// Everything runs on a ManualClock; settle() lets simulated time pass in small steps, flushing promises.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectorHwConfig, GpioConfig, GpioPin } from '../../hal/config.js';
import { createRpiConnector, type RpiConnector } from '../../hal/rpi/connector.js';
import { ManualClock } from '../../hal/sim/index.js';
import type { ConnectorHal, EnergyMeter } from '../../hal/types.js';
import { FakeCpLine, fakeI2cBus, fakeSpiDevice, type FakeI2c, type FakeSpi } from './fake-adc.js';
import { fakeOnoff, type FakeOnoff } from './fake-onoff.js';
import { FakeSysfs, type Bit, type FakeChip } from './fake-sysfs.js';

export const RIG_TIMING = { contactorTravelMs: 20, lockTravelMs: 100, rcmReactionMs: 30 };

export interface RpiRigOptions {
  adc?: 'mcp3008' | 'ads1115';
  tethered?: boolean;
  lockFeedback?: boolean;
  mirror?: boolean;
  rcdTest?: boolean;
  leds?: Array<'red' | 'green' | 'blue'>;
  peakReset?: boolean;
  enable?: boolean;
  chips?: FakeChip[];
  chipLabel?: string;
  /** Leave the PWM channel unexported (the driver must export it). */
  pwmUnexported?: boolean;
  sampleIntervalMs?: number;
  /** Model the CP peak-hold capacitors (FakeCpLine.attachPeakHold; needs the peak-reset pin). */
  peakHold?: boolean;
  /** Connector 1's contactor coil input is active low (a relay board). */
  coilActiveLow?: boolean;
  /** Use this fake tree (e.g. one a closed connector left lines exported in); the rig does not dispose it. */
  sysfs?: FakeSysfs;
  /** Called with the fake tree before the connector is created (e.g. to install the kernel PWM rules). */
  onSysfs?: (sysfs: FakeSysfs) => void;
}

const pin = (n: number, activeLow = false): GpioPin => ({ pin: n, activeLow });

/** The pin map used by the rig (BCM numbers). */
export function rigHwConfig(o: RpiRigOptions = {}, tempPath = '/nonexistent'): ConnectorHwConfig {
  const cal = { scale: 8.889, offset: -14.667 };
  const leds = o.leds ?? ['red', 'green', 'blue'];
  return {
    pilot: {
      pwm: { sysfsRoot: '', chip: 0, channel: 0 },
      adc:
        o.adc === 'ads1115'
          ? { type: 'ads1115', bus: 1, address: 0x48, highChannel: 0, lowChannel: 1, fullScaleV: 4.096 }
          : { type: 'mcp3008', device: '/dev/spidev0.0', speedHz: 1_000_000, highChannel: 0, lowChannel: 1, vrefV: 3.3 },
      calibration: { high: cal, low: cal },
      sampleIntervalMs: o.sampleIntervalMs ?? 20,
      ...(o.peakReset === false ? {} : { peakReset: pin(25) }),
      ...(o.enable === false ? {} : { enable: pin(24) }),
    },
    contactor: { coil: pin(17, o.coilActiveLow ?? false), ...(o.mirror === false ? {} : { mirror: pin(27, true) }) },
    rcd: { trip: pin(22, true), ...(o.rcdTest === false ? {} : { test: pin(23) }) },
    ...(o.tethered ? {} : { lock: { motorA: pin(5), motorB: pin(6), pulseMs: 300, ...(o.lockFeedback === false ? {} : { feedback: pin(13, true) }) } }),
    led: { ...(leds.includes('red') && { red: pin(16) }), ...(leds.includes('green') && { green: pin(20) }), ...(leds.includes('blue') && { blue: pin(21) }) },
    meter: { driver: 'estimated' },
    temperature: { driver: 'cpu', path: tempPath },
  };
}

export const stubMeter: EnergyMeter = {
  capabilities: { phases: 3, model: 'STUB', serial: 'S1' },
  read: async () => ({
    energyImportWh: 0,
    powerW: 0,
    voltageV: { l1: 230, l2: 230, l3: 230 },
    currentA: { l1: 0, l2: 0, l3: 0 },
    frequencyHz: 50,
    takenAt: 0,
  }),
};

export interface RpiRig {
  clock: ManualClock;
  sysfs: FakeSysfs;
  onoff: FakeOnoff;
  line: FakeCpLine;
  spi: FakeSpi | null;
  i2c: FakeI2c | null;
  hw: ConnectorHwConfig;
  gpio: GpioConfig;
  connector: RpiConnector;
  hal: ConnectorHal;
  tempFile: string;
  /** sysfs line number of a BCM pin (base 512 with the default Pi 4 chips). */
  lineOf(bcm: number): number;
  /** Residual current present (true) or gone (false): the RCM module's trip output follows. */
  residual(on: boolean): void;
  settle(ms: number): Promise<void>;
  dispose(): Promise<void>;
}

export async function flush(): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Advances the clock in steps of at most 5 ms, letting promise continuations run between steps. */
export async function settleClock(clock: ManualClock, ms: number): Promise<void> {
  for (let left = ms; left > 0; left -= 5) {
    clock.advance(Math.min(5, left));
    await flush();
  }
  await flush();
}

export async function createRpiRig(o: RpiRigOptions = {}): Promise<RpiRig> {
  const clock = new ManualClock();
  const sysfs = o.sysfs ?? new FakeSysfs(o.chips ? { chips: o.chips } : {});
  o.onSysfs?.(sysfs);
  const tempDir = mkdtempSync(join(tmpdir(), 'evse-temp-'));
  const tempFile = join(tempDir, 'temp');
  writeFileSync(tempFile, '41500\n');
  const hw = rigHwConfig(o, tempFile);
  hw.pilot.pwm.sysfsRoot = sysfs.pwmRoot;
  if (!o.pwmUnexported && !o.sysfs) sysfs.exportPwm(0, 0);
  const gpio: GpioConfig = { sysfsRoot: sysfs.gpioRoot, chipLabel: o.chipLabel ?? 'auto', debounceMs: 10 };
  const base = (o.chips ?? [{ base: 512, label: 'pinctrl-bcm2711', ngpio: 58 }]).find((c) => c.label.startsWith('pinctrl-'))?.base ?? 0;
  const lineOf = (bcm: number): number => base + bcm;
  const stage = hw.pilot.enable ? { line: lineOf(hw.pilot.enable.pin), activeLow: hw.pilot.enable.activeLow } : null;
  const line = new FakeCpLine(sysfs, { chip: 0, channel: 0 }, stage);
  const adc = hw.pilot.adc;
  const spi = adc.type === 'mcp3008' ? fakeSpiDevice(line, adc, hw.pilot.calibration) : null;
  const i2c = adc.type === 'ads1115' ? fakeI2cBus(line, adc, hw.pilot.calibration) : null;
  const residual = wirePhysics(sysfs, clock, hw, lineOf);
  const reset = hw.pilot.peakReset;
  const stopPeakHold = o.peakHold && reset ? line.attachPeakHold(clock, { line: lineOf(reset.pin), activeLow: reset.activeLow }) : () => undefined;
  const onoff = fakeOnoff(sysfs, clock);
  const connector = await createRpiConnector(1, hw, gpio, {
    clock,
    meter: stubMeter,
    gpioFactory: onoff.factory,
    adcModules: { ...(spi && { spi }), ...(i2c && { i2c }) },
  });
  return {
    clock, sysfs, onoff, line, spi, i2c, hw, gpio, connector, hal: connector.hal, tempFile, lineOf, residual,
    settle: (ms) => settleClock(clock, ms),
    async dispose() {
      await connector.close().catch(() => undefined);
      stopPeakHold();
      if (!o.sysfs) sysfs.dispose();
      rmSync(tempDir, { recursive: true, force: true });
    },
  };
}

/** Inputs at their idle levels before export, and the bench physics between outputs and inputs. */
function wirePhysics(sysfs: FakeSysfs, clock: ManualClock, hw: ConnectorHwConfig, lineOf: (bcm: number) => number): (on: boolean) => void {
  const rawOf = (p: GpioPin, active: boolean): Bit => ((active ? 1 : 0) ^ (p.activeLow ? 1 : 0)) as Bit;
  const isActive = (p: GpioPin, raw: Bit): boolean => (raw === 1) !== p.activeLow;
  const later = (ms: number, fn: () => void): void => void clock.setTimeout(fn, ms);
  const { mirror, coil } = hw.contactor;
  if (mirror) {
    sysfs.drive(lineOf(mirror.pin), rawOf(mirror, false));
    sysfs.onWrite(lineOf(coil.pin), (raw) => later(RIG_TIMING.contactorTravelMs, () => sysfs.drive(lineOf(mirror.pin), rawOf(mirror, isActive(coil, raw)))));
  }
  const lock = hw.lock;
  if (lock?.feedback) {
    const fb = lock.feedback;
    sysfs.drive(lineOf(fb.pin), rawOf(fb, false));
    for (const [motor, locked] of [[lock.motorA, true], [lock.motorB, false]] as const) {
      sysfs.onWrite(lineOf(motor.pin), (raw) => {
        if (!isActive(motor, raw)) return;
        later(RIG_TIMING.lockTravelMs, () => {
          if (sysfs.lastDriven(lineOf(motor.pin)) === raw) sysfs.drive(lineOf(fb.pin), rawOf(fb, locked));
        });
      });
    }
  }
  const { trip, test } = hw.rcd;
  let residual = false;
  let testing = false;
  const update = (): void => sysfs.drive(lineOf(trip.pin), rawOf(trip, residual || testing));
  sysfs.drive(lineOf(trip.pin), rawOf(trip, false));
  if (test) {
    sysfs.onWrite(lineOf(test.pin), (raw) =>
      later(RIG_TIMING.rcmReactionMs, () => {
        testing = isActive(test, raw);
        update();
      }),
    );
  }
  return (on) => {
    residual = on;
    update();
  };
}
