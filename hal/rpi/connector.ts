// One connector's real (Raspberry Pi) devices built from its ConnectorHwConfig: contactor, pilot front-end,
// RCM, lock, LED, temperature and a socket's PP on the pilot's ADC (the meter is built elsewhere and passed
// in). Owns: creation order (the coil is exported at its off level first), the safe shutdown order
// (contactor off FIRST, then pilot +12 V, lock motor off, LEDs off, release) and a synchronous emergencyOff
// for process 'exit' handlers.
// Must not: know about charging, OCPP or the other connectors.
//
// Release keeps the contactor coil and the lock motor outputs EXPORTED at their off level (gpio.ts
// keepExported): an unexported pin returns to input, and with the Pi's default pull-down (BCM 9-27) an
// active-low relay input would read that as "on" and energise the coil (or run the motor). The kernel keeps
// driving an exported output after the process exits; the next start reuses the export. Everything else is
// unexported. The RCD trip input is not debounced (rcd.ts: trip at once, clear after hal.gpio.debounceMs).

import type { Clock } from '../clock.js';
import type { ConnectorHwConfig, GpioConfig } from '../config.js';
import { HalError } from '../errors.js';
import { Subject } from '../observable.js';
import type { ConnectorHal, EnergyMeter, TemperatureSensor } from '../types.js';
import { openCpAdc, type AdcModules, type CpAdc } from './adc.js';
import { RpiContactor } from './contactor.js';
import { GpioBank, loadOnoff, type GpioFactory } from './gpio.js';
import { RpiIndicator } from './indicator.js';
import { RpiLock } from './lock.js';
import { errText } from './optional-import.js';
import { RpiPilot } from './pilot.js';
import { CpSampler } from './pilot-sampler.js';
import { RpiProximity } from './proximity.js';
import { SysfsPwm } from './pwm.js';
import { RpiRcm } from './rcd.js';
import { SysfsTemperature } from './temperature.js';

export interface RpiConnectorDeps {
  clock: Clock;
  meter: EnergyMeter;
  /** Used instead of hw.temperature; required when hw.temperature.driver is 'sim' (built elsewhere). */
  temperature?: TemperatureSensor;
  /** Opens GPIO lines; default: onoff's Gpio (tests pass a fake over a temporary sysfs tree). */
  gpioFactory?: GpioFactory;
  /** Bus packages for the CP ADC; default: spi-device / i2c-bus (tests pass fakes). */
  adcModules?: AdcModules;
  /** Failures with nobody to throw to (an LED write inside a blink timer). Default: Subject.onListenerError. */
  onError?: (err: unknown) => void;
}

export interface RpiConnector {
  readonly hal: ConnectorHal;
  /** Safe state then release: contactor off first, pilot steady +12 V, lock motor off, LEDs off, unexport. */
  close(): Promise<void>;
  /** Synchronous safe state for a process 'exit' handler: contactor off first. Never throws; returns failures. */
  emergencyOff(): Error[];
}

interface Devices {
  contactor: RpiContactor;
  lock: RpiLock | null;
  rcm: RpiRcm;
  indicator: RpiIndicator;
  pilot: RpiPilot;
  proximity: RpiProximity | null;
}

export async function createRpiConnector(id: number, hw: ConnectorHwConfig, gpio: GpioConfig, deps: RpiConnectorDeps): Promise<RpiConnector> {
  const temperature = deps.temperature ?? sensorFor(id, hw);
  const bank = new GpioBank(gpio, deps.gpioFactory ?? (await loadOnoff(gpio)));
  let adc: CpAdc | null = null;
  try {
    const outputs = openOutputs(id, hw, bank); // coil first, at its off level
    adc = await openCpAdc(hw.pilot.adc, `pilot:${id}`, deps.adcModules);
    const devices = openDevices(id, hw, bank, adc, outputs, deps);
    devices.pilot.start();
    return assemble(id, devices, temperature, deps.meter, () => {
      adc?.close();
      return bank.releaseAll();
    });
  } catch (err) {
    try {
      adc?.close();
    } catch {
      // creation already failed; that error is the one to report
    }
    bank.releaseAll();
    throw err;
  }
}

function sensorFor(id: number, hw: ConnectorHwConfig): TemperatureSensor {
  const t = hw.temperature;
  if (t.driver === 'sim') throw new HalError(`temperature:${id}`, "driver 'sim' is built by the caller: pass deps.temperature");
  return new SysfsTemperature(t.driver, t.path, `temperature:${id}`);
}

type Outputs = ReturnType<typeof openOutputs>;

/** Outputs whose release must not let the pin float to a level that may mean "on" (see header). */
const KEEP = { keepExported: true };

function openOutputs(id: number, hw: ConnectorHwConfig, bank: GpioBank) {
  return {
    coil: bank.output(`contactor:${id}`, 'coil', hw.contactor.coil, KEEP),
    motorA: hw.lock ? bank.output(`lock:${id}`, 'motorA', hw.lock.motorA, KEEP) : null,
    motorB: hw.lock ? bank.output(`lock:${id}`, 'motorB', hw.lock.motorB, KEEP) : null,
    rcdTest: hw.rcd.test ? bank.output(`rcm:${id}`, 'test', hw.rcd.test) : null,
    enable: hw.pilot.enable ? bank.output(`pilot:${id}`, 'enable', hw.pilot.enable) : null,
    peakReset: hw.pilot.peakReset ? bank.output(`pilot:${id}`, 'peakReset', hw.pilot.peakReset) : null,
    red: hw.led.red ? bank.output(`indicator:${id}`, 'red', hw.led.red) : undefined,
    green: hw.led.green ? bank.output(`indicator:${id}`, 'green', hw.led.green) : undefined,
    blue: hw.led.blue ? bank.output(`indicator:${id}`, 'blue', hw.led.blue) : undefined,
  };
}

function openDevices(id: number, hw: ConnectorHwConfig, bank: GpioBank, adc: CpAdc, out: Outputs, deps: RpiConnectorDeps): Devices {
  const { clock } = deps;
  const mirror = hw.contactor.mirror ? bank.input(`contactor:${id}`, 'mirror', hw.contactor.mirror) : null;
  const contactor = new RpiContactor(out.coil, mirror);
  const trip = bank.input(`rcm:${id}`, 'trip', hw.rcd.trip, { debounce: false });
  const rcm = new RpiRcm(trip, out.rcdTest, clock, { clearAfterMs: bank.debounceMs });
  let lock: RpiLock | null = null;
  if (hw.lock && out.motorA && out.motorB) {
    const sensor = hw.lock.feedback ? bank.input(`lock:${id}`, 'feedback', hw.lock.feedback) : null;
    lock = new RpiLock(out.motorA, out.motorB, sensor, hw.lock.pulseMs, clock);
  }
  const onError = deps.onError ?? ((err: unknown) => Subject.onListenerError(err));
  const leds = { ...(out.red && { red: out.red }), ...(out.green && { green: out.green }), ...(out.blue && { blue: out.blue }) };
  const indicator = new RpiIndicator(leds, clock, onError);
  const device = `pilot:${id}`;
  const sampler = new CpSampler(adc, hw.pilot, clock, out.peakReset, device);
  const pilot = new RpiPilot(device, { pwm: new SysfsPwm(hw.pilot.pwm, device), sampler, enable: out.enable }, clock);
  return { contactor, lock, rcm, indicator, pilot, proximity: proximityFor(id, hw, adc) };
}

/** The socket's PP on the pilot's ADC; refused on a tethered cable (no lock entry), which has no PP to read. */
function proximityFor(id: number, hw: ConnectorHwConfig, adc: CpAdc): RpiProximity | null {
  if (!hw.proximity) return null;
  if (!hw.lock) throw new HalError(`proximity:${id}`, 'a tethered cable (no lock entry) has no PP to read: remove the proximity entry');
  return new RpiProximity(adc, hw.pilot.adc, hw.proximity, `proximity:${id}`);
}

function assemble(id: number, d: Devices, temperature: TemperatureSensor, meter: EnergyMeter, release: () => Error[]): RpiConnector {
  const emergencyOff = (): Error[] => {
    const failed: Error[] = [];
    const step = (fn: () => Error | null | void): void => {
      try {
        const err = fn();
        if (err) failed.push(err);
      } catch (err) {
        failed.push(err as Error);
      }
    };
    step(() => d.contactor.forceOff()); // FIRST: nothing below may delay opening the contactor
    step(() => d.pilot.stop());
    step(() => d.pilot.setOutput({ mode: 'steady' })); // +12 V: X1, no charging allowed
    step(() => d.lock?.stop());
    step(() => d.rcm.releaseTest());
    step(() => d.indicator.off());
    return failed;
  };
  let closed: Promise<void> | null = null;
  const close = async (): Promise<void> => {
    const failed = [...emergencyOff(), ...release()];
    if (failed.length > 0) throw new HalError(`connector:${id}`, `close: ${failed.map(errText).join('; ')}`);
  };
  const hal: ConnectorHal = { id, pilot: d.pilot, contactor: d.contactor, meter, lock: d.lock, proximity: d.proximity, rcm: d.rcm, temperature, indicator: d.indicator };
  return {
    hal,
    emergencyOff,
    close: () => (closed ??= close()),
  };
}
