// Builds OCPP 1.6 MeterValue entries from a meter reading (REFERENCE.md 8 "Meter values", OCPP 7.43).
// Owns: the supported measurands and their units/phases. Must not: schedule or send anything.

import type { MeterValuesRequest } from 'ocpp-ts';
import type { MeterReading } from '../../hal/types.js';

export type MeterValue = MeterValuesRequest['meterValue'][number];
export type SampledValue = MeterValue['sampledValue'][number];
export type ReadingContext = NonNullable<SampledValue['context']>;

export const SUPPORTED_MEASURANDS = [
  'Energy.Active.Import.Register',
  'Power.Active.Import',
  'Current.Import',
  'Current.Offered',
  'Voltage',
  'Frequency',
  'Temperature',
] as const;

export interface Snapshot {
  reading: MeterReading;
  offeredA: number;
  temperatureC: number | null;
  phases: 1 | 3;
}

const PHASES = ['L1', 'L2', 'L3'] as const;

/** One MeterValue with the requested measurands (unsupported names are skipped). */
export function buildMeterValue(snap: Snapshot, measurands: readonly string[], context: ReadingContext, timestamp: string): MeterValue {
  const sampledValue: SampledValue[] = [];
  const { reading } = snap;
  const phases = PHASES.slice(0, snap.phases);
  const base = { context, format: 'Raw' as const };
  for (const m of measurands) {
    switch (m) {
      case 'Energy.Active.Import.Register':
        sampledValue.push({ ...base, measurand: m, location: 'Outlet', unit: 'Wh', value: fixed(reading.energyImportWh, 0) });
        break;
      case 'Power.Active.Import':
        sampledValue.push({ ...base, measurand: m, location: 'Outlet', unit: 'W', value: fixed(reading.powerW, 1) });
        break;
      case 'Current.Import':
        for (const p of phases) sampledValue.push({ ...base, measurand: m, phase: p, location: 'Outlet', unit: 'A', value: fixed(reading.currentA[lc(p)], 2) });
        break;
      case 'Voltage':
        for (const p of phases) sampledValue.push({ ...base, measurand: m, phase: `${p}-N` as const, location: 'Outlet', unit: 'V', value: fixed(reading.voltageV[lc(p)], 1) });
        break;
      case 'Current.Offered':
        sampledValue.push({ ...base, measurand: m, location: 'Outlet', unit: 'A', value: fixed(snap.offeredA, 1) });
        break;
      case 'Frequency':
        sampledValue.push({ ...base, measurand: m, location: 'Outlet', value: fixed(reading.frequencyHz, 2) });
        break;
      case 'Temperature':
        if (snap.temperatureC !== null) sampledValue.push({ ...base, measurand: m, location: 'Body', unit: 'Celcius', value: fixed(snap.temperatureC, 1) });
        break;
    }
  }
  return { timestamp, sampledValue };
}

function lc(p: 'L1' | 'L2' | 'L3'): 'l1' | 'l2' | 'l3' {
  return p.toLowerCase() as 'l1' | 'l2' | 'l3';
}

function fixed(x: number, digits: number): string {
  return (Number.isFinite(x) ? x : 0).toFixed(digits);
}
