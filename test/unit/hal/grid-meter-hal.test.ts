// The grid meter as createHal builds it from the validated hal section: the simulated one for hal.driver sim
// (house load from the config, plus the simulated chargers), none without an entry, and on a Raspberry Pi the
// Modbus driver over a real pty to the simulated slave (bench/modbus-slave.ts), sharing the bus (one request
// queue) with a connector meter on the same line or alone on its own bus. The Pi connector runs on the fakes
// of test/helpers (sysfs tree, onoff, MCP3008 over a fake CP line) on a ManualClock.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RpiHwConfig } from '../../../hal/config.js';
import { HalError } from '../../../hal/errors.js';
import { createHal } from '../../../hal/index.js';
import { ModbusMeter } from '../../../hal/modbus/index.js';
import { createRpiHal } from '../../../hal/rpi/index.js';
import { ManualClock } from '../../../hal/sim/index.js';
import { halSchema } from '../../../src/config/hal-schema.js';
import { FakeCpLine, fakeSpiDevice } from '../../helpers/fake-adc.js';
import { fakeOnoff } from '../../helpers/fake-onoff.js';
import { FakeSysfs } from '../../helpers/fake-sysfs.js';
import { startModbusRig, type ModbusRig } from '../../helpers/modbus-rig.js';
import { rigHwConfig } from '../../helpers/rpi-rig.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const SOCKET = [{ tethered: false, phases: 3 as const }];

describe("createHal({ driver: 'sim' }): the grid meter", () => {
  it('GIVEN hal.gridMeter { driver: sim, houseA } WHEN created THEN hal.gridMeter reads the house load plus the charging connector, and sim.grid steers it', async () => {
    const clock = new ManualClock();
    const hw = halSchema.parse({ gridMeter: { driver: 'sim', houseA: [4, 5, 6] } });
    const { hal, sim } = await createHal({ driver: 'sim', connectors: SOCKET, hw }, clock);
    cleanups.push(() => hal.close());
    expect((await hal.gridMeter!.read()).currentA).toEqual({ l1: 4, l2: 5, l3: 6 });
    const board = sim!.connector(1);
    board.plug();
    board.request('charge');
    board.pilot.setOutput({ mode: 'pwm', dutyPercent: 26.7 });
    board.contactor.close();
    clock.advance(200);
    const charger = (await hal.connectors[0]!.meter.read()).currentA.l1;
    expect(charger).toBeGreaterThan(15);
    sim!.grid!.setHouseLoad(10);
    expect((await hal.gridMeter!.read()).currentA).toEqual({ l1: 10 + charger, l2: 10 + charger, l3: 10 + charger });
  });

  it('GIVEN no gridMeter entry (or no hal section at all) WHEN created THEN hal.gridMeter and sim.grid are null', async () => {
    const clock = new ManualClock();
    for (const hw of [halSchema.parse({}), undefined]) {
      const { hal, sim } = await createHal({ driver: 'sim', connectors: SOCKET, ...(hw ? { hw } : {}) }, clock);
      expect(hal.gridMeter).toBeNull();
      expect(sim!.grid).toBeNull();
    }
  });

  it('GIVEN a Modbus grid meter with the simulator (config not validated) WHEN created THEN it rejects naming the driver', async () => {
    const hw: RpiHwConfig = { ...halSchema.parse({}), gridMeter: { driver: 'modbus', bus: 'rs485', model: 'sdm630', address: 2 } };
    await expect(createHal({ driver: 'sim', connectors: SOCKET, hw }, new ManualClock())).rejects.toThrow(
      new HalError('hal', 'grid meter driver "modbus" needs hal.driver rpi; the simulator has { driver: sim }'),
    );
  });
});

describe("createHal({ driver: 'rpi' }): the grid meter", () => {
  it('GIVEN a simulated grid meter on a Pi (config not validated) WHEN created THEN it rejects before any GPIO is touched', async () => {
    const hw: RpiHwConfig = { gpio: { sysfsRoot: '/nonexistent', chipLabel: 'auto', debounceMs: 10 }, modbus: [], connectors: [rigHwConfig()], rfid: { driver: 'none' }, gridMeter: { driver: 'sim' } };
    await expect(createHal({ driver: 'rpi', connectors: SOCKET, hw }, new ManualClock())).rejects.toThrow(
      new HalError('hal', 'a simulated grid meter ({ driver: sim }) needs hal.driver sim; on a Pi use { driver: modbus, bus, model, address }'),
    );
  });
});

/** One Pi connector on fakes, its Modbus buses on the rig's pty (bus "rs485"). */
async function piWithGrid(rig: ModbusRig, hwPatch: (hw: RpiHwConfig) => void) {
  const clock = new ManualClock();
  const sysfs = new FakeSysfs();
  const dir = mkdtempSync(join(tmpdir(), 'evse-grid-hal-'));
  cleanups.push(() => sysfs.dispose(), () => rmSync(dir, { recursive: true, force: true }));
  const tempFile = join(dir, 'temp');
  writeFileSync(tempFile, '41500\n');
  const c1 = rigHwConfig({}, tempFile);
  c1.pilot.pwm.sysfsRoot = sysfs.pwmRoot;
  sysfs.exportPwm(0, 0);
  for (const bcm of [27, 22, 13]) sysfs.pendingInputs.set(512 + bcm, 1); // mirror, RCD, lock feedback: active low, idle
  const line = new FakeCpLine(sysfs, { chip: 0, channel: 0 }, { line: 512 + 24, activeLow: false });
  if (c1.pilot.adc.type !== 'mcp3008') throw new Error('the rig connector uses an MCP3008');
  const spi = fakeSpiDevice(line, c1.pilot.adc, c1.pilot.calibration);
  const hw: RpiHwConfig = { gpio: { sysfsRoot: sysfs.gpioRoot, chipLabel: 'auto', debounceMs: 10 }, modbus: [rig.busConfig()], connectors: [c1], rfid: { driver: 'none' } };
  hwPatch(hw);
  const hal = await createRpiHal({ hw, connectors: [{ phases: 3 }], stateDir: dir }, clock, { gpioFactory: fakeOnoff(sysfs, clock).factory, adcModules: { spi } });
  cleanups.push(() => hal.close().catch(() => undefined));
  return hal;
}

describe('createRpiHal: a Modbus grid meter over a pty', () => {
  let rig: ModbusRig;
  afterEach(async () => {
    await rig?.close();
  });

  it('GIVEN a grid SDM630 at id 1 and the connector SDM630 at id 7 on one bus WHEN both are read at once THEN each reads its own unit over one queue, and close() closes the bus', async () => {
    rig = await startModbusRig({ baud: 38400, turnaroundMs: 1 });
    rig.slave.serve(1, 'sdm630', { currentA: [41.5, 37.25, 30], energyWh: 9_876_000 });
    rig.slave.serve(7, 'sdm630', { currentA: [16, 16, 16], energyWh: 1_000 });
    const hal = await piWithGrid(rig, (hw) => {
      hw.connectors[0]!.meter = { driver: 'modbus', bus: 'rs485', model: 'sdm630', address: 7 };
      hw.gridMeter = { driver: 'modbus', bus: 'rs485', model: 'sdm630', address: 1 };
    });
    const grid = hal.gridMeter!;
    expect(grid).toBeInstanceOf(ModbusMeter);
    expect((grid as ModbusMeter).bus).toBe((hal.connectors[0]!.meter as ModbusMeter).bus);
    const [g, c] = await Promise.all([grid.read(), hal.connectors[0]!.meter.read()]);
    expect(g.currentA.l1).toBeCloseTo(41.5, 3);
    expect(g.currentA.l2).toBeCloseTo(37.25, 3);
    expect(g.currentA.l3).toBeCloseTo(30, 3);
    expect(g.energyImportWh).toBeCloseTo(9_876_000, -3);
    expect(c.currentA.l1).toBeCloseTo(16, 3);
    expect(rig.slave.overlaps).toBe(0);
    expect(new Set(rig.slave.seen.map((s) => s.unit))).toEqual(new Set([1, 7]));
    await hal.close();
    await expect(grid.read()).rejects.toBeInstanceOf(HalError);
  });

  it('GIVEN only a grid ABB B23 (the connector estimates) WHEN read THEN the grid meter is the one Modbus meter; a silent meter rejects with HalError "meter"', async () => {
    rig = await startModbusRig({ baud: 38400, turnaroundMs: 1 });
    rig.slave.serve(3, 'abb-b23', { currentA: [12.5, 0, 3.25] });
    const hal = await piWithGrid(rig, (hw) => {
      hw.gridMeter = { driver: 'modbus', bus: 'rs485', model: 'abb-b23', address: 3 };
    });
    expect(hal.connectors[0]!.meter.capabilities.model).toBe('estimated');
    expect(hal.gridMeter!.capabilities.model).toBe('ABB B23 212-100');
    const r = await hal.gridMeter!.read();
    expect(r.currentA.l1).toBeCloseTo(12.5, 6);
    expect(r.currentA.l2).toBe(0);
    expect(r.currentA.l3).toBeCloseTo(3.25, 6);
    rig.slave.fault(3, 'silent');
    const err = await hal.gridMeter!.read().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HalError);
    expect((err as HalError).device).toBe('meter');
  });

  it('GIVEN no gridMeter entry WHEN created THEN hal.gridMeter is null', async () => {
    rig = await startModbusRig({ baud: 38400, turnaroundMs: 1 });
    const hal = await piWithGrid(rig, () => undefined);
    expect(hal.gridMeter).toBeNull();
  });
});
