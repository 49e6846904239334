// Temperature from sysfs millidegree files (hal/rpi/temperature.ts): the SoC thermal zone and a DS18B20's
// w1_therm 'temperature' attribute, in a temporary directory; unreadable or garbage values reject.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HalError } from '../../../hal/errors.js';
import { SysfsTemperature } from '../../../hal/rpi/temperature.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'evse-temp-'));
  file = join(dir, 'temperature');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('SysfsTemperature', () => {
  it.each<['cpu' | 'ds18b20', string, number]>([
    ['cpu', '48312\n', 48.312],
    ['ds18b20', '23187\n', 23.187],
    ['ds18b20', '-1250\n', -1.25],
    ['ds18b20', '85000\n', 85],
  ])('GIVEN a %s file holding %j WHEN read THEN %s °C', async (kind, text, celsius) => {
    writeFileSync(file, text);
    expect(await new SysfsTemperature(kind, file).read()).toBeCloseTo(celsius, 3);
  });

  it.each(['', 'abc\n', '12.5\n', '0x1f\n', 'YES 23000'])('GIVEN a file holding %j WHEN read THEN a HalError says it is not millidegrees', async (text) => {
    writeFileSync(file, text);
    await expect(new SysfsTemperature('cpu', file).read()).rejects.toThrow(/not millidegrees/);
  });

  it('GIVEN a DS18B20 reading far outside its range WHEN read THEN a HalError', async () => {
    writeFileSync(file, '130000\n');
    await expect(new SysfsTemperature('ds18b20', file).read()).rejects.toThrow(/outside the ds18b20 range -55..125/);
  });

  it('GIVEN a sensor that went away WHEN read THEN a HalError names the device and the path', async () => {
    const err = await new SysfsTemperature('ds18b20', join(dir, '28-000000000000', 'temperature'), 'temperature:2').read().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HalError);
    expect((err as HalError).device).toBe('temperature:2');
    expect((err as HalError).message).toContain('28-000000000000');
  });

  it('GIVEN each kind WHEN created THEN the location says where it measures', () => {
    expect(new SysfsTemperature('cpu', file).capabilities.location).toBe('cpu');
    expect(new SysfsTemperature('ds18b20', file).capabilities.location).toBe('enclosure');
  });
});
