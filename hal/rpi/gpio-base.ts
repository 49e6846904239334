// GPIO line numbering on sysfs: finds the gpiochip whose base is added to BCM numbers (REFERENCE.md 6:
// from kernel 6.5/6.6 the Pi's chips have dynamic, high bases such as 512 or 571; never hard-code them).
// Owns: reading <sysfsRoot>/gpiochip*/{base,label,ngpio} and the chip-selection rule.
// Must not: export or drive any line.
//
// Selection rule:
// - chipLabel set to a label: the chip with exactly that label.
// - chipLabel 'auto': the SoC's main GPIO bank, i.e. the one chip whose label starts with 'pinctrl-' and that
//   has at least 28 lines (BCM 0-27 of the 40-pin header). Matches pinctrl-bcm2835 (Pi 1-3, Zero),
//   pinctrl-bcm2711 (Pi 4) and pinctrl-rp1 (Pi 5); skips raspberrypi-exp-gpio (8 lines, firmware expander)
//   and the Pi 5's gpio-brcmstb@... banks. Zero or several candidates is an error: set chipLabel then.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HalError } from '../errors.js';
import { errText } from './optional-import.js';

export interface GpioChipInfo {
  /** Directory name, e.g. gpiochip512. */
  name: string;
  base: number;
  label: string;
  ngpio: number;
}

/** Lines of the 40-pin header: BCM 0-27. */
export const HEADER_LINES = 28;

/** Every gpiochip under the sysfs GPIO class directory. Throws HalError when the directory is unreadable. */
export function listGpioChips(sysfsRoot: string): GpioChipInfo[] {
  let names: string[];
  try {
    names = readdirSync(sysfsRoot).filter((n) => /^gpiochip\d+$/.test(n));
  } catch (err) {
    throw new HalError('gpio', `cannot read ${sysfsRoot} (${errText(err)}); is sysfs GPIO available on this kernel?`, { cause: err });
  }
  return names.map((name) => readChip(sysfsRoot, name)).sort((a, b) => a.base - b.base);
}

function readChip(sysfsRoot: string, name: string): GpioChipInfo {
  const read = (file: string): string => {
    try {
      return readFileSync(join(sysfsRoot, name, file), 'utf8').trim();
    } catch (err) {
      throw new HalError('gpio', `cannot read ${join(sysfsRoot, name, file)} (${errText(err)})`, { cause: err });
    }
  };
  const base = Number(read('base'));
  const ngpio = Number(read('ngpio'));
  if (!Number.isInteger(base) || base < 0 || !Number.isInteger(ngpio) || ngpio <= 0) {
    throw new HalError('gpio', `${join(sysfsRoot, name)} has an unreadable base/ngpio (${read('base')}/${read('ngpio')})`);
  }
  return { name, base, label: read('label'), ngpio };
}

/** One line per chip, for error messages. */
export function describeChips(chips: readonly GpioChipInfo[]): string {
  if (chips.length === 0) return 'no gpiochip found';
  return chips.map((c) => `${c.name} (label ${c.label}, base ${c.base}, ${c.ngpio} lines)`).join('; ');
}

/** The chip whose base offsets BCM numbers, by the rule in the header comment. */
export function findGpioChip(sysfsRoot: string, chipLabel: string): GpioChipInfo {
  const chips = listGpioChips(sysfsRoot);
  const auto = chipLabel === 'auto';
  const matches = auto
    ? chips.filter((c) => c.label.startsWith('pinctrl-') && c.ngpio >= HEADER_LINES)
    : chips.filter((c) => c.label === chipLabel);
  const wanted = auto ? `a 'pinctrl-*' chip with >= ${HEADER_LINES} lines (chipLabel auto)` : `a chip labelled '${chipLabel}'`;
  if (matches.length === 1) return matches[0]!;
  const problem = matches.length === 0 ? `no gpiochip matches ${wanted}` : `several gpiochips match ${wanted}`;
  throw new HalError('gpio', `${problem} under ${sysfsRoot}; found: ${describeChips(chips)}. Set hal.gpio.chipLabel to one of the labels.`);
}

/** Maps BCM numbers to sysfs line numbers (base + BCM). */
export class GpioNumbering {
  constructor(readonly chip: GpioChipInfo) {}

  static discover(sysfsRoot: string, chipLabel: string): GpioNumbering {
    return new GpioNumbering(findGpioChip(sysfsRoot, chipLabel));
  }

  line(bcm: number): number {
    if (!Number.isInteger(bcm) || bcm < 0 || bcm >= this.chip.ngpio) {
      throw new HalError('gpio', `BCM ${bcm} is not a line of ${this.chip.name} (${this.chip.label}, ${this.chip.ngpio} lines)`);
    }
    return this.chip.base + bcm;
  }
}
