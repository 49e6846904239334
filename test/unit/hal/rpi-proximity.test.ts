// The Raspberry Pi PP driver (hal/rpi/proximity.ts): the IEC 61851-1 Rc bands (every nominal resistor with its
// 3 % tolerance, every band edge, open, short), volts -> Rc for a pull-up divider, and through the fake MCP3008
// (rpi-proximity-fake.ts): edges after 10-bit quantisation, the median against a glitch, I/O failures,
// refused configurations, and the PP inside a whole connector sharing the ADC with the running CP sampler.

import { afterEach, describe, expect, it } from 'vitest';
import type { AdcConfig, ProximityHwConfig } from '../../../hal/config.js';
import { HalError } from '../../../hal/errors.js';
import { openCpAdc, type CpAdc } from '../../../hal/rpi/adc.js';
import { classifyPpOhms, ppOhms, RpiProximity } from '../../../hal/rpi/proximity.js';
import type { PilotSample } from '../../../hal/types.js';
import { FakeCpLine, fakeSpiDevice } from '../../helpers/fake-adc.js';
import { FakeSysfs } from '../../helpers/fake-sysfs.js';
import { createPpConnector, fakePp, ppSpi, type FakePp, type PpConnectorRig } from './rpi-proximity-fake.js';

const MCP: Extract<AdcConfig, { type: 'mcp3008' }> = { type: 'mcp3008', device: '/dev/spidev0.0', speedHz: 1_000_000, highChannel: 0, lowChannel: 1, vrefV: 3.3 };
const ADS: AdcConfig = { type: 'ads1115', bus: 1, address: 0x48, highChannel: 0, lowChannel: 1, fullScaleV: 4.096 };
const CAL = { high: { scale: 8.889, offset: -14.667 }, low: { scale: 8.889, offset: -14.667 } };

let cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

async function driver(cfg: ProximityHwConfig = { channel: 2, pullUpOhms: 1000 }): Promise<{ pp: FakePp; proximity: RpiProximity; adc: CpAdc }> {
  const sysfs = new FakeSysfs();
  const pp = fakePp({ channel: cfg.channel, pullUpOhms: cfg.pullUpOhms, pullUpV: cfg.pullUpV ?? MCP.vrefV, vrefV: MCP.vrefV });
  const adc = await openCpAdc(MCP, 'pilot:1', { spi: ppSpi(fakeSpiDevice(new FakeCpLine(sysfs, { chip: 0, channel: 0 }), MCP, CAL), pp) });
  cleanup.push(() => sysfs.dispose(), () => adc.close());
  return { pp, adc, proximity: new RpiProximity(adc, MCP, cfg, 'proximity:1') };
}

const outcome = (p: Promise<unknown>): Promise<unknown> => p.then((v) => v, (err: unknown) => err);

describe('PP resistance bands (IEC 61851-1 Rc coding)', () => {
  it.each([
    [100, 63], [97, 63], [103, 63], // 100 Ω ± 3 %
    [220, 32], [213.4, 32], [226.6, 32], // 220 Ω ± 3 %
    [680, 20], [659.6, 20], [700.4, 20], // 680 Ω ± 3 %
    [1500, 13], [1455, 13], [1545, 13], // 1.5 kΩ ± 3 %
  ])('GIVEN a nominal coding resistor within tolerance, %s Ω, WHEN classified THEN it is %s A', (ohms, rating) => {
    expect(classifyPpOhms(ohms)).toBe(rating);
  });

  it.each<[number, ReturnType<typeof classifyPpOhms>]>([
    [0, 'short'], [74.99, 'short'], [75, 63], [149.99, 63], [150, 32], [329.99, 32], [330, 20], [999.99, 20], [1000, 13], [2199.99, 13],
    [2200, null], [1e6, null], [Number.POSITIVE_INFINITY, null], [Number.NaN, 'invalid'], [-1, 'invalid'],
  ])('GIVEN %s Ω at or around a band edge WHEN classified THEN it is %s (the lower current where two bands meet)', (ohms, result) => {
    expect(classifyPpOhms(ohms)).toBe(result);
  });
});

describe('PP divider: node volts -> Rc', () => {
  it.each([100, 220, 680, 1500])('GIVEN %s Ω under 1 kΩ to 3.3 V WHEN the node volts are converted THEN Rc comes back', (ohms) => {
    expect(ppOhms((3.3 * ohms) / (ohms + 1000), 1000, 3.3)).toBeCloseTo(ohms, 6);
  });

  it('GIVEN the node at or just above the supply WHEN converted THEN it is open (Infinity); far above, or negative, it is impossible (NaN)', () => {
    expect(ppOhms(3.3, 1000, 3.3)).toBe(Number.POSITIVE_INFINITY);
    expect(ppOhms(3.3 * 1.04, 1000, 3.3)).toBe(Number.POSITIVE_INFINITY);
    expect(ppOhms(3.3 * 1.06, 1000, 3.3)).toBeNaN();
    expect(ppOhms(-0.01, 1000, 3.3)).toBeNaN();
    expect(ppOhms(0, 1000, 3.3)).toBe(0);
  });
});

describe('RpiProximity on a fake MCP3008', () => {
  it.each([
    [70, 'short'], [80, 63], [145, 63], [155, 32], [320, 32], [340, 20], [980, 20], [1020, 13], [2150, 13], [2260, null],
  ])('GIVEN Rc %s Ω through a 1 kΩ divider and 10-bit codes WHEN read THEN the rating is %s', async (ohms, expected) => {
    const { pp, proximity } = await driver();
    pp.ohms = ohms;
    const got = await outcome(proximity.read());
    if (expected === 'short') expect(got).toBeInstanceOf(HalError);
    else expect(got).toBe(expected);
  });

  it('GIVEN a PP shorted to PE WHEN read THEN the HalError gives the device, the ohms, the volts and the channel', async () => {
    const { pp, proximity } = await driver();
    pp.ohms = 0;
    await expect(proximity.read()).rejects.toThrow(/^proximity:1: PP shorted to PE: 0 Ω \(0\.000 V on channel 2\) is below the 75 Ω of the 63 A band$/);
  });

  it('GIVEN a pull-up to 2.5 V WHEN the node reads 3.0 V THEN it rejects: no resistor to PE gives a level above the supply', async () => {
    const { pp, proximity } = await driver({ channel: 2, pullUpOhms: 1000, pullUpV: 2.5 });
    const code = Math.round((3.0 * 1024) / 3.3);
    pp.glitches = [code, code, code];
    await expect(proximity.read()).rejects.toThrow(/above the 2\.5 V pull-up supply: check the wiring and proximity\.pullUpV/);
  });

  it('GIVEN a 32 A cable WHEN one of the three conversions glitches to 0 V THEN the median still reads 32; two glitches read a short', async () => {
    const { pp, proximity } = await driver();
    pp.ohms = 220;
    pp.glitches = [0];
    expect(await proximity.read()).toBe(32);
    expect(pp.conversions).toBe(3);
    pp.glitches = [0, 0];
    await expect(proximity.read()).rejects.toThrow(/shorted to PE/);
  });

  it('GIVEN a failing SPI transfer WHEN read THEN it rejects with a HalError naming the PP device, channel and cause; the next good read works', async () => {
    const { pp, proximity } = await driver();
    pp.ohms = 680;
    pp.fail = true;
    const err = await outcome(proximity.read());
    expect(err).toBeInstanceOf(HalError);
    expect((err as HalError).device).toBe('proximity:1');
    expect((err as Error).message).toMatch(/^proximity:1: cannot read the PP on ADC channel 2: pilot:1: MCP3008 channel 2 on \/dev\/spidev0\.0: EIO/);
    pp.fail = false;
    expect(await proximity.read()).toBe(20);
  });

  it('GIVEN an ADS1115 pilot ADC, a pull-up above vref or a zero pull-up WHEN constructed THEN a HalError says why', async () => {
    const { adc } = await driver();
    expect(() => new RpiProximity(adc, ADS, { channel: 2, pullUpOhms: 1000 }, 'proximity:1')).toThrow(/needs an MCP3008 pilot ADC; an ads1115's 2 ms conversions/);
    expect(() => new RpiProximity(adc, MCP, { channel: 2, pullUpOhms: 1000, pullUpV: 5 }, 'proximity:1')).toThrow(/pullUpV 5 V must be .* at most the ADC's vrefV 3\.3 V/);
    expect(() => new RpiProximity(adc, MCP, { channel: 2, pullUpOhms: 0 }, 'proximity:1')).toThrow(/pullUpOhms 0 must be a positive number/);
  });
});

describe('PP in a Pi connector (hal/rpi/connector.ts)', () => {
  const make = async (...args: Parameters<typeof createPpConnector>): Promise<PpConnectorRig> => {
    const rig = await createPpConnector(...args);
    cleanup.push(() => rig.dispose());
    return rig;
  };

  it('GIVEN no proximity entry WHEN the connector is created THEN hal.proximity is null', async () => {
    const rig = await make(undefined);
    expect(rig.connector.hal.proximity).toBeNull();
  });

  it('GIVEN a proximity entry on a tethered connector (no lock) WHEN created THEN it rejects with the reason', async () => {
    await expect(createPpConnector({ channel: 2, pullUpOhms: 1000 }, { tethered: true })).rejects.toThrow(
      /^proximity:1: a tethered cable \(no lock entry\) has no PP to read: remove the proximity entry$/,
    );
  });

  it('GIVEN an EV plugged with a 20 A cable WHEN the PP is read between CP samples THEN 20 A, and the pilot keeps reporting B undisturbed', async () => {
    const rig = await make({ channel: 2, pullUpOhms: 1000 });
    const samples: PilotSample[] = [];
    rig.connector.hal.pilot.samples.on((s) => samples.push(s));
    rig.line.ev.plugged = true;
    rig.pp.ohms = 680;
    for (let i = 0; i < 5; i++) {
      await rig.settle(20);
      expect(await rig.connector.hal.proximity!.read()).toBe(20);
    }
    expect(samples.map((s) => s.state)).toEqual(['B']);
    expect(rig.pp.conversions).toBe(15);
  });
});
