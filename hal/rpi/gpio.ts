// GPIO lines through onoff (sysfs), behind a small injectable factory so tests run on a fake sysfs tree.
// Owns: exporting lines at base + BCM (gpio-base.ts), the electrical sense (activeLow through onoff's
// active_low), outputs that start at their inactive level, debounced edge watching on inputs, and
// unexporting everything it opened. Must not: know what a line is for (devices own that).

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

/** An input line with debounced edges (onoff edge 'both', debounceTimeout). */
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

  /** Calls back on every debounced edge with the logical level, or with a HalError. */
  watch(onLevel: (active: boolean) => void, onError: (err: HalError) => void): void {
    this.gpio.watch((err, value) => {
      if (err) onError(new HalError(this.device, `${this.role} (GPIO${this.pin.pin}) edge failed: ${errText(err)}`, { cause: err }));
      else onLevel(value === 1);
    });
  }
}

/** Opens lines by BCM number and releases them all at the end. */
export class GpioBank {
  private readonly opened: Array<{ gpio: GpioLine; name: string }> = [];

  constructor(
    private readonly cfg: GpioConfig,
    private readonly factory: GpioFactory,
    readonly numbering: GpioNumbering = GpioNumbering.discover(cfg.sysfsRoot, cfg.chipLabel),
  ) {}

  /** Exports an output already at its inactive level (direction high/low sets the raw level atomically). */
  output(device: string, role: string, pin: GpioPin): OutputPin {
    const raw = pin.activeLow ? 'high' : 'low';
    return new OutputPin(device, role, this.open(device, role, pin, raw, 'none'), pin);
  }

  input(device: string, role: string, pin: GpioPin): InputPin {
    return new InputPin(device, role, this.open(device, role, pin, 'in', 'both'), pin);
  }

  private open(device: string, role: string, pin: GpioPin, direction: 'in' | 'high' | 'low', edge: 'none' | 'both'): GpioLine {
    const line = this.numbering.line(pin.pin);
    try {
      const options: GpioLineOptions = { activeLow: pin.activeLow, ...(direction === 'in' ? { debounceTimeout: this.cfg.debounceMs } : {}) };
      const gpio = this.factory(line, direction, edge, options);
      this.opened.push({ gpio, name: `${device} ${role}` });
      return gpio;
    } catch (err) {
      const chip = this.numbering.chip;
      throw new HalError(device, `cannot export ${role} GPIO${pin.pin} as line ${line} (${chip.label} base ${chip.base}): ${errText(err)}`, {
        cause: err,
      });
    }
  }

  /** Stops watching and unexports every line, in reverse order; returns what failed. */
  releaseAll(): Error[] {
    const failed: Error[] = [];
    for (const { gpio, name } of this.opened.splice(0).reverse()) {
      try {
        gpio.unwatchAll();
        gpio.unexport();
      } catch (err) {
        failed.push(new HalError('gpio', `unexport ${name} failed: ${errText(err)}`, { cause: err }));
      }
    }
    return failed;
  }
}
