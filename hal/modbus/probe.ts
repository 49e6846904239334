// Finds which known meter model answers at a unit id: reads with every register map and keeps the ones
// whose values look like a mains meter. Owns: the plausibility rules. Must not: change the meter's settings.

import type { Clock } from '../clock.js';
import type { MeterModel } from '../config.js';
import type { MeterReading } from '../types.js';
import type { ModbusBus } from './bus.js';
import type { MeterMap } from './map.js';
import { METER_MAPS } from './maps/index.js';
import { ModbusMeter } from './meter.js';

export interface ProbeResult {
  model: MeterModel;
  name: string;
  plausible: boolean;
  /** The reading decoded with this model's map, when the read succeeded. */
  reading: MeterReading | null;
  serial: string;
  /** Why the model does not fit (read error or implausible value); null when plausible. */
  problem: string | null;
}

const within = (v: number, lo: number, hi: number) => Number.isFinite(v) && v >= lo && v <= hi;

/**
 * Null when the reading looks like a meter on a 230/400 V grid, else the first reason it does not.
 * The meters are powered from L1, so L1 must carry a mains voltage; other phases may be 0.
 */
export function implausibility(r: MeterReading, map: MeterMap): string | null {
  if (!within(r.voltageV.l1, 80, 300)) return `voltage L1 ${r.voltageV.l1} V is not a mains voltage`;
  const phases = map.phases === 3 ? (['l1', 'l2', 'l3'] as const) : (['l1'] as const);
  for (const p of phases) {
    if (!within(r.voltageV[p], 0, 300)) return `voltage ${p.toUpperCase()} ${r.voltageV[p]} V is out of range`;
    if (!within(r.currentA[p], 0, 250)) return `current ${p.toUpperCase()} ${r.currentA[p]} A is out of range`;
  }
  if (!within(Math.abs(r.powerW), 0, 250_000)) return `power ${r.powerW} W is out of range`;
  if (!within(r.energyImportWh, 0, 1e11)) return `energy ${r.energyImportWh} Wh is out of range`;
  if (r.frequencyHz !== 0 && !within(r.frequencyHz, 45, 65)) return `frequency ${r.frequencyHz} Hz is out of range`;
  return null;
}

/** Tries every known model at `address`, one after the other. The Eastron models share one layout: all fit. */
export async function probeMeter(bus: ModbusBus, address: number, clock: Clock): Promise<ProbeResult[]> {
  const results: ProbeResult[] = [];
  for (const map of Object.values(METER_MAPS)) {
    const meter = new ModbusMeter(bus, map, address, clock);
    try {
      const reading = await meter.read();
      const problem = implausibility(reading, map);
      results.push({ model: map.model, name: map.name, plausible: problem === null, reading, serial: meter.capabilities.serial, problem });
    } catch (err) {
      const problem = err instanceof Error ? err.message : String(err);
      results.push({ model: map.model, name: map.name, plausible: false, reading: null, serial: 'unknown', problem });
    }
  }
  return results;
}
