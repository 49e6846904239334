// GPIO lines through onoff (sysfs), behind a small injectable factory so tests run on a fake sysfs tree.
// Owns: exporting lines at base + BCM (gpio-base.ts), the electrical sense (activeLow through onoff's
// active_low), outputs that start at their inactive level, edge watching on inputs (debounced, or raw for
// lines that must act at once), and releasing what it opened. Must not: know what a line is for.
//
// Release: an unexported line goes back to an input (bcm2835 pinctrl gpio_disable_free), and the Pi's
// default pull-down on BCM 9-27 then reads as *active* on an active-low relay input. So outputs opened with
// keepExported (contactor coil, lock motor) are left exported, still driving their off level, when the bank
// is released; the next start reuses the export (onoff reconfigures an already exported line, and output()
// re-drives the off level, because onoff ignores configuration errors on such a line). Each kept line holds
// one onoff file descriptor until the process exits.

import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GpioConfig, GpioPin } from '../config.js';
import { HalError } from '../errors.js';
import { GpioNumbering } from './gpio-base.js';
import { errText, importOptional } from './optional-import.js';

export type Bit = 0 | 1;
export type LineCallback = (err: Error | null | undefined, value: Bit) => void;

/** The part of onoff's Gpio the drivers use (values are logical: active_low already applied). */
export interface GpioLine {
  readSync(): Bit;
  writeSync(value: Bit): void;
  watch(callback: LineCallback): void;
  unwatchAll(): void;
  unexport(): void;
}

export interface GpioLineOptions {
  activeLow: boolean;
  debounceTimeout?: number;
}

/** Opens (exports) one sysfs line; the signature of onoff's `new Gpio(...)`. */
export type GpioFactory = (line: number, direction: 'in' | 'high' | 'low', edge: 'none' | 'both', options: GpioLineOptions) => GpioLine;

/** onoff writes to this directory whatever the configuration says. */
export const ONOFF_SYSFS_ROOT = '/sys/class/gpio';

interface OnoffModule {
  Gpio: { new (gpio: number, direction: string, edge: string, options: GpioLineOptions): GpioLine; accessible: boolean };
}

/** The production factory: onoff's Gpio, loaded lazily. */
export async function loadOnoff(cfg: GpioConfig): Promise<GpioFactory> {
  if (cfg.sysfsRoot.replace(/\/+$/, '') !== ONOFF_SYSFS_ROOT) {
    throw new HalError('gpio', `onoff only drives ${ONOFF_SYSFS_ROOT}; hal.gpio.sysfsRoot is ${cfg.sysfsRoot}`);
  }
  const { Gpio } = await importOptional<OnoffModule>('onoff', 'gpio', 'Gpio');
  if (!Gpio.accessible) {
    throw new HalError('gpio', `cannot write ${ONOFF_SYSFS_ROOT}/export: run as root or add the service user to the gpio group`);
  }
  return (line, direction, edge, options) => new Gpio(line, direction, edge, options);
}

/** An output line; `active` is the logical level (coil energised, LED lit, motor on). */
export class OutputPin {
  private level = false;

  constructor(
    readonly device: string,
    readonly role: string,
    private readonly gpio: GpioLine,
    readonly pin: GpioPin,
  ) {}

  get active(): boolean {
    return this.level;
  }

  /** Drives the line now; throws HalError when the write fails (the level is then unknown). */
  set(active: boolean): void {
    try {
      this.gpio.writeSync(active ? 1 : 0);
      this.level = active;
    } catch (err) {
      throw new HalError(this.device, `${this.role} (GPIO${this.pin.pin}) write failed: ${errText(err)}`, { cause: err });
    }
  }
}

/** An input line watched on both edges: debounced (onoff debounceTimeout), or every edge at once. */
export class InputPin {
  constructor(
    readonly device: string,
    readonly role: string,
    private readonly gpio: GpioLine,
    readonly pin: GpioPin,
  ) {}

  /** The logical level now; throws HalError when the read fails. */
  read(): boolean {
    try {
      return this.gpio.readSync() === 1;
    } catch (err) {
      throw new HalError(this.device, `${this.role} (GPIO${this.pin.pin}) read failed: ${errText(err)}`, { cause: err });
    }
  }

  /** Calls back on every (debounced) edge with the logical level read then, or with a HalError. */
  watch(onLevel: (active: boolean) => void, onError: (err: HalError) => void): void {
    this.gpio.watch((err, value) => {
      if (err) onError(new HalError(this.device, `${this.role} (GPIO${this.pin.pin}) edge failed: ${errText(err)}`, { cause: err }));
      else onLevel(value === 1);
    });
  }
}

export interface OutputOptions {
  /** Leave the line exported at its off level on release (an unexported pin may read active): see header. */
  keepExported?: boolean;
}

export interface InputOptions {
  /** false: no debounce, every edge is delivered with the level read at once (default true: cfg.debounceMs). */
  debounce?: boolean;
}

interface Opened {
  gpio: GpioLine;
  name: string;
  keep: boolean;
}

/** Opens lines by BCM number and releases them all at the end. */
export class GpioBank {
  private readonly opened: Opened[] = [];

  constructor(
    private readonly cfg: GpioConfig,
    private readonly factory: GpioFactory,
    readonly numbering: GpioNumbering = GpioNumbering.discover(cfg.sysfsRoot, cfg.chipLabel),
  ) {}

  /** The configured input debounce, ms. */
  get debounceMs(): number {
    return this.cfg.debounceMs;
  }

  /**
   * Exports an output already at its inactive level (direction high/low sets the raw level atomically), then
   * drives the inactive level once more: on a line that was already exported onoff ignores a failed
   * direction write, and a write to a line that is not an output fails (EPERM), so creation fails loudly.
   */
  output(device: string, role: string, pin: GpioPin, opts: OutputOptions = {}): OutputPin {
    const raw = pin.activeLow ? 'high' : 'low';
    const out = new OutputPin(device, role, this.open(device, role, pin, raw, 'none', { activeLow: pin.activeLow }, opts.keepExported ?? false), pin);
    out.set(false);
    return out;
  }

  input(device: string, role: string, pin: GpioPin, opts: InputOptions = {}): InputPin {
    const options: GpioLineOptions = { activeLow: pin.activeLow, debounceTimeout: opts.debounce === false ? 0 : this.cfg.debounceMs };
    return new InputPin(device, role, this.open(device, role, pin, 'in', 'both', options, false), pin);
  }

  private open(device: string, role: string, pin: GpioPin, direction: 'in' | 'high' | 'low', edge: 'none' | 'both', options: GpioLineOptions, keep: boolean): GpioLine {
    const line = this.numbering.line(pin.pin);
    const dir = join(this.cfg.sysfsRoot, `gpio${line}`);
    const exportedBefore = existsSync(dir);
    try {
      const gpio = this.factory(line, direction, edge, options);
      this.opened.push({ gpio, name: `${device} ${role}`, keep });
      return gpio;
    } catch (err) {
      // onoff may throw after its export (permissions, configuration, opening value): undo our export.
      const undo = exportedBefore ? '' : this.unexportLeftover(line, dir);
      const chip = this.numbering.chip;
      throw new HalError(device, `cannot export ${role} GPIO${pin.pin} as line ${line} (${chip.label} base ${chip.base}): ${errText(err)}${undo}`, {
        cause: err,
      });
    }
  }

  /** Unexports a line a failed open left exported; returns a note for the error message when that fails. */
  private unexportLeftover(line: number, dir: string): string {
    if (!existsSync(dir)) return '';
    try {
      writeFileSync(join(this.cfg.sysfsRoot, 'unexport'), String(line));
      return '';
    } catch (err) {
      return `; unexporting line ${line} failed too: ${errText(err)}`;
    }
  }

  /**
   * Stops watching every line and unexports it, in reverse order, except keepExported outputs: those stay
   * exported at the level last driven (the devices drive their off level first). Returns what failed.
   */
  releaseAll(): Error[] {
    const failed: Error[] = [];
    for (const { gpio, name, keep } of this.opened.splice(0).reverse()) {
      try {
        gpio.unwatchAll();
        if (!keep) gpio.unexport();
      } catch (err) {
        failed.push(new HalError('gpio', `${keep ? 'release' : 'unexport'} ${name} failed: ${errText(err)}`, { cause: err }));
      }
    }
    return failed;
  }
}
