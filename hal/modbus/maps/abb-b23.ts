// Register map of the ABB B23 212-100, REFERENCE.md 4.2 (sources: WB b23.py, SE meter table). Data only.
//
// Function code 03, big-endian integers high word first. All-ones unsigned / max-positive signed raw
// values mean "not available" (WB b23.py NAN table): the driver rejects such a read as an error.
// Energy is U64 in 0.01 kWh (x10 -> Wh); V U32 0.1 V; I U32 0.01 A; P S32 0.01 W; f U16 0.01 Hz.
// Serial number: U32 at 0x8900 (Victron dbus-modbus-client abb.py; not in REFERENCE.md).
// UNVERIFIED: default baud, parity and id (REFERENCE.md 4.2); we assume 9600 8N1 id 1. UNVERIFIED: the
// largest request; we keep blocks to 50 registers (2 requests: energy, then 0x5B00-0x5B2C).
// The RS-485 A/B terminals are labelled the other way round (SE).

import type { MeterMap } from '../map.js';

export const abbB23: MeterMap = {
  model: 'abb-b23',
  name: 'ABB B23 212-100',
  phases: 3,
  functionCode: 3,
  wordOrder: 'high-first',
  nanSentinels: true,
  maxRegisters: 50,
  defaults: { baud: 9600, parity: 'none', address: 1 },
  energyImport: { address: 0x5000, type: 'u64', scale: 10 },
  power: { address: 0x5b14, type: 's32', scale: 0.01 },
  voltage: [0x5b00, 0x5b02, 0x5b04].map((address) => ({ address, type: 'u32' as const, scale: 0.1 })),
  current: [0x5b0c, 0x5b0e, 0x5b10].map((address) => ({ address, type: 'u32' as const, scale: 0.01 })),
  frequency: { address: 0x5b2c, type: 'u16', scale: 0.01 },
  serial: { functionCode: 3, field: { address: 0x8900, type: 'u32', scale: 1 } },
};
