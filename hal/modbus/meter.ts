// One Modbus energy meter on a shared bus: EnergyMeter over a register map.
// Owns: the read plan (blocks from the map, and the fall-back to one request per value when the meter
// refuses a block), turning blocks into a MeterReading, rejecting "not available" values, and reading
// the serial number once. Must not: decide what a failed read means (the meter poller raises faults).

import type { Clock } from '../clock.js';
import { HalError } from '../errors.js';
import type { EnergyMeter, EnergyMeterCapabilities, MeterReading } from '../types.js';
import { ModbusError, type ModbusBus } from './bus.js';
import { decodeBlock, decodeField, toReading, type Values } from './decode.js';
import { planReads, readingFields, REGISTER_COUNT, type MeterMap, type ReadBlock } from './map.js';

/** A request the current plan makes for one reading. */
export interface PlannedRequest {
  functionCode: 3 | 4;
  address: number;
  count: number;
}

const SERIAL_ATTEMPTS = 3;

export class ModbusMeter implements EnergyMeter {
  readonly capabilities: EnergyMeterCapabilities;
  private plan: ReadBlock[];
  private serialAttempts = 0;

  constructor(
    readonly bus: ModbusBus,
    readonly map: MeterMap,
    /** Modbus unit id, 1-247. */
    readonly address: number,
    private readonly clock: Clock,
  ) {
    this.capabilities = { phases: map.phases, model: map.name, serial: 'unknown' };
    this.plan = planReads(readingFields(map), map.maxRegisters);
  }

  /** The requests one read() makes now (after a fall-back, one per value). */
  get requests(): PlannedRequest[] {
    return this.plan.map((b) => ({ functionCode: this.map.functionCode, address: b.address, count: b.count }));
  }

  /** One read of all quantities. Rejects with HalError('meter') on timeout, CRC error, noise or an unavailable value. */
  async read(): Promise<MeterReading> {
    const values: Values = {};
    for (const block of this.plan) await this.readBlock(block, values);
    const reading = toReading(values, this.clock.now());
    await this.readSerialOnce();
    return reading;
  }

  private async readBlock(block: ReadBlock, into: Values): Promise<void> {
    let bytes: Buffer;
    try {
      bytes = await this.bus.read(this.address, this.map.functionCode, block.address, block.count);
    } catch (err) {
      if (!this.refusedBlock(err, block)) throw err;
      // The meter accepts fewer registers than the map assumed (REFERENCE.md 4.1, SDM72): one request per value from now on.
      this.plan = planReads(readingFields(this.map), 1);
      for (const single of planReads(block.fields, 1)) await this.readBlock(single, into);
      return;
    }
    const invalid = decodeBlock(bytes, block, this.map, into);
    if (invalid.length > 0) {
      const where = block.fields.filter((f) => invalid.includes(f.quantity)).map((f) => `${f.quantity} at 0x${f.field.address.toString(16)}`);
      throw new HalError('meter', `Modbus id ${this.address} on ${this.bus.config.port}: ${this.map.name} reports no valid value for ${where.join(', ')}`);
    }
  }

  private refusedBlock(err: unknown, block: ReadBlock): boolean {
    const refused = err instanceof ModbusError && err.kind === 'exception' && (err.exceptionCode === 2 || err.exceptionCode === 3);
    return refused && block.fields.length > 1;
  }

  /** Reads the serial number register after the first good readings; failures leave "unknown". */
  private async readSerialOnce(): Promise<void> {
    const serial = this.map.serial;
    if (!serial || this.capabilities.serial !== 'unknown' || this.serialAttempts >= SERIAL_ATTEMPTS) return;
    this.serialAttempts++;
    try {
      const bytes = await this.bus.read(this.address, serial.functionCode, serial.field.address, REGISTER_COUNT[serial.field.type]);
      const value = decodeField(bytes, serial.field, serial.field, this.map);
      if (Number.isFinite(value) && value > 0) this.capabilities.serial = String(value);
    } catch (err) {
      if (err instanceof ModbusError && err.kind === 'exception') this.serialAttempts = SERIAL_ATTEMPTS; // not supported
    }
  }
}
