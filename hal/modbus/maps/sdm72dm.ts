// Register map of the Eastron SDM72D-M, REFERENCE.md 4.1: the SDM630 layout (function code 04, float32
// high word first). Must not: hold logic; this file is data.
//
// Some SDM72 units accept far fewer registers per request than the SDM630 (WB: "some only 10"), so this
// map reads in blocks of at most 10 registers (4 requests). Should a unit refuse even that, the driver
// falls back to one request per value on an "illegal address/value" exception.
// UNVERIFIED: serial number at holding register 0xFC00 (u32), as on the other Eastron meters.
// Defaults: 9600 baud, id 1, parity none (Eastron's SDM72D-M manual, REFERENCE.md 4.1).

import type { MeterMap } from '../map.js';

const f = (address: number, scale = 1) => ({ address, type: 'float32' as const, scale });

export const sdm72dm: MeterMap = {
  model: 'sdm72dm',
  name: 'Eastron SDM72D-M',
  phases: 3,
  functionCode: 4,
  wordOrder: 'high-first',
  nanSentinels: false,
  maxRegisters: 10,
  defaults: { baud: 9600, parity: 'none', address: 1 },
  energyImport: f(0x0048, 1000), // kWh -> Wh
  power: f(0x0034),
  voltage: [f(0x0000), f(0x0002), f(0x0004)],
  current: [f(0x0006), f(0x0008), f(0x000a)],
  frequency: { ...f(0x0046), tenthsAbove: 100 },
  serial: { functionCode: 3, field: { address: 0xfc00, type: 'u32', scale: 1 } },
};
