// Register images of the simulated meters: what each model holds for given electrical values, encoded
// from the makers' tables (REFERENCE.md 4.1-4.3) independently of hal/modbus/maps, so a mistake in a map
// shows up as a wrong reading. Must not: do I/O (modbus-slave.ts serves these images).

export interface MeterValues {
  energyWh: number;
  powerW: number;
  voltageV: [number, number, number];
  currentA: [number, number, number];
  frequencyHz: number;
  serial: number;
}

export const DEFAULT_VALUES: MeterValues = {
  energyWh: 1_234_500,
  powerW: 7_245.5,
  voltageV: [230.1, 231.2, 229.3],
  currentA: [10.5, 10.25, 10.75],
  frequencyHz: 50.02,
  serial: 20_240_117,
};

/** A register range the model answers; reads outside every bank get exception 2 (illegal data address). */
export interface Bank {
  fc: 3 | 4;
  start: number;
  end: number;
}

export interface RegisterImage {
  banks: Bank[];
  /** Register values by `${fc}:${address}`; registers inside a bank but absent here read 0. */
  words: Map<string, number>;
}

export const SIM_MODELS = ['sdm630', 'sdm72dm', 'sdm120', 'abb-b23', 'em340'] as const;
export type SimModel = (typeof SIM_MODELS)[number];

class Image implements RegisterImage {
  words = new Map<string, number>();
  constructor(readonly banks: Bank[]) {}

  put(fc: 3 | 4, address: number, words: number[]): void {
    words.forEach((w, i) => this.words.set(`${fc}:${address + i}`, w & 0xffff));
  }
  /** IEEE 754 single, high word first (Eastron). */
  float(fc: 3 | 4, address: number, value: number): void {
    const b = Buffer.alloc(4);
    b.writeFloatBE(value);
    this.put(fc, address, [b.readUInt16BE(0), b.readUInt16BE(2)]);
  }
  /** 32-bit integer (two's complement when negative), high word first (ABB) or low word first (EM340). */
  int32(fc: 3 | 4, address: number, value: number, lowFirst = false): void {
    const b = Buffer.alloc(4);
    b.writeInt32BE(Math.round(value));
    const hi = b.readUInt16BE(0);
    const lo = b.readUInt16BE(2);
    this.put(fc, address, lowFirst ? [lo, hi] : [hi, lo]);
  }
  uint32(fc: 3 | 4, address: number, value: number): void {
    const v = Math.round(value) >>> 0;
    this.put(fc, address, [v >>> 16, v & 0xffff]);
  }
  uint64(fc: 3 | 4, address: number, value: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt(Math.round(value)));
    this.put(fc, address, [0, 2, 4, 6].map((o) => b.readUInt16BE(o)));
  }
}

function eastron(v: MeterValues, phases: 1 | 3): Image {
  const img = new Image([
    { fc: 4, start: 0x0000, end: 0x01ff },
    { fc: 3, start: 0x0000, end: 0x00ff },
    { fc: 3, start: 0xfc00, end: 0xfc01 },
  ]);
  for (let p = 0; p < phases; p++) {
    img.float(4, 0x0000 + 2 * p, v.voltageV[p]!);
    img.float(4, 0x0006 + 2 * p, v.currentA[p]!);
    if (phases === 3) img.float(4, 0x000c + 2 * p, v.voltageV[p]! * v.currentA[p]!);
  }
  if (phases === 1) img.float(4, 0x000c, v.powerW);
  else img.float(4, 0x0034, v.powerW);
  img.float(4, 0x0046, v.frequencyHz);
  img.float(4, 0x0048, v.energyWh / 1000);
  img.float(4, 0x004a, 0);
  img.uint32(3, 0xfc00, v.serial);
  return img;
}

function abbB23(v: MeterValues): Image {
  const img = new Image([
    { fc: 3, start: 0x5000, end: 0x50ff },
    { fc: 3, start: 0x5b00, end: 0x5bff },
    { fc: 3, start: 0x8900, end: 0x890f },
  ]);
  img.uint64(3, 0x5000, v.energyWh / 10); // 0.01 kWh
  img.uint64(3, 0x5004, 0);
  for (let p = 0; p < 3; p++) {
    img.uint32(3, 0x5b00 + 2 * p, v.voltageV[p]! * 10);
    img.uint32(3, 0x5b0c + 2 * p, v.currentA[p]! * 100);
    img.int32(3, 0x5b16 + 2 * p, v.voltageV[p]! * v.currentA[p]! * 100);
  }
  img.int32(3, 0x5b14, v.powerW * 100);
  img.put(3, 0x5b2c, [Math.round(v.frequencyHz * 100)]);
  img.uint32(3, 0x8900, v.serial);
  return img;
}

function em340(v: MeterValues): Image {
  const img = new Image([{ fc: 4, start: 0x0000, end: 0x00ff }]);
  for (let p = 0; p < 3; p++) {
    img.int32(4, 0x0000 + 2 * p, v.voltageV[p]! * 10, true);
    img.int32(4, 0x000c + 2 * p, v.currentA[p]! * 1000, true);
  }
  img.int32(4, 0x0028, v.powerW * 10, true);
  img.put(4, 0x0033, [Math.round(v.frequencyHz * 10)]);
  img.int32(4, 0x0034, v.energyWh / 100, true); // 0.1 kWh
  img.int32(4, 0x004e, 0, true);
  return img;
}

export function registerImage(model: SimModel, v: MeterValues): RegisterImage {
  switch (model) {
    case 'sdm630':
    case 'sdm72dm':
      return eastron(v, 3);
    case 'sdm120':
      return eastron(v, 1);
    case 'abb-b23':
      return abbB23(v);
    case 'em340':
      return em340(v);
  }
}
