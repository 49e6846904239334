// Modbus RTU energy meters: builds buses and meters from the hardware configuration.
// Owns: one bus per configured serial port, shared by the meters on it; closing them.
// Must not: load modbus-serial/serialport at import time (createModbusMeters loads them lazily).

import type { Clock } from '../clock.js';
import type { MeterModel, ModbusBusConfig } from '../config.js';
import { HalError } from '../errors.js';
import { loadModbusPackages, ModbusBus, type ModbusPackages } from './bus.js';
import { meterMap } from './maps/index.js';
import { ModbusMeter } from './meter.js';

export { ModbusBus, ModbusError, loadModbusPackages, type BusCounters, type ModbusErrorKind, type ModbusPackages } from './bus.js';
export { decodeField, decodeRaw, toReading } from './decode.js';
export { bitsPerChar, frameGapMs, lineTimeMs, readBoundMs, type LineSettings } from './line.js';
export { planReads, readingFields, type MeterMap, type ReadBlock, type RegisterField } from './map.js';
export { METER_MAPS, METER_MODELS, meterMap } from './maps/index.js';
export { ModbusMeter, type PlannedRequest } from './meter.js';
export { implausibility, probeMeter, type ProbeResult } from './probe.js';

/** A meter on a bus, as in the config's `{ driver: modbus, bus, model, address }`. */
export interface ModbusMeterSpec {
  bus: string;
  model: MeterModel;
  address: number;
}

export interface ModbusMeters {
  /** In the order of the specs given. */
  meters: ModbusMeter[];
  /** By bus id; only buses some meter uses are opened (lazily, at the first request). */
  buses: Map<string, ModbusBus>;
  close(): Promise<void>;
}

/**
 * Creates the meters; ports open at the first read, so a missing adapter shows up as failed reads (and
 * the poller's meter-offline fault), not as a failed start. Throws HalError for an unknown bus id or
 * model, or when modbus-serial/serialport are not installed.
 */
export async function createModbusMeters(
  buses: readonly ModbusBusConfig[],
  specs: readonly ModbusMeterSpec[],
  clock: Clock,
  packages?: ModbusPackages,
): Promise<ModbusMeters> {
  const maps = specs.map((s) => meterMap(s.model));
  for (const s of specs) {
    if (!buses.some((b) => b.id === s.bus)) {
      throw new HalError('meter', `no Modbus bus ${JSON.stringify(s.bus)}; configured buses: ${buses.map((b) => b.id).join(', ') || 'none'}`);
    }
  }
  const pkgs = packages ?? (await loadModbusPackages());
  const opened = new Map<string, ModbusBus>();
  const busFor = (id: string): ModbusBus => {
    let bus = opened.get(id);
    if (!bus) {
      bus = new ModbusBus(buses.find((b) => b.id === id)!, pkgs);
      opened.set(id, bus);
    }
    return bus;
  };
  const meters = specs.map((s, i) => new ModbusMeter(busFor(s.bus), maps[i]!, s.address, clock));
  return { meters, buses: opened, close: () => closeBuses(opened.values()) };
}

/** Closes every bus (waiting for requests in flight). */
export async function closeBuses(buses: Iterable<ModbusBus>): Promise<void> {
  await Promise.all([...buses].map((b) => b.close()));
}
