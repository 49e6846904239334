// Register maps of Modbus energy meters as data, and the planner that turns a map into as few block reads
// as the meter allows. Owns: the map types, the list of quantities a reading needs, block planning.
// Must not: do I/O or decode bytes (decode.ts does that).

import type { MeterModel } from '../config.js';

/** How a value is laid out in its registers (each register is one 16-bit big-endian word on the wire). */
export type RegisterType = 'float32' | 'u16' | 's16' | 'u32' | 's32' | 'u64';

/** Order of the 16-bit words of a multi-register value. */
export type WordOrder = 'high-first' | 'low-first';

export interface RegisterField {
  /** 0-based register address as sent on the wire (REFERENCE.md 4: register 3xxxx = address + 30001). */
  address: number;
  type: RegisterType;
  /** raw value x scale = the MeterReading unit (Wh, W, V, A, Hz). */
  scale: number;
  /** Some meters report tenths although the map says units: a value above this is divided by 10 (WB). */
  tenthsAbove?: number;
}

export interface MeterMap {
  model: MeterModel;
  /** Maker and model, as shown to people and reported as the meter type. */
  name: string;
  phases: 1 | 3;
  /** 3 = read holding registers, 4 = read input registers. */
  functionCode: 3 | 4;
  wordOrder: WordOrder;
  /** Raw all-ones (unsigned) or max-positive (signed) values mean "not available" (ABB): the read fails. */
  nanSentinels: boolean;
  /** Most registers one request may ask for; the planner never exceeds it. */
  maxRegisters: number;
  /** Factory defaults of the serial line and unit id (what `evse meter` assumes when not told). */
  defaults: { baud: number; parity: 'none' | 'even' | 'odd'; address: number };
  energyImport: RegisterField;
  /** Total active power. */
  power: RegisterField;
  /** One field per phase the meter measures (length = phases). */
  voltage: RegisterField[];
  current: RegisterField[];
  /** Absent when the map has no frequency register: the reading then reports 0 Hz ("not measured"). */
  frequency?: RegisterField;
  /** Where the serial number is, when the model has a numeric one; else capabilities.serial is "unknown". */
  serial?: { functionCode: 3 | 4; field: RegisterField };
}

export type Quantity = 'energy' | 'power' | 'v1' | 'v2' | 'v3' | 'i1' | 'i2' | 'i3' | 'frequency';

/** A named field of a map. */
export interface NamedField {
  quantity: Quantity;
  field: RegisterField;
}

/** One request: a contiguous register block and the fields decoded from it. */
export interface ReadBlock {
  address: number;
  count: number;
  fields: NamedField[];
}

export const REGISTER_COUNT: Record<RegisterType, number> = { float32: 2, u16: 1, s16: 1, u32: 2, s32: 2, u64: 4 };

/** Every field one reading needs, in map order. */
export function readingFields(map: MeterMap): NamedField[] {
  const phase = ['1', '2', '3'] as const;
  const fields: NamedField[] = [
    { quantity: 'energy', field: map.energyImport },
    { quantity: 'power', field: map.power },
    ...map.voltage.map((field, i) => ({ quantity: `v${phase[i]!}` as Quantity, field })),
    ...map.current.map((field, i) => ({ quantity: `i${phase[i]!}` as Quantity, field })),
  ];
  if (map.frequency) fields.push({ quantity: 'frequency', field: map.frequency });
  return fields;
}

/**
 * Groups fields into blocks, lowest address first, each spanning at most `maxRegisters` (a field larger
 * than that still gets a block of its own). Gaps inside a block are read and ignored: one request more
 * costs about 13 characters plus the meter's turnaround, more than most gaps.
 */
export function planReads(fields: NamedField[], maxRegisters: number): ReadBlock[] {
  const sorted = [...fields].sort((a, b) => a.field.address - b.field.address);
  const blocks: ReadBlock[] = [];
  for (const named of sorted) {
    const end = named.field.address + REGISTER_COUNT[named.field.type];
    const block = blocks[blocks.length - 1];
    if (block && end - block.address <= maxRegisters) {
      block.count = Math.max(block.count, end - block.address);
      block.fields.push(named);
    } else {
      blocks.push({ address: named.field.address, count: end - named.field.address, fields: [named] });
    }
  }
  return blocks;
}
