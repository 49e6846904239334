// Unit tests of the Modbus register maps, the decoder (types, word order, scale, sentinels), the block
// planner and the line-time arithmetic, on hand-made register bytes (REFERENCE.md 4.1-4.4).

import { describe, expect, it } from 'vitest';
import { HalError } from '../../../hal/errors.js';
import {
  decodeField,
  decodeRaw,
  METER_MAPS,
  meterMap,
  planReads,
  readBoundMs,
  readingFields,
  toReading,
  type RegisterField,
} from '../../../hal/modbus/index.js';
import { REGISTER_COUNT } from '../../../hal/modbus/map.js';

const bytes = (...words: number[]) => {
  const b = Buffer.alloc(words.length * 2);
  words.forEach((w, i) => b.writeUInt16BE(w, i * 2));
  return b;
};
const field = (type: RegisterField['type'], scale = 1, address = 0): RegisterField => ({ address, type, scale });

describe('decodeRaw: register types and word order', () => {
  it('GIVEN float32 0x4366 0x199A (high word first) WHEN decoded THEN 230.1 (Eastron)', () => {
    expect(decodeRaw(bytes(0x4366, 0x199a), 0, field('float32'), 'high-first', false)).toBe(230.1);
  });

  it('GIVEN an int32 sent low word first WHEN decoded with low-first THEN the words are swapped back (EM340)', () => {
    expect(decodeRaw(bytes(0x08fd, 0x0000), 0, field('s32'), 'low-first', false)).toBe(2301);
    expect(decodeRaw(bytes(0xfffb, 0xffff), 0, field('s32'), 'low-first', false)).toBe(-5);
    expect(decodeRaw(bytes(0x08fd, 0x0000), 0, field('s32'), 'high-first', false)).toBe(0x08fd0000);
  });

  it('GIVEN u32, s32, u16, s16 and u64 values high word first WHEN decoded THEN big-endian integers (ABB)', () => {
    expect(decodeRaw(bytes(0x0001, 0x0000), 0, field('u32'), 'high-first', true)).toBe(65536);
    expect(decodeRaw(bytes(0xffff, 0xfffe), 0, field('s32'), 'high-first', true)).toBe(-2);
    expect(decodeRaw(bytes(0x1389), 0, field('u16'), 'high-first', true)).toBe(5001);
    expect(decodeRaw(bytes(0xfff6), 0, field('s16'), 'high-first', false)).toBe(-10);
    expect(decodeRaw(bytes(0x0000, 0x0001, 0x0000, 0x0002), 0, field('u64'), 'high-first', true)).toBe(2 ** 32 + 2);
  });

  it('GIVEN a field at an offset in a block WHEN decoded THEN its own registers are used', () => {
    expect(decodeRaw(bytes(0xdead, 0xbeef, 0x0000, 0x002a), 2, field('u32'), 'high-first', false)).toBe(42);
    expect(() => decodeRaw(bytes(0x0000), 0, field('u32'), 'high-first', false)).toThrow(RangeError);
  });

  it.each([
    ['u16', [0xffff]],
    ['s16', [0x7fff]],
    ['u32', [0xffff, 0xffff]],
    ['s32', [0x7fff, 0xffff]],
    ['u64', [0xffff, 0xffff, 0xffff, 0xffff]],
  ] as const)('GIVEN the ABB "not available" %s sentinel WHEN decoded with sentinels THEN NaN, else a number', (type, words) => {
    expect(decodeRaw(bytes(...words), 0, field(type), 'high-first', true)).toBeNaN();
    expect(Number.isFinite(decodeRaw(bytes(...words), 0, field(type), 'high-first', false))).toBe(true);
  });
});

describe('decodeField: scale to the reading units', () => {
  it('GIVEN ABB energy 1234567 x 0.01 kWh WHEN decoded with the map THEN 12,345,670 Wh', () => {
    const map = METER_MAPS['abb-b23'];
    expect(decodeField(bytes(0, 0, 0x0012, 0xd687), map.energyImport, map.energyImport, map)).toBe(12_345_670);
  });

  it('GIVEN a scaled integer WHEN decoded THEN no binary noise (2301 x 0.1 = 230.1 exactly)', () => {
    const map = METER_MAPS.em340;
    expect(decodeField(bytes(0x08fd, 0x0000), { address: 0 }, map.voltage[0]!, map)).toBe(230.1);
  });

  it('GIVEN an Eastron frequency of 500.2 WHEN decoded THEN it is taken as tenths: 50.02 Hz', () => {
    const map = METER_MAPS.sdm630;
    const b = Buffer.alloc(4);
    b.writeFloatBE(500.2);
    expect(decodeField(b, map.frequency!, map.frequency!, map)).toBeCloseTo(50.02, 3);
  });

  it('GIVEN values of a single-phase meter without frequency WHEN assembled THEN missing phases and frequency are 0', () => {
    expect(toReading({ energy: 10, power: 20, v1: 230, i1: 1 }, 5)).toEqual({
      energyImportWh: 10,
      powerW: 20,
      voltageV: { l1: 230, l2: 0, l3: 0 },
      currentA: { l1: 1, l2: 0, l3: 0 },
      frequencyHz: 0,
      takenAt: 5,
    });
  });
});

describe('register maps and the read planner', () => {
  it.each(Object.values(METER_MAPS))('GIVEN the $model map THEN fields per phase and every block within maxRegisters', (map) => {
    expect(map.voltage).toHaveLength(map.phases);
    expect(map.current).toHaveLength(map.phases);
    const fields = readingFields(map);
    const blocks = planReads(fields, map.maxRegisters);
    expect(blocks.flatMap((b) => b.fields)).toHaveLength(fields.length);
    for (const b of blocks) {
      expect(b.count).toBeLessThanOrEqual(map.maxRegisters);
      for (const f of b.fields) expect(f.field.address + REGISTER_COUNT[f.field.type]).toBeLessThanOrEqual(b.address + b.count);
    }
  });

  it('GIVEN the maps WHEN planned THEN as few requests as their block limits allow', () => {
    const plan = (m: keyof typeof METER_MAPS) => planReads(readingFields(METER_MAPS[m]), METER_MAPS[m].maxRegisters).map((b) => [b.address, b.count]);
    expect(plan('sdm630')).toEqual([[0x0000, 74]]);
    expect(plan('sdm72dm')).toEqual([[0x0000, 10], [0x000a, 2], [0x0034, 2], [0x0046, 4]]);
    expect(plan('sdm120')).toEqual([[0x0000, 14], [0x0046, 4]]);
    expect(plan('abb-b23')).toEqual([[0x5000, 4], [0x5b00, 45]]);
    expect(plan('em340')).toEqual([[0x0000, 18], [0x0028, 14]]);
  });

  it('GIVEN a block limit of 1 WHEN planned THEN one request per value, each as large as its type', () => {
    const blocks = planReads(readingFields(METER_MAPS['abb-b23']), 1);
    expect(blocks).toHaveLength(9);
    expect(blocks[0]).toMatchObject({ address: 0x5000, count: 4 });
  });

  it('GIVEN an unknown model name WHEN looked up THEN HalError listing the known models', () => {
    expect(() => meterMap('sdm530')).toThrow(HalError);
    expect(() => meterMap('sdm530')).toThrow(/known models: sdm630, sdm72dm, sdm120, abb-b23, em340/);
  });
});

describe('line time (REFERENCE.md 4.4)', () => {
  const line = { baud: 9600, parity: 'none', stopBits: 1 } as const;

  it('GIVEN one float at 9600 8N1 WHEN bounded THEN about 21 ms (8.3 + 9.4 + 3.6)', () => {
    expect(readBoundMs([2], line)).toBeCloseTo(21.35, 1);
  });

  it('GIVEN the 18-register V/I/P block WHEN bounded THEN about 55 ms; with parity each char is 11 bits', () => {
    expect(readBoundMs([18], line)).toBeCloseTo(54.6, 0);
    expect(readBoundMs([18], { ...line, parity: 'even' })).toBeCloseTo((54.6 * 11) / 10, 0);
  });
});
