// GIVEN a simulated meter of each model on a real pty line WHEN the Modbus driver reads it THEN energy,
// power, V and A per phase and frequency decode as the maker's table encodes them (word order, types,
// scale), over the requests the map plans. The slave encodes registers independently of hal/modbus/maps.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HalError } from '../../hal/errors.js';
import { METER_MAPS } from '../../hal/modbus/index.js';
import type { MeterValues, SimModel } from '../../bench/modbus-registers.js';
import { startModbusRig, type ModbusRig } from '../helpers/modbus-rig.js';

let rig: ModbusRig;
beforeAll(async () => {
  rig = await startModbusRig({ baud: 38400, turnaroundMs: 1 });
});
afterEach(async () => {
  await rig.closeMeters();
});
afterAll(async () => {
  await rig.close();
});

// Values whose high and low words differ, and a negative (exported) power, so a swapped word order or a
// wrong sign shows up as a wildly wrong number.
const VALUES: MeterValues = {
  energyWh: 7_654_321_00, // 765,432.1 kWh
  powerW: -3_456.7,
  voltageV: [232.4, 228.9, 235.6],
  currentA: [15.125, 0.5, 31.75],
  frequencyHz: 49.95,
  serial: 31_415_926,
};

const THREE_PHASE: Array<[SimModel, { energy: number; volts: number; amps: number; hz: number }]> = [
  ['sdm630', { energy: 1000, volts: 0.05, amps: 0.005, hz: 0.01 }], // float32: ~7 significant digits
  ['sdm72dm', { energy: 1000, volts: 0.05, amps: 0.005, hz: 0.01 }],
  ['abb-b23', { energy: 10, volts: 0.051, amps: 0.0051, hz: 0.0051 }], // 0.01 kWh, 0.1 V, 0.01 A, 0.01 Hz (rounded)
  ['em340', { energy: 100, volts: 0.051, amps: 0.00051, hz: 0.051 }], // 0.1 kWh, 0.1 V, 0.001 A, 0.1 Hz
];

describe('Modbus meters: decoding each model over a pty', () => {
  it.each(THREE_PHASE)('GIVEN a %s WHEN read THEN every quantity matches what the meter holds', async (model, tol) => {
    rig.slave.serve(7, model, VALUES);
    const { meters } = await rig.meters([{ model, address: 7 }]);
    const r = await meters[0]!.read();
    expect(Math.abs(r.energyImportWh - VALUES.energyWh)).toBeLessThanOrEqual(tol.energy);
    expect(r.powerW).toBeCloseTo(VALUES.powerW, 1);
    (['l1', 'l2', 'l3'] as const).forEach((p, i) => {
      expect(Math.abs(r.voltageV[p] - VALUES.voltageV[i]!)).toBeLessThanOrEqual(tol.volts);
      expect(Math.abs(r.currentA[p] - VALUES.currentA[i]!)).toBeLessThanOrEqual(tol.amps);
    });
    expect(Math.abs(r.frequencyHz - VALUES.frequencyHz)).toBeLessThanOrEqual(tol.hz);
    expect(meters[0]!.capabilities.phases).toBe(3);
  });

  it('GIVEN an SDM120 (single phase) WHEN read THEN L1 is decoded, L2/L3 are 0 and power is the total at 0x000C', async () => {
    rig.slave.serve(3, 'sdm120', { ...VALUES, powerW: 3_500 });
    const { meters } = await rig.meters([{ model: 'sdm120', address: 3 }]);
    const r = await meters[0]!.read();
    expect(r.powerW).toBe(3_500);
    expect(r.voltageV).toEqual({ l1: 232.4, l2: 0, l3: 0 });
    expect(r.currentA).toEqual({ l1: 15.125, l2: 0, l3: 0 });
    expect(meters[0]!.capabilities).toMatchObject({ phases: 1, model: 'Eastron SDM120' });
    expect(meters[0]!.requests.every((q) => q.count <= METER_MAPS.sdm120.maxRegisters)).toBe(true);
  });

  it('GIVEN an SDM630 WHEN read THEN the total power (0x0034) is reported, not phase L1 (0x000C)', async () => {
    rig.slave.serve(1, 'sdm630', { powerW: 9_999, voltageV: [230, 230, 230], currentA: [10, 10, 10] });
    const { meters } = await rig.meters([{ model: 'sdm630', address: 1 }]);
    expect((await meters[0]!.read()).powerW).toBe(9_999); // L1 alone would be 2,300 W
  });

  it('GIVEN each model WHEN read THEN the requests are the planned blocks, none larger than the map allows', async () => {
    const expected: Record<SimModel, number> = { sdm630: 1, sdm72dm: 4, sdm120: 2, 'abb-b23': 2, em340: 2 };
    for (const model of Object.keys(expected) as SimModel[]) {
      rig.slave.serve(9, model, VALUES, { maxRegisters: METER_MAPS[model].maxRegisters });
      const { meters, buses } = await rig.meters([{ model, address: 9 }]);
      await meters[0]!.read(); // the first read also asks for the serial number
      const before = rig.slave.seen.length;
      await meters[0]!.read();
      const seen = rig.slave.seen.slice(before);
      expect(seen.map((s) => [s.address, s.count])).toEqual(meters[0]!.requests.map((q) => [q.address, q.count]));
      expect(seen).toHaveLength(expected[model]);
      expect(buses.get('rs485')!.counters.exceptions).toBe(0);
      await rig.closeMeters();
    }
  });

  it('GIVEN meters with a serial number register WHEN read THEN capabilities.serial carries it; the EM340 stays "unknown"', async () => {
    rig.slave.serve(1, 'sdm630', VALUES);
    rig.slave.serve(2, 'abb-b23', VALUES);
    rig.slave.serve(3, 'em340', VALUES);
    const { meters } = await rig.meters([
      { model: 'sdm630', address: 1 },
      { model: 'abb-b23', address: 2 },
      { model: 'em340', address: 3 },
    ]);
    expect(meters.map((m) => m.capabilities.serial)).toEqual(['unknown', 'unknown', 'unknown']);
    for (const m of meters) await m.read();
    expect(meters.map((m) => m.capabilities.serial)).toEqual(['31415926', '31415926', 'unknown']);
  });

  it('GIVEN an Eastron meter that reports tenths of a hertz WHEN read THEN frequency is still in Hz', async () => {
    rig.slave.serve(1, 'sdm630', { frequencyHz: 500.2 });
    const { meters } = await rig.meters([{ model: 'sdm630', address: 1 }]);
    expect((await meters[0]!.read()).frequencyHz).toBeCloseTo(50.02, 2);
  });

  it('GIVEN an ABB B23 holding all-ones ("not available") in a voltage register WHEN read THEN the read rejects; once valid it reads again', async () => {
    rig.slave.serve(2, 'abb-b23', VALUES);
    rig.slave.setRaw(2, 3, 0x5b02, [0xffff, 0xffff]);
    const { meters } = await rig.meters([{ model: 'abb-b23', address: 2 }]);
    const err = await meters[0]!.read().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HalError);
    expect((err as HalError).device).toBe('meter');
    expect((err as HalError).message).toMatch(/no valid value for v2 at 0x5b02/);
    rig.slave.setRaw(2, 3, 0x5b02, [0, 2289]);
    expect((await meters[0]!.read()).voltageV.l2).toBeCloseTo(228.9, 5);
  });

  it('GIVEN an SDM630 that accepts only 10 registers per request WHEN read THEN the driver falls back to one request per value', async () => {
    rig.slave.serve(4, 'sdm630', VALUES, { maxRegisters: 10 });
    const { meters, buses } = await rig.meters([{ model: 'sdm630', address: 4 }]);
    const first = await meters[0]!.read();
    expect(first.energyImportWh).toBeCloseTo(VALUES.energyWh, -4);
    expect(buses.get('rs485')!.counters.exceptions).toBe(1);
    expect(meters[0]!.requests.every((q) => q.count <= 2)).toBe(true);
    const second = await meters[0]!.read();
    expect(second.voltageV).toEqual(first.voltageV);
    expect(buses.get('rs485')!.counters.exceptions).toBe(1);
  });

  it('GIVEN an SDM72D-M that accepts only 2 registers WHEN first read THEN every refused block is split and the read succeeds', async () => {
    rig.slave.serve(6, 'sdm72dm', VALUES, { maxRegisters: 2 });
    const { meters, buses } = await rig.meters([{ model: 'sdm72dm', address: 6 }]);
    const r = await meters[0]!.read();
    expect(r.frequencyHz).toBeCloseTo(VALUES.frequencyHz, 2);
    expect(r.currentA.l3).toBe(31.75);
    expect(buses.get('rs485')!.counters.exceptions).toBe(2); // 0x0000 x10 and 0x0046 x4
    expect(meters[0]!.requests.every((q) => q.count === 2)).toBe(true);
  });
});
