// Register map of the Eastron SDM120 (single phase), REFERENCE.md 4.1. Must not: hold logic; data only.
//
// Function code 04, float32 high word first. Only L1 exists; 0x000C is the total active power (on the
// three-phase meters it is P L1). Factory default 2400 baud 8N1, id 1 (SolarNetwork wiki).
// UNVERIFIED: the largest request the SDM120 accepts; we keep blocks to 40 registers (2 requests).
// UNVERIFIED: serial number at holding register 0xFC00 (u32), as on the other Eastron meters.

import type { MeterMap } from '../map.js';

const f = (address: number, scale = 1) => ({ address, type: 'float32' as const, scale });

export const sdm120: MeterMap = {
  model: 'sdm120',
  name: 'Eastron SDM120',
  phases: 1,
  functionCode: 4,
  wordOrder: 'high-first',
  nanSentinels: false,
  maxRegisters: 40,
  defaults: { baud: 2400, parity: 'none', address: 1 },
  energyImport: f(0x0048, 1000), // kWh -> Wh
  power: f(0x000c),
  voltage: [f(0x0000)],
  current: [f(0x0006)],
  frequency: { ...f(0x0046), tenthsAbove: 100 },
  serial: { functionCode: 3, field: { address: 0xfc00, type: 'u32', scale: 1 } },
};
