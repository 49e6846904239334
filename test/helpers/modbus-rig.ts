// Test rig for the Modbus meter driver at the process boundary: a socat pty pair, the simulated slave
// (bench/modbus-slave.ts) on one end and real buses (modbus-serial + serialport) on the other.
// Owns: starting/stopping them and closing every bus a test created. Must not: fake the driver.

import type { Clock } from '../../hal/clock.js';
import { systemClock } from '../../hal/clock.js';
import type { ModbusBusConfig } from '../../hal/config.js';
import { createModbusMeters, type ModbusMeters, type ModbusMeterSpec } from '../../hal/modbus/index.js';
import { ModbusSlave, type SlaveLine } from '../../bench/modbus-slave.js';
import { openPtyPair, type PtyPair } from '../../bench/pty.js';

export interface ModbusRig {
  pty: PtyPair;
  slave: ModbusSlave;
  /** A bus config on the driver's end of the pty (id "rs485"), with overrides. */
  busConfig(overrides?: Partial<ModbusBusConfig>): ModbusBusConfig;
  /** Meters on one bus "rs485"; closed by closeMeters(). */
  meters(specs: Array<Omit<ModbusMeterSpec, 'bus'>>, bus?: Partial<ModbusBusConfig>, clock?: Clock): Promise<ModbusMeters>;
  closeMeters(): Promise<void>;
  close(): Promise<void>;
}

export async function startModbusRig(line: SlaveLine): Promise<ModbusRig> {
  const pty = await openPtyPair();
  const slave = await ModbusSlave.open(pty.b, line);
  const open: ModbusMeters[] = [];
  const rig: ModbusRig = {
    pty,
    slave,
    busConfig: (overrides = {}) => ({
      id: 'rs485',
      port: pty.a,
      baud: line.baud,
      parity: line.parity ?? 'none',
      stopBits: line.stopBits ?? 1,
      timeoutMs: 500,
      retries: 0,
      ...overrides,
    }),
    async meters(specs, bus = {}, clock = systemClock) {
      const created = await createModbusMeters([rig.busConfig(bus)], specs.map((s) => ({ bus: 'rs485', ...s })), clock);
      open.push(created);
      return created;
    },
    async closeMeters() {
      await Promise.all(open.splice(0).map((m) => m.close()));
    },
    async close() {
      await rig.closeMeters();
      await slave.close();
      await pty.close();
    },
  };
  return rig;
}
