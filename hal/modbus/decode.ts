// Turns the bytes of a register block into scaled numbers, and the numbers into a MeterReading.
// Owns: word order, register types, scale, "not available" sentinels. Must not: do I/O.

import type { MeterReading } from '../types.js';
import { REGISTER_COUNT, type MeterMap, type Quantity, type ReadBlock, type RegisterField, type WordOrder } from './map.js';

/** Raw values that mean "not available" on meters that use sentinels (WB b23.py NAN table). */
const SENTINELS: Record<RegisterField['type'], bigint | null> = {
  float32: null,
  u16: 0xffffn,
  s16: 0x7fffn,
  u32: 0xffff_ffffn,
  s32: 0x7fff_ffffn,
  u64: 0xffff_ffff_ffff_ffffn,
};

/** The field's bytes in big-endian order (words swapped back when the meter sends the low word first). */
function fieldBytes(bytes: Buffer, offsetRegisters: number, field: RegisterField, order: WordOrder): Buffer {
  const n = REGISTER_COUNT[field.type];
  const start = offsetRegisters * 2;
  if (start < 0 || start + n * 2 > bytes.length) throw new RangeError(`register 0x${field.address.toString(16)} is outside the block`);
  const raw = bytes.subarray(start, start + n * 2);
  if (order === 'high-first' || n === 1) return raw;
  const swapped = Buffer.alloc(n * 2);
  for (let w = 0; w < n; w++) raw.copy(swapped, (n - 1 - w) * 2, w * 2, w * 2 + 2);
  return swapped;
}

/** The unscaled value of a field; NaN for a sentinel (when the map uses them) or a non-finite float. */
export function decodeRaw(bytes: Buffer, offsetRegisters: number, field: RegisterField, order: WordOrder, sentinels: boolean): number {
  const b = fieldBytes(bytes, offsetRegisters, field, order);
  const bits = field.type === 'u64' ? b.readBigUInt64BE(0) : field.type === 'float32' ? null : BigInt(b.length === 2 ? b.readUInt16BE(0) : b.readUInt32BE(0));
  if (sentinels && bits !== null && bits === SENTINELS[field.type]) return Number.NaN;
  switch (field.type) {
    case 'float32':
      // A float32 carries about 7 significant digits; more would be noise (230.1 reads 230.100006...).
      return Number(b.readFloatBE(0).toPrecision(7));
    case 'u16':
      return b.readUInt16BE(0);
    case 's16':
      return b.readInt16BE(0);
    case 'u32':
      return b.readUInt32BE(0);
    case 's32':
      return b.readInt32BE(0);
    case 'u64':
      return Number(b.readBigUInt64BE(0));
  }
}

/** A field's value in the reading's unit (Wh, W, V, A, Hz); NaN when not available. */
export function decodeField(bytes: Buffer, block: { address: number }, field: RegisterField, map: Pick<MeterMap, 'wordOrder' | 'nanSentinels'>): number {
  const raw = decodeRaw(bytes, field.address - block.address, field, map.wordOrder, map.nanSentinels);
  if (!Number.isFinite(raw)) return Number.NaN;
  // 12 significant digits drop the binary noise of scaling (2301 x 0.1 = 230.10000000000002).
  const value = Number((raw * field.scale).toPrecision(12));
  return field.tenthsAbove !== undefined && value > field.tenthsAbove ? value / 10 : value;
}

export type Values = Partial<Record<Quantity, number>>;

/** Decodes every field of a block into `into`; returns the quantities that were not available. */
export function decodeBlock(bytes: Buffer, block: ReadBlock, map: MeterMap, into: Values): Quantity[] {
  const invalid: Quantity[] = [];
  for (const { quantity, field } of block.fields) {
    const value = decodeField(bytes, block, field, map);
    if (Number.isFinite(value)) into[quantity] = value;
    else invalid.push(quantity);
  }
  return invalid;
}

/** Assembles a reading; phases a meter does not have read 0, and so does frequency without a register. */
export function toReading(values: Values, takenAt: number): MeterReading {
  const v = (q: Quantity): number => values[q] ?? 0;
  return {
    energyImportWh: v('energy'),
    powerW: v('power'),
    voltageV: { l1: v('v1'), l2: v('v2'), l3: v('v3') },
    currentA: { l1: v('i1'), l2: v('i2'), l3: v('i3') },
    frequencyHz: v('frequency'),
    takenAt,
  };
}
