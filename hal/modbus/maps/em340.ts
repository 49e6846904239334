// Register map of the Carlo Gavazzi EM340, REFERENCE.md 4.3 (SE table). Data only.
//
// Function code 04, INT32 with the LOW word first. V 0.1 V (L2 at +2, L3 at +4), I 0.001 A (0x000C..),
// P total 0.1 W at 0x0028, import energy 0.1 kWh at 0x0034 (x100 -> Wh).
// UNVERIFIED frequency: INT16 in 0.1 Hz at 0x0033 (REFERENCE.md has "0x0033?"; the public em340d
// register list, config/sensors.yaml, agrees). It falls inside the block we read anyway (0x0028-0x0035).
// UNVERIFIED block size: em340d reads at most 20 registers per request ("EM340 limit"); so do we, which
// gives 2 requests (0x0000-0x0011, 0x0028-0x0035).
// UNVERIFIED bus defaults: we assume 9600 8N1 id 1. The serial number is text, not a number: "unknown".

import type { MeterMap } from '../map.js';

const i32 = (address: number, scale: number) => ({ address, type: 's32' as const, scale });

export const em340: MeterMap = {
  model: 'em340',
  name: 'Carlo Gavazzi EM340',
  phases: 3,
  functionCode: 4,
  wordOrder: 'low-first',
  nanSentinels: false,
  maxRegisters: 20,
  defaults: { baud: 9600, parity: 'none', address: 1 },
  energyImport: i32(0x0034, 100),
  power: i32(0x0028, 0.1),
  voltage: [i32(0x0000, 0.1), i32(0x0002, 0.1), i32(0x0004, 0.1)],
  current: [i32(0x000c, 0.001), i32(0x000e, 0.001), i32(0x0010, 0.001)],
  frequency: { address: 0x0033, type: 's16', scale: 0.1 },
};
