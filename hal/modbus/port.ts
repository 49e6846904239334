// The byte-stream side of a Modbus RTU master: wraps a serial port for modbus-serial (which does the
// framing checks, CRC and parsing) and cuts the reply to the request out of the received bytes.
// Owns: dropping stale bytes before each request, finding the reply frame, counting what arrived.
// Must not: retry, queue or interpret register values (bus.ts and meter.ts do).

import { EventEmitter } from 'node:events';

/** What this port needs of a serialport `SerialPort`. */
export interface SerialLine {
  readonly isOpen: boolean;
  open(cb: (err: Error | null) => void): void;
  close(cb?: (err: Error | null) => void): void;
  write(data: Buffer): unknown;
  on(event: 'data', listener: (data: Buffer) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
}

const EXCEPTION_LENGTH = 5;

/** The port object modbus-serial's ModbusRTU drives (`new ModbusRTU(port)`); one request at a time. */
export class RtuFramePort extends EventEmitter {
  /** modbus-serial keys its transactions by these; a serial line has one transaction at a time. */
  _transactionIdRead = 1;
  _transactionIdWrite = 1;
  /** Bytes received since the last request was written (a timeout with bytes is noise, not silence). */
  bytesSinceWrite = 0;
  private buffer = Buffer.alloc(0);
  private expected: { unit: number; fc: number; length: number } | null = null;

  constructor(private readonly line: SerialLine) {
    super();
    line.on('data', (data) => this.receive(data));
    line.on('error', (err) => {
      if (this.listenerCount('error') > 0) this.emit('error', err);
    });
    line.on('close', () => this.emit('close'));
  }

  get isOpen(): boolean {
    return this.line.isOpen;
  }

  open(cb: (err: Error | null) => void): void {
    this.line.open(cb);
  }

  close(cb?: (err: Error | null) => void): void {
    if (!this.line.isOpen) {
      cb?.(null);
      return;
    }
    this.line.close(cb);
  }

  /** Sends a request; bytes still buffered from an earlier (late or broken) reply are dropped first. */
  write(data: Buffer): void {
    this.buffer = Buffer.alloc(0);
    this.bytesSinceWrite = 0;
    const fc = data[1] ?? 0;
    const count = data.length >= 6 ? data.readUInt16BE(4) : 0;
    // FC03/04 answer 5 + 2N bytes; the write functions echo 8.
    this.expected = { unit: data[0] ?? 0, fc, length: fc === 3 || fc === 4 ? 5 + 2 * count : 8 };
    this.line.write(data);
  }

  private receive(data: Buffer): void {
    this.bytesSinceWrite += data.length;
    if (!this.expected) return;
    this.buffer = Buffer.concat([this.buffer, data]);
    const { unit, fc, length } = this.expected;
    // A frame starts with our unit id and the function code (or its exception form); leading noise is skipped.
    for (let i = 0; i + 1 < this.buffer.length; i++) {
      if (this.buffer[i] !== unit) continue;
      const code = this.buffer[i + 1];
      const need = code === fc ? length : code === (fc | 0x80) ? EXCEPTION_LENGTH : 0;
      if (need === 0) continue;
      if (this.buffer.length - i < need) return; // wait for the rest
      const frame = this.buffer.subarray(i, i + need);
      this.buffer = Buffer.alloc(0);
      this.expected = null;
      this.emit('data', frame);
      return;
    }
  }
}
