// Contract every TemperatureSensor driver must meet (hal/types.ts), run against the simulated sensor and
// the real sysfs ones. The rig's `heat` sets what the sensor would measure.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TemperatureSensor } from '../../hal/types.js';

export interface TemperatureRig {
  sensor: TemperatureSensor;
  heat(celsius: number): void;
  dispose(): Promise<void>;
}

export function describeTemperatureContract(name: string, makeRig: () => TemperatureRig | Promise<TemperatureRig>): void {
  describe(`TemperatureSensor contract: ${name}`, () => {
    let rig: TemperatureRig;
    beforeEach(async () => {
      rig = await makeRig();
    });
    afterEach(() => rig.dispose());

    it('GIVEN a sensor WHEN created THEN it names its location', () => {
      expect(rig.sensor.capabilities.location).toMatch(/\S/);
    });

    it.each([21.5, 0, -10.25, 71])('GIVEN the sensor sits at %s °C WHEN read THEN it resolves that temperature', async (c) => {
      rig.heat(c);
      expect(await rig.sensor.read()).toBeCloseTo(c, 2);
    });
  });
}
