// A Modbus RTU slave (meter) simulator on one end of a pty pair, for tests and benches: its own frame
// parser and CRC16, several unit ids on one line, each serving a meter model's register image.
// Because a pty passes bytes at once, every reply is held back by the line time of request + reply at the
// configured baud plus a turnaround, as a meter on RS-485 would answer. Faults per unit: silence, noise,
// CRC errors, a wrong unit id, exception replies. Must not: use modbus-serial (it is what is under test).

import { performance } from 'node:perf_hooks';
import { SerialPort } from 'serialport';
import { DEFAULT_VALUES, registerImage, type MeterValues, type RegisterImage, type SimModel } from './modbus-registers.js';

export type SlaveFault = 'none' | 'silent' | 'garbage' | 'bad-crc' | 'wrong-id' | 'exception';

export interface SlaveLine {
  baud: number;
  parity?: 'none' | 'even' | 'odd';
  stopBits?: 1 | 2;
  /** The meter's think time between the end of a request and the start of its reply, ms. */
  turnaroundMs?: number;
}

export interface SeenRequest {
  unit: number;
  fc: number;
  address: number;
  count: number;
  /** performance.now() when the request was complete. */
  at: number;
  /** Another reply was still pending when this request came: the master did not wait. */
  overlapped: boolean;
}

interface Unit {
  model: SimModel;
  values: MeterValues;
  image: RegisterImage;
  raw: Map<string, number>;
  maxRegisters: number;
  fault: SlaveFault;
  faultTimes: number;
  exceptionCode: number;
}

/** CRC-16/MODBUS (poly 0xA001 reflected, init 0xFFFF); sent low byte first. */
export function crc16(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

/** Appends the CRC to a frame body. */
export function withCrc(body: Uint8Array): Buffer {
  const out = Buffer.alloc(body.length + 2);
  out.set(body);
  out.writeUInt16LE(crc16(body), body.length);
  return out;
}

export class ModbusSlave {
  readonly seen: SeenRequest[] = [];
  private readonly units = new Map<number, Unit>();
  private rx = Buffer.alloc(0);
  private pending = 0;
  private readonly bitsPerChar: number;

  private constructor(
    private readonly port: SerialPort,
    readonly line: Required<SlaveLine>,
  ) {
    this.bitsPerChar = 1 + 8 + (line.parity === 'none' ? 0 : 1) + line.stopBits;
    port.on('data', (d: Buffer) => this.receive(d));
  }

  static async open(path: string, line: SlaveLine): Promise<ModbusSlave> {
    const full = { parity: 'none' as const, stopBits: 1 as const, turnaroundMs: 2, ...line };
    const port = new SerialPort({ path, baudRate: full.baud, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    return new ModbusSlave(port, full);
  }

  /** Serves a model at a unit id; `maxRegisters` is the largest read it accepts (else exception 3). */
  serve(unit: number, model: SimModel, values: Partial<MeterValues> = {}, options: { maxRegisters?: number } = {}): void {
    const all = { ...DEFAULT_VALUES, ...values };
    this.units.set(unit, { model, values: all, image: registerImage(model, all), raw: new Map(), maxRegisters: options.maxRegisters ?? 125, fault: 'none', faultTimes: 0, exceptionCode: 4 });
  }

  /** Changes electrical values (energy, power, V, A, f, serial); raw overrides stay. */
  update(unit: number, values: Partial<MeterValues>): void {
    const u = this.unit(unit);
    u.values = { ...u.values, ...values };
    u.image = registerImage(u.model, u.values);
  }

  values(unit: number): MeterValues {
    return this.unit(unit).values;
  }

  /** Overrides raw register words (e.g. ABB's all-ones "not available"). */
  setRaw(unit: number, fc: 3 | 4, address: number, words: number[]): void {
    words.forEach((w, i) => this.unit(unit).raw.set(`${fc}:${address + i}`, w & 0xffff));
  }

  /** Misbehaves for the next `times` requests to the unit (default: until told 'none'). */
  fault(unit: number, fault: SlaveFault, options: { times?: number; exceptionCode?: number } = {}): void {
    const u = this.unit(unit);
    u.fault = fault;
    u.faultTimes = options.times ?? Number.POSITIVE_INFINITY;
    u.exceptionCode = options.exceptionCode ?? 4;
  }

  /** Requests that arrived while a reply was still pending (must stay 0 for a correct master). */
  get overlaps(): number {
    return this.seen.filter((s) => s.overlapped).length;
  }

  /** Line time plus turnaround the slave waits before a reply of `replyBytes` to an 8-byte request. */
  replyDelayMs(replyBytes: number): number {
    return ((8 + replyBytes) * this.bitsPerChar * 1000) / this.line.baud + this.line.turnaroundMs;
  }

  async close(): Promise<void> {
    if (this.port.isOpen) await new Promise<void>((resolve) => this.port.close(() => resolve()));
  }

  private unit(id: number): Unit {
    const u = this.units.get(id);
    if (!u) throw new Error(`slave: unit ${id} is not served`);
    return u;
  }

  /** Requests (FC01-06) are 8 bytes; a window whose CRC fails is shifted by one byte to find the next frame. */
  private receive(data: Buffer): void {
    this.rx = Buffer.concat([this.rx, data]);
    while (this.rx.length >= 8) {
      const frame = this.rx.subarray(0, 8);
      if (crc16(frame.subarray(0, 6)) !== frame.readUInt16LE(6)) {
        this.rx = this.rx.subarray(1);
        continue;
      }
      this.rx = this.rx.subarray(8);
      this.handle(Buffer.from(frame));
    }
  }

  private handle(frame: Buffer): void {
    const req = { unit: frame[0]!, fc: frame[1]!, address: frame.readUInt16BE(2), count: frame.readUInt16BE(4) };
    this.seen.push({ ...req, at: performance.now(), overlapped: this.pending > 0 });
    const unit = this.units.get(req.unit);
    if (!unit) return; // another device's request: stay silent
    const fault = unit.fault;
    if (fault !== 'none' && --unit.faultTimes <= 0) unit.fault = 'none';
    if (fault === 'silent') return;
    this.send(this.reply(unit, req, fault));
  }

  private reply(unit: Unit, req: { unit: number; fc: number; address: number; count: number }, fault: SlaveFault): Buffer {
    const exception = (code: number) => withCrc(Buffer.from([req.unit, req.fc | 0x80, code]));
    if (fault === 'exception') return exception(unit.exceptionCode);
    if (req.fc !== 3 && req.fc !== 4) return exception(1);
    if (req.count < 1 || req.count > unit.maxRegisters) return exception(3);
    const end = req.address + req.count - 1;
    if (!unit.image.banks.some((b) => b.fc === req.fc && req.address >= b.start && end <= b.end)) return exception(2);
    const body = Buffer.alloc(3 + 2 * req.count);
    body.set([fault === 'wrong-id' ? (req.unit % 247) + 1 : req.unit, req.fc, 2 * req.count]);
    for (let i = 0; i < req.count; i++) {
      const key = `${req.fc}:${req.address + i}`;
      body.writeUInt16BE(unit.raw.get(key) ?? unit.image.words.get(key) ?? 0, 3 + 2 * i);
    }
    const frame = withCrc(body);
    if (fault === 'bad-crc') frame[frame.length - 1]! ^= 0xff;
    // Noise: as long as the reply, never containing a unit id (0x00/0xFF only).
    if (fault === 'garbage') return Buffer.from(frame.map((_, i) => (i % 2 ? 0xff : 0x00)));
    return frame;
  }

  private send(reply: Buffer): void {
    this.pending++;
    setTimeout(() => {
      // From here on the master may get the reply, so a request arriving later is not an overlap.
      this.pending--;
      this.port.write(reply);
    }, this.replyDelayMs(reply.length));
  }
}
