// The ADC that reads the CP peak-hold outputs (REFERENCE.md 6 "Reading the CP"): an MCP3008 on /dev/spidev
// through spi-device, or an ADS1115 on I2C through i2c-bus (single-shot, 860 SPS). Owns: the wire encoding
// and opening the bus (packages loaded lazily, injectable for tests). Must not: convert to CP volts or
// classify (pilot.ts / pilot-classify.ts do); all transfers are synchronous, waiting is the caller's clock.

import type { AdcConfig } from '../config.js';
import { HalError } from '../errors.js';
import { ADS1115_CONVERSION_MS } from './pilot-timing.js';
import { errText, importOptional } from './optional-import.js';

/** Volts at the ADC input. `begin` starts a conversion; `finish` (conversionMs later) returns it. */
export interface CpAdc {
  /** Time a conversion needs between begin and finish; 0 = finish may follow begin at once. */
  readonly conversionMs: number;
  begin(channel: number): void;
  finish(channel: number): number;
  close(): void;
}

/** The part of spi-device the MCP3008 driver uses. */
export interface SpiDeviceLike {
  transferSync(message: Array<{ byteLength: number; sendBuffer?: Buffer; receiveBuffer?: Buffer; speedHz?: number }>): unknown;
  closeSync(): void;
}
export interface SpiModule {
  openSync(busNumber: number, deviceNumber: number, options?: { mode?: 0 | 1 | 2 | 3; maxSpeedHz?: number }): SpiDeviceLike;
}

/** The part of i2c-bus the ADS1115 driver uses. */
export interface I2cBusLike {
  writeI2cBlockSync(address: number, command: number, length: number, buffer: Buffer): number;
  readI2cBlockSync(address: number, command: number, length: number, buffer: Buffer): number;
  closeSync(): void;
}
export interface I2cModule {
  openSync(busNumber: number): I2cBusLike;
}

/** Bus packages; each defaults to the real package, imported when first needed. */
export interface AdcModules {
  spi?: SpiModule;
  i2c?: I2cModule;
}

// ----- MCP3008 (10 bit, single-ended) --------------------------------------------------------------------

/** Start bit, then SGL=1 and the channel in the high nibble, then a byte to clock the result out. */
export function mcp3008Request(channel: number): Buffer {
  return Buffer.from([0x01, (0x08 | channel) << 4, 0x00]);
}

/** The 10-bit code in the reply (low 2 bits of byte 1, then byte 2). */
export function mcp3008Code(reply: Buffer): number {
  return ((reply[1]! & 0x03) << 8) | reply[2]!;
}

export function parseSpidev(path: string): { bus: number; device: number } {
  const m = /spidev(\d+)\.(\d+)$/.exec(path);
  if (!m) throw new HalError('adc', `${path} is not an SPI device path like /dev/spidev0.0`);
  return { bus: Number(m[1]), device: Number(m[2]) };
}

function openMcp3008(cfg: Extract<AdcConfig, { type: 'mcp3008' }>, spi: SpiModule, device: string): CpAdc {
  const { bus, device: cs } = parseSpidev(cfg.device);
  const dev = wrap(device, `open ${cfg.device}`, () => spi.openSync(bus, cs, { mode: 0, maxSpeedHz: cfg.speedHz }));
  return {
    conversionMs: 0,
    begin: () => undefined,
    finish: (channel) =>
      wrap(device, `MCP3008 channel ${channel} on ${cfg.device}`, () => {
        const receiveBuffer = Buffer.alloc(3);
        dev.transferSync([{ byteLength: 3, sendBuffer: mcp3008Request(channel), receiveBuffer, speedHz: cfg.speedHz }]);
        return (mcp3008Code(receiveBuffer) * cfg.vrefV) / 1024;
      }),
    close: () => dev.closeSync(),
  };
}

// ----- ADS1115 (16 bit, single-shot) ---------------------------------------------------------------------

const ADS_POINTER_CONVERSION = 0x00;
const ADS_POINTER_CONFIG = 0x01;
const ADS_PGA: Record<number, number> = { 6.144: 0, 4.096: 1, 2.048: 2, 1.024: 3, 0.512: 4, 0.256: 5 };
export { ADS1115_CONVERSION_MS };

/** Config word: OS=1 (start), MUX=AINx vs GND, PGA, MODE=single-shot, DR=860 SPS, comparator off. */
export function ads1115Config(channel: number, fullScaleV: number): number {
  const pga = ADS_PGA[fullScaleV];
  if (pga === undefined) throw new HalError('adc', `ADS1115 has no full scale ${fullScaleV} V`);
  return (1 << 15) | ((0b100 | channel) << 12) | (pga << 9) | (1 << 8) | (0b111 << 5) | 0b11;
}

function openAds1115(cfg: Extract<AdcConfig, { type: 'ads1115' }>, i2c: I2cModule, device: string): CpAdc {
  const bus = wrap(device, `open /dev/i2c-${cfg.bus}`, () => i2c.openSync(cfg.bus));
  const where = (ch: number): string => `ADS1115 0x${cfg.address.toString(16)} channel ${ch} on /dev/i2c-${cfg.bus}`;
  return {
    conversionMs: ADS1115_CONVERSION_MS,
    begin: (channel) =>
      wrap(device, where(channel), () => {
        const word = ads1115Config(channel, cfg.fullScaleV);
        bus.writeI2cBlockSync(cfg.address, ADS_POINTER_CONFIG, 2, Buffer.from([word >> 8, word & 0xff]));
      }),
    finish: (channel) =>
      wrap(device, where(channel), () => {
        const buf = Buffer.alloc(2);
        const n = bus.readI2cBlockSync(cfg.address, ADS_POINTER_CONVERSION, 2, buf);
        if (n !== 2) throw new Error(`short read (${n} of 2 bytes)`);
        return (buf.readInt16BE(0) * cfg.fullScaleV) / 32768;
      }),
    close: () => bus.closeSync(),
  };
}

// ----- factory -------------------------------------------------------------------------------------------

export async function openCpAdc(cfg: AdcConfig, device: string, modules: AdcModules = {}): Promise<CpAdc> {
  switch (cfg.type) {
    case 'mcp3008':
      return openMcp3008(cfg, modules.spi ?? (await importOptional<SpiModule>('spi-device', 'adc mcp3008', 'openSync')), device);
    case 'ads1115':
      return openAds1115(cfg, modules.i2c ?? (await importOptional<I2cModule>('i2c-bus', 'adc ads1115', 'openSync')), device);
    default:
      throw new HalError(device, `unknown ADC type ${JSON.stringify((cfg as { type: unknown }).type)}; valid types: mcp3008, ads1115`);
  }
}

function wrap<T>(device: string, what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof HalError) throw err;
    throw new HalError(device, `${what}: ${errText(err)}`, { cause: err });
  }
}
