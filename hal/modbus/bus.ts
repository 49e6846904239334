// One Modbus RTU bus (one serial port) shared by the meters wired to it, on modbus-serial.
// Owns: opening (and after a failure re-opening) the port, strictly one request at a time on the line
// (a promise queue, with the 3.5-character gap between frames), the unit id per request, retries, and
// the error counters. Must not: decode register values or know meter models (meter.ts does).

import type { ModbusRTU } from 'modbus-serial/ModbusRTU.js';
import type { ModbusBusConfig } from '../config.js';
import { HalError } from '../errors.js';
import { frameGapMs } from './line.js';
import { RtuFramePort, type SerialLine } from './port.js';

/** The packages a bus is built on, loaded lazily (`loadModbusPackages`). */
export interface ModbusPackages {
  ModbusRTU: new (port: RtuFramePort) => ModbusRTU;
  SerialPort: new (options: { path: string; baudRate: number; dataBits: 8; parity: string; stopBits: 1 | 2; autoOpen: false }) => SerialLine;
}

export type ModbusErrorKind = 'timeout' | 'garbage' | 'crc' | 'exception' | 'port';

/** Counters per bus, since it was created. `requests` counts attempts on the line (retries included). */
export interface BusCounters {
  requests: number;
  ok: number;
  retries: number;
  /** Nothing came back in time. */
  timeouts: number;
  /** Bytes came back but no frame for this request: noise, a wrong unit id, a short or malformed frame. */
  garbage: number;
  crcErrors: number;
  /** The meter answered with a Modbus exception (not retried). */
  exceptions: number;
  /** The port could not be opened, or failed / vanished. */
  portErrors: number;
}

/** A failed request: a HalError for device "meter", with what went wrong. */
export class ModbusError extends HalError {
  override name = 'ModbusError';
  constructor(
    readonly kind: ModbusErrorKind,
    message: string,
    readonly exceptionCode?: number,
    options?: { cause?: unknown },
  ) {
    super('meter', message, options);
  }
}

const EXCEPTIONS: Record<number, string> = { 1: 'illegal function', 2: 'illegal data address', 3: 'illegal data value', 4: 'slave device failure', 6: 'slave device busy' };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function loadModbusPackages(): Promise<ModbusPackages> {
  try {
    const [modbus, serial] = await Promise.all([import('modbus-serial'), import('serialport')]);
    return { ModbusRTU: modbus.default as unknown as ModbusPackages['ModbusRTU'], SerialPort: serial.SerialPort as unknown as ModbusPackages['SerialPort'] };
  } catch (err) {
    const missing = (err as { code?: string }).code === 'ERR_MODULE_NOT_FOUND';
    const text = missing ? 'driver modbus needs packages modbus-serial and serialport, install with: npm install modbus-serial serialport' : `driver modbus could not load modbus-serial/serialport: ${String(err)}`;
    throw new HalError('meter', text, { cause: err });
  }
}

export class ModbusBus {
  readonly counters: BusCounters = { requests: 0, ok: 0, retries: 0, timeouts: 0, garbage: 0, crcErrors: 0, exceptions: 0, portErrors: 0 };
  private client: ModbusRTU | null = null;
  private port: RtuFramePort | null = null;
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly gapMs: number;

  constructor(
    readonly config: ModbusBusConfig,
    private readonly packages: ModbusPackages,
  ) {
    this.gapMs = Math.ceil(frameGapMs(config));
  }

  /** Reads `count` registers with FC03 (holding) or FC04 (input); queued behind every other request on this bus. */
  read(unit: number, fc: 3 | 4, address: number, count: number): Promise<Buffer> {
    const run = this.tail.then(() => this.withRetries(unit, fc, address, count));
    this.tail = run.then(
      () => sleep(this.gapMs),
      () => sleep(this.gapMs),
    );
    return run;
  }

  /** Lets the request on the line finish, then closes the port; queued and later requests fail with a port error. */
  async close(): Promise<void> {
    this.closed = true;
    await this.tail;
    await this.dropClient();
  }

  private async withRetries(unit: number, fc: 3 | 4, address: number, count: number): Promise<Buffer> {
    const what = `read FC0${fc} 0x${address.toString(16).padStart(4, '0')} x${count} from Modbus id ${unit} on ${this.config.port}`;
    let last: ModbusError | undefined;
    for (let attempt = 0; attempt <= this.config.retries; attempt++) {
      if (attempt > 0) {
        this.counters.retries++;
        await sleep(this.gapMs);
      }
      this.counters.requests++;
      try {
        const bytes = await this.once(unit, fc, address, count);
        this.counters.ok++;
        return bytes;
      } catch (err) {
        last = this.classify(err, what, attempt + 1);
        this.count(last.kind);
        if (last.kind === 'exception' || last.kind === 'port') break;
      }
    }
    throw last!;
  }

  private async once(unit: number, fc: 3 | 4, address: number, count: number): Promise<Buffer> {
    const client = await this.open();
    client.setID(unit);
    const result = fc === 3 ? await client.readHoldingRegisters(address, count) : await client.readInputRegisters(address, count);
    if (result.buffer.length !== count * 2) throw new Error(`Data length error, expected ${count * 2} data bytes got ${result.buffer.length}`);
    return Buffer.from(result.buffer);
  }

  private async open(): Promise<ModbusRTU> {
    if (this.closed) throw Object.assign(new Error('the bus is closed'), { port: true });
    if (this.client?.isOpen) return this.client;
    await this.dropClient();
    const { port: path, baud, parity, stopBits } = this.config;
    let client: ModbusRTU;
    try {
      const port = new RtuFramePort(new this.packages.SerialPort({ path, baudRate: baud, dataBits: 8, parity, stopBits, autoOpen: false }));
      client = new this.packages.ModbusRTU(port);
      client.on('error', () => {
        // The port failed under us (adapter unplugged...): count it and reopen at the next request.
        if (this.client !== client) return;
        this.counters.portErrors++;
        void this.dropClient();
      });
      await new Promise<void>((resolve, reject) => client.open((err: Error | null) => (err ? reject(err) : resolve())));
      this.port = port;
    } catch (err) {
      throw Object.assign(new Error(`cannot open ${path}: ${err instanceof Error ? err.message : String(err)}`), { port: true, cause: err });
    }
    client.setTimeout(this.config.timeoutMs);
    client.on('close', () => {
      if (this.client === client) this.client = null;
    });
    this.client = client;
    return client;
  }

  private async dropClient(): Promise<void> {
    const client = this.client;
    this.client = null;
    this.port = null;
    if (client?.isOpen) await new Promise<void>((resolve) => client.close(() => resolve()));
  }

  private classify(err: unknown, what: string, attempts: number): ModbusError {
    const e = err as { errno?: string; message?: string; modbusCode?: number; port?: boolean };
    const message = e.message ?? String(err);
    const tries = attempts > 1 ? ` (${attempts} attempts)` : '';
    if (e.port) return new ModbusError('port', `${what}: ${message}`, undefined, { cause: err });
    if (typeof e.modbusCode === 'number') {
      const name = EXCEPTIONS[e.modbusCode] ?? 'unknown exception';
      return new ModbusError('exception', `${what}: the meter answered exception ${e.modbusCode} (${name})`, e.modbusCode, { cause: err });
    }
    if (e.errno === 'ETIMEDOUT') {
      const bytes = this.port?.bytesSinceWrite ?? 0;
      if (bytes > 0) return new ModbusError('garbage', `${what}: no valid reply within ${this.config.timeoutMs} ms, only ${bytes} bytes of noise or a wrong unit id${tries}`, undefined, { cause: err });
      return new ModbusError('timeout', `${what}: no answer within ${this.config.timeoutMs} ms${tries}`, undefined, { cause: err });
    }
    if (message === 'CRC error') return new ModbusError('crc', `${what}: CRC error in the reply${tries}`, undefined, { cause: err });
    if (/^(Data length error|Unexpected data error)/.test(message)) return new ModbusError('garbage', `${what}: malformed reply (${message})${tries}`, undefined, { cause: err });
    return new ModbusError('port', `${what}: ${message}`, undefined, { cause: err });
  }

  private count(kind: ModbusErrorKind): void {
    const key = ({ timeout: 'timeouts', garbage: 'garbage', crc: 'crcErrors', exception: 'exceptions', port: 'portErrors' } as const)[kind];
    this.counters[key]++;
  }
}
