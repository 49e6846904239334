// `evse emergency-off`: the last resort systemd runs after the controller ended for any reason (ExecStopPost).
// sysfs GPIO keeps a line's last level when its process dies (watchdog SIGABRT, SIGKILL after TimeoutStopSec,
// a native crash: none runs process.on('exit')), so an energised coil stays closed until something drives it.
// Owns: reading the hardware section of the configuration, then with plain synchronous sysfs writes: every
// contactor coil off FIRST (all connectors), then lock motors and RCD test outputs off, then the CP PWM to
// steady +12 V; one line per action or failure; "every coil off" decides the exit code.
// Must not: build HAL objects or import onoff or any hardware package, wait on anything asynchronous, or let
// one failure skip another step (each step is independent).
//
// Kernel semantics (drivers/gpio/gpiolib-sysfs.c): writing "high"/"low" to `direction` calls
// gpiod_direction_output_raw(): it sets the ELECTRICAL level and ignores active_low, whereas `value` is
// logical (gpiod_set_value: active_low applied). So the off level is written as the raw level through
// `direction` (active-low coil: "high", active-high: "low"), which also makes the line an output in one
// atomic step, whatever its direction or active_low were. Then active_low is set as configured (no
// electrical change) so `value` reads logically, as onoff would leave it. Fallback when `direction` is not
// writable: active_low as configured, then logical `value` 0. Lines stay exported (driven off): after an
// unexport the pin's level would be up to the pinctrl driver.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { GpioPin, PwmConfig } from '../../hal/config.js';
import { GpioNumbering } from '../../hal/rpi/gpio-base.js';
import { errText } from '../../hal/rpi/optional-import.js';
import { halSchema, type HalSection } from '../config/hal-schema.js';
import { ConfigError, DEFAULT_CONFIG_PATH, loadConfig } from '../config/load.js';

export interface EmergencyOffResult {
  /** One line per action or failure, in the order they happened. */
  lines: string[];
  coils: number;
  coilsOff: number;
}

/** After an export, udev may still be granting the gpio group access to the new files (onoff waits too). */
const PERMISSION_WAIT_MS = 1000;

const sleepSync = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function write(path: string, text: string, retryAccess = false): void {
  const until = Date.now() + PERMISSION_WAIT_MS;
  for (;;) {
    try {
      return writeFileSync(path, text);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (!retryAccess || code !== 'EACCES' || Date.now() >= until) throw err;
      sleepSync(5);
    }
  }
}

/** Drives one GPIO line to its inactive level; returns what was done, throws when it could not be driven. */
export function driveLineOff(gpioRoot: string, line: number, pin: GpioPin): string {
  const dir = join(gpioRoot, `gpio${line}`);
  const raw = pin.activeLow ? 'high' : 'low';
  const sense = `active ${pin.activeLow ? 'low' : 'high'}`;
  const exportNow = !existsSync(dir);
  if (exportNow) write(join(gpioRoot, 'export'), String(line));
  const exported = exportNow ? 'exported, ' : '';
  try {
    write(join(dir, 'direction'), raw, exportNow);
  } catch (err) {
    try {
      write(join(dir, 'active_low'), pin.activeLow ? '1' : '0', exportNow);
      write(join(dir, 'value'), '0');
    } catch (fallbackErr) {
      throw new Error(`direction ${raw}: ${errText(err)}; value 0: ${errText(fallbackErr)}`, { cause: err });
    }
    return `${exported}value 0 written (${sense}; direction ${raw} failed: ${errText(err)})`;
  }
  let note = '';
  try {
    write(join(dir, 'active_low'), pin.activeLow ? '1' : '0');
  } catch (err) {
    note = `; active_low not set: ${errText(err)}`;
  }
  return `${exported}driven ${raw} (${sense})${note}`;
}

/** The CP at steady +12 V when the channel runs: duty = period (0 with inversed polarity). */
export function pilotSteady(pwm: PwmConfig): string {
  const dir = join(pwm.sysfsRoot, `pwmchip${pwm.chip}`, `pwm${pwm.channel}`);
  const read = (f: string): string => readFileSync(join(dir, f), 'utf8').trim();
  if (!existsSync(dir)) return 'channel not exported: left as is';
  if (read('enable') !== '1') return 'channel disabled: left as is';
  const period = Number(read('period'));
  if (!Number.isInteger(period) || period <= 0) return `period ${read('period')}: left as is`;
  const inversed = existsSync(join(dir, 'polarity')) && read('polarity') === 'inversed';
  const duty = inversed ? 0 : period;
  writeFileSync(join(dir, 'duty_cycle'), String(duty));
  return `steady +12 V (duty_cycle ${duty} ns, period ${period} ns${inversed ? ', inversed polarity' : ''})`;
}

type ConnectorHw = HalSection['connectors'][number];

/** Every coil off first, then the other outputs of each connector, then each CP. Never throws. */
export function emergencyOff(hal: HalSection): EmergencyOffResult {
  const lines: string[] = [];
  const coils = hal.connectors.length;
  if (hal.driver !== 'rpi') return { lines: [`hal.driver ${hal.driver}: no hardware outputs to drive`], coils: 0, coilsOff: 0 };
  let numbering: GpioNumbering | null = null;
  try {
    numbering = GpioNumbering.discover(hal.gpio.sysfsRoot, hal.gpio.chipLabel);
    const { chip } = numbering;
    lines.push(`gpio: ${chip.name} (${chip.label}), base ${chip.base}`);
  } catch (err) {
    lines.push(`gpio: FAILED: ${errText(err)}`);
  }
  const drive = (what: string, pin: GpioPin): boolean => {
    let line: number | null = null;
    try {
      if (!numbering) throw new Error('no GPIO numbering (see the gpio line above)');
      line = numbering.line(pin.pin);
      lines.push(`${what} GPIO${pin.pin} (line ${line}): off: ${driveLineOff(hal.gpio.sysfsRoot, line, pin)}`);
      return true;
    } catch (err) {
      lines.push(`${what} GPIO${pin.pin}${line === null ? '' : ` (line ${line})`}: FAILED: ${errText(err)}`);
      return false;
    }
  };
  let coilsOff = 0;
  hal.connectors.forEach((c, i) => void (drive(`coil ${i + 1}`, c.contactor.coil) && coilsOff++));
  hal.connectors.forEach((c, i) => otherOutputsOff(c, i + 1, drive));
  hal.connectors.forEach((c, i) => {
    const { chip, channel } = c.pilot.pwm;
    try {
      lines.push(`pilot ${i + 1} pwmchip${chip}/pwm${channel}: ${pilotSteady(c.pilot.pwm)}`);
    } catch (err) {
      lines.push(`pilot ${i + 1} pwmchip${chip}/pwm${channel}: FAILED: ${errText(err)}`);
    }
  });
  lines.push(`${coilsOff} of ${coils} coil${coils === 1 ? '' : 's'} off`);
  return { lines, coils, coilsOff };
}

function otherOutputsOff(c: ConnectorHw, id: number, drive: (what: string, pin: GpioPin) => boolean): void {
  if (c.lock) {
    drive(`lock ${id} motorA`, c.lock.motorA);
    drive(`lock ${id} motorB`, c.lock.motorB);
  }
  if (c.rcd.test) drive(`rcd ${id} test`, c.rcd.test);
}

export interface EmergencyConfigOptions {
  config?: string;
  env?: NodeJS.ProcessEnv;
  defaultPath?: string;
}

/**
 * The validated `hal` section of the configuration file. When the whole file does not validate but its
 * hal section does (a broken ocpp section must not keep a coil energised), that section, with a note.
 */
export function loadHardware(opts: EmergencyConfigOptions): { hal: HalSection; path: string | null; note?: string } {
  const env = opts.env ?? process.env;
  const path = opts.config ?? (env.EVSE_CONFIG || undefined);
  try {
    const loaded = loadConfig({ argv: path ? ['--config', path] : [], env, defaultPath: opts.defaultPath ?? DEFAULT_CONFIG_PATH });
    return { hal: loaded.config.hal, path: loaded.path };
  } catch (err) {
    const file = path ?? opts.defaultPath ?? DEFAULT_CONFIG_PATH;
    if (!(err instanceof ConfigError)) throw err;
    let doc: unknown;
    try {
      doc = parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
    } catch {
      throw err;
    }
    const hal = halSchema.safeParse((doc as { hal?: unknown } | null)?.hal ?? {});
    if (!hal.success) throw err;
    return { hal: hal.data, path: file, note: `${file} has ${err.problems.length} problem(s) (evse config check ${file}); its hal section is valid: using it` };
  }
}
