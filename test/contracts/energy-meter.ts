// The EnergyMeter contract (hal/types.ts) every meter driver must meet, as a reusable suite
// (DESIGN.md: one contract suite runs against every driver). A driver joins with a rig that builds the
// meter and can make energy flow, break the device and repair it.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HalError } from '../../hal/errors.js';
import type { EnergyMeter, MeterReading } from '../../hal/types.js';

export interface EnergyMeterRig {
  meter: EnergyMeter;
  /** Lets energy flow through the meter for a while: its import register must grow. */
  consume(): Promise<void>;
  /** The device stops answering (or answers rubbish). */
  breakDevice(): void;
  /** The device answers again. */
  repairDevice(): void;
  dispose(): Promise<void>;
}

const numbers = (r: MeterReading): number[] => [r.energyImportWh, r.powerW, r.frequencyHz, r.takenAt, ...Object.values(r.voltageV), ...Object.values(r.currentA)];

export function describeEnergyMeterContract(name: string, makeRig: () => Promise<EnergyMeterRig>): void {
  describe(`EnergyMeter contract: ${name}`, () => {
    let rig: EnergyMeterRig;
    beforeEach(async () => {
      rig = await makeRig();
    });
    afterEach(async () => {
      await rig.dispose();
    });

    it('GIVEN a meter WHEN created THEN it declares phases (1 or 3), a model and a serial text', () => {
      const caps = rig.meter.capabilities;
      expect([1, 3]).toContain(caps.phases);
      expect(caps.model.trim()).not.toBe('');
      expect(typeof caps.serial).toBe('string');
      expect(caps.serial.trim()).not.toBe('');
    });

    it('GIVEN a meter WHEN read THEN a sane reading: finite numbers, mains voltage on L1, 0 or 45-65 Hz', async () => {
      const r = await rig.meter.read();
      for (const v of numbers(r)) expect(Number.isFinite(v)).toBe(true);
      expect(r.energyImportWh).toBeGreaterThanOrEqual(0);
      expect(r.voltageV.l1).toBeGreaterThan(80);
      expect(r.voltageV.l1).toBeLessThan(300);
      for (const a of Object.values(r.currentA)) expect(a).toBeGreaterThanOrEqual(0);
      if (r.frequencyHz !== 0) expect(r.frequencyHz).toBeGreaterThanOrEqual(45);
      expect(r.frequencyHz).toBeLessThanOrEqual(65);
    });

    it('GIVEN a single-phase meter WHEN read THEN L2 and L3 read 0', async () => {
      if (rig.meter.capabilities.phases !== 1) return;
      const r = await rig.meter.read();
      expect([r.voltageV.l2, r.voltageV.l3, r.currentA.l2, r.currentA.l3]).toEqual([0, 0, 0, 0]);
    });

    it('GIVEN energy flowing WHEN read repeatedly THEN the register grows and never decreases, takenAt never goes back', async () => {
      const first = await rig.meter.read();
      await rig.consume();
      const second = await rig.meter.read();
      const third = await rig.meter.read();
      expect(second.energyImportWh).toBeGreaterThan(first.energyImportWh);
      expect(third.energyImportWh).toBeGreaterThanOrEqual(second.energyImportWh);
      expect(second.takenAt).toBeGreaterThanOrEqual(first.takenAt);
      expect(third.takenAt).toBeGreaterThanOrEqual(second.takenAt);
    });

    it('GIVEN a device that fails WHEN read THEN it rejects with HalError for device "meter"; repaired, it reads again', async () => {
      await rig.meter.read();
      rig.breakDevice();
      const err = await rig.meter.read().then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(HalError);
      expect((err as HalError).device).toBe('meter');
      expect((err as HalError).message.startsWith('meter: ')).toBe(true);
      rig.repairDevice();
      expect(Number.isFinite((await rig.meter.read()).energyImportWh)).toBe(true);
    });

    it('GIVEN two reads at once WHEN both settle THEN both resolve with the same register', async () => {
      const [a, b] = await Promise.all([rig.meter.read(), rig.meter.read()]);
      expect(a.energyImportWh).toBe(b.energyImportWh);
    });
  });
}
