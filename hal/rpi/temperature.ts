// Temperature from a sysfs file in millidegrees Celsius: the SoC ('cpu', thermal_zone0/temp) or a DS18B20 on
// the 1-wire bus ('ds18b20', /sys/bus/w1/devices/28-.../temperature, w1_therm). Owns: reading and checking
// the value. Must not: derate or stop charging (the app does); 'sim' sensors are built elsewhere.

import { readFile } from 'node:fs/promises';
import { HalError } from '../errors.js';
import type { TemperatureSensor } from '../types.js';
import { errText } from './optional-import.js';

/** DS18B20 datasheet range, -55 to +125 °C; anything outside is a bad read. */
const DS18B20_RANGE: readonly [number, number] = [-55, 125];
/** A plausible SoC temperature range. */
const CPU_RANGE: readonly [number, number] = [-40, 150];

export class SysfsTemperature implements TemperatureSensor {
  readonly capabilities: { location: string };
  private readonly range: readonly [number, number];

  constructor(
    readonly kind: 'cpu' | 'ds18b20',
    readonly path: string,
    private readonly device = 'temperature',
  ) {
    this.capabilities = { location: kind === 'cpu' ? 'cpu' : 'enclosure' };
    this.range = kind === 'cpu' ? CPU_RANGE : DS18B20_RANGE;
  }

  async read(): Promise<number> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      throw new HalError(this.device, `cannot read ${this.kind} sensor ${this.path} (${errText(err)})`, { cause: err });
    }
    return this.parse(text);
  }

  private parse(text: string): number {
    const trimmed = text.trim();
    if (!/^-?\d+$/.test(trimmed)) {
      throw new HalError(this.device, `${this.path} holds ${JSON.stringify(trimmed.slice(0, 40))}, not millidegrees`);
    }
    const celsius = Number(trimmed) / 1000;
    const [min, max] = this.range;
    if (celsius < min || celsius > max) {
      throw new HalError(this.device, `${this.path} reads ${celsius} °C, outside the ${this.kind} range ${min}..${max} °C`);
    }
    return celsius;
  }
}
