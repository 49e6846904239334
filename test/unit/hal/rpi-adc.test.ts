// The CP ADC wire encodings (hal/rpi/adc.ts): MCP3008 over spi-device and ADS1115 over i2c-bus, with both
// packages faked at their boundary (test/helpers/fake-adc.ts answers the bytes a given CP voltage produces).

import { afterEach, describe, expect, it } from 'vitest';
import type { AdcConfig } from '../../../hal/config.js';
import { HalError } from '../../../hal/errors.js';
import { ads1115Config, mcp3008Code, mcp3008Request, openCpAdc, parseSpidev } from '../../../hal/rpi/adc.js';
import { FakeCpLine, fakeI2cBus, fakeSpiDevice } from '../../helpers/fake-adc.js';
import { FakeSysfs } from '../../helpers/fake-sysfs.js';

const CAL = { high: { scale: 8.889, offset: -14.667 }, low: { scale: 8.889, offset: -14.667 } };
const MCP: Extract<AdcConfig, { type: 'mcp3008' }> = { type: 'mcp3008', device: '/dev/spidev0.1', speedHz: 500_000, highChannel: 2, lowChannel: 5, vrefV: 3.3 };
const ADS: Extract<AdcConfig, { type: 'ads1115' }> = { type: 'ads1115', bus: 1, address: 0x49, highChannel: 0, lowChannel: 3, fullScaleV: 4.096 };
const toCp = (adcV: number): number => adcV * CAL.high.scale + CAL.high.offset;

let sysfs: FakeSysfs;
const line = (): FakeCpLine => {
  sysfs = new FakeSysfs();
  return new FakeCpLine(sysfs, { chip: 0, channel: 0 });
};
afterEach(() => sysfs?.dispose());

describe('MCP3008 encoding', () => {
  it.each([
    [0, [0x01, 0x80, 0x00]],
    [1, [0x01, 0x90, 0x00]],
    [7, [0x01, 0xf0, 0x00]],
  ])('GIVEN channel %s WHEN a request is built THEN it is start bit, single-ended + channel, filler', (ch, bytes) => {
    expect([...mcp3008Request(ch)]).toEqual(bytes);
  });

  it.each([
    [[0x00, 0x03, 0xff], 1023],
    [[0x00, 0x02, 0x01], 513],
    [[0xff, 0xfc, 0x10], 16], // bits above the 10-bit result are ignored
  ])('GIVEN reply %j THEN the code is %s', (reply, code) => {
    expect(mcp3008Code(Buffer.from(reply))).toBe(code);
  });

  it('GIVEN a device path WHEN parsed THEN bus and chip select come out, garbage is a HalError', () => {
    expect(parseSpidev('/dev/spidev1.2')).toEqual({ bus: 1, device: 2 });
    expect(() => parseSpidev('/dev/ttyUSB0')).toThrow(HalError);
  });

  it('GIVEN 9 V high and -12 V low on the CP WHEN both channels are read THEN the volts come back within one LSB', async () => {
    const cp = line();
    cp.override = { highV: 9, lowV: -12 };
    const spi = fakeSpiDevice(cp, MCP, CAL);
    const adc = await openCpAdc(MCP, 'pilot:1', { spi });
    expect(spi.opened).toEqual([{ bus: 0, device: 1, options: { mode: 0, maxSpeedHz: 500_000 } }]);
    expect(adc.conversionMs).toBe(0);
    const lsbCp = (3.3 / 1024) * CAL.high.scale;
    expect(Math.abs(toCp(adc.finish(2)) - 9)).toBeLessThanOrEqual(lsbCp);
    expect(Math.abs(toCp(adc.finish(5)) + 12)).toBeLessThanOrEqual(lsbCp);
    expect(spi.sent).toEqual([
      [0x01, 0xa0, 0x00],
      [0x01, 0xd0, 0x00],
    ]);
    adc.close();
    expect(spi.closed).toBe(true);
  });

  it('GIVEN a failing SPI bus WHEN read THEN a HalError names the pilot, channel and device', async () => {
    const spi = fakeSpiDevice(line(), MCP, CAL);
    const adc = await openCpAdc(MCP, 'pilot:1', { spi });
    spi.fail = true;
    expect(() => adc.finish(2)).toThrow(/^pilot:1: MCP3008 channel 2 on \/dev\/spidev0.1: EIO/);
  });
});

describe('ADS1115 encoding', () => {
  it.each([
    [0, 4.096, 0xc3e3],
    [1, 4.096, 0xd3e3],
    [0, 6.144, 0xc1e3],
    [3, 0.256, 0xfbe3],
  ])('GIVEN channel %s at ±%s V WHEN the config word is built THEN it is 0x%s (start, AINx-GND, PGA, single-shot, 860 SPS)', (ch, fs, word) => {
    expect(ads1115Config(ch, fs)).toBe(word);
  });

  it('GIVEN a full scale the chip does not have WHEN the config word is built THEN a HalError', () => {
    expect(() => ads1115Config(0, 5)).toThrow(HalError);
  });

  it('GIVEN 6 V high and -12 V low WHEN converted channel by channel THEN the volts come back, begin writing the config word', async () => {
    const cp = line();
    cp.override = { highV: 6, lowV: -12 };
    const i2c = fakeI2cBus(cp, ADS, CAL);
    const adc = await openCpAdc(ADS, 'pilot:1', { i2c });
    expect(adc.conversionMs).toBeGreaterThanOrEqual(1.2); // 860 SPS: 1.16 ms per conversion
    adc.begin(0);
    expect(toCp(adc.finish(0))).toBeCloseTo(6, 2);
    adc.begin(3);
    expect(toCp(adc.finish(3))).toBeCloseTo(-12, 2);
    expect(i2c.configs).toEqual([0xc3e3, 0xf3e3]);
  });

  it('GIVEN an input below ground WHEN converted THEN the signed code gives negative volts', async () => {
    const cp = line();
    cp.override = { highV: -20, lowV: 0 };
    const adc = await openCpAdc(ADS, 'pilot:1', { i2c: fakeI2cBus(cp, ADS, CAL) });
    adc.begin(0);
    expect(adc.finish(0)).toBeCloseTo((-20 - CAL.high.offset) / CAL.high.scale, 3);
  });

  it('GIVEN a chip that does not answer WHEN a conversion starts THEN a HalError names address and bus', async () => {
    const i2c = fakeI2cBus(line(), ADS, CAL);
    const adc = await openCpAdc(ADS, 'pilot:1', { i2c });
    i2c.fail = true;
    expect(() => adc.begin(0)).toThrow(/^pilot:1: ADS1115 0x49 channel 0 on \/dev\/i2c-1: EIO/);
  });
});
