// Register map of the Eastron SDM630 (v2), REFERENCE.md 4.1 (sources: WB sdm.py, EV Eastron_SDM630-V2.yaml,
// SE meter table). Must not: hold logic; this file is data.
//
// Function code 04, float32 high word first. At most 80 registers per request (SE): the whole reading
// (0x0000-0x0049, 74 registers) is one request.
// UNVERIFIED: the serial number at holding register 0xFC00 (u32), from Eastron's protocol sheet as quoted
// by users, not by REFERENCE.md; a meter that refuses it keeps serial "unknown" and reads normally.
// UNVERIFIED: default parity (Eastron: none; ob121/lamaplc: even); we default to none.

import type { MeterMap } from '../map.js';

const f = (address: number, scale = 1) => ({ address, type: 'float32' as const, scale });

export const sdm630: MeterMap = {
  model: 'sdm630',
  name: 'Eastron SDM630',
  phases: 3,
  functionCode: 4,
  wordOrder: 'high-first',
  nanSentinels: false,
  maxRegisters: 80,
  defaults: { baud: 9600, parity: 'none', address: 1 },
  energyImport: f(0x0048, 1000), // kWh -> Wh
  power: f(0x0034),
  voltage: [f(0x0000), f(0x0002), f(0x0004)],
  current: [f(0x0006), f(0x0008), f(0x000a)],
  frequency: { ...f(0x0046), tenthsAbove: 100 }, // WB: some report 500 for 50.0 Hz
  serial: { functionCode: 3, field: { address: 0xfc00, type: 'u32', scale: 1 } },
};
