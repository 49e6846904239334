// The far end of a socket's PP line on the fake MCP3008 (test/helpers/fake-adc.ts answers the CP channels):
// ppSpi wraps that fake so the PP channel answers the code the configured divider gives for the cable's
// resistor (Rc to PE under a pull-up), and can fail (EIO) or return glitch codes. createPpConnector builds a
// whole Pi connector (hal/rpi/connector.ts) with a PP entry over the fake sysfs tree and onoff.

import type { ConnectorHwConfig, ProximityHwConfig } from '../../../hal/config.js';
import type { SpiDeviceLike, SpiModule } from '../../../hal/rpi/adc.js';
import { createRpiConnector, type RpiConnector } from '../../../hal/rpi/connector.js';
import { ManualClock } from '../../../hal/sim/index.js';
import type { PpFarEnd } from '../../contracts/proximity.js';
import { FakeCpLine, fakeSpiDevice } from '../../helpers/fake-adc.js';
import { fakeOnoff } from '../../helpers/fake-onoff.js';
import { FakeSysfs } from '../../helpers/fake-sysfs.js';
import { rigHwConfig, settleClock, stubMeter } from '../../helpers/rpi-rig.js';

/** Nominal coding resistors (IEC 61851-1); no cable = open, a short = 0 Ω. */
export const RC_OHMS: Record<PpFarEnd, number> = { 13: 1500, 20: 680, 32: 220, 63: 100, none: Number.POSITIVE_INFINITY, short: 0 };

export interface FakePp {
  channel: number;
  pullUpOhms: number;
  pullUpV: number;
  vrefV: number;
  /** Rc between PP and PE now. */
  ohms: number;
  fail: boolean;
  /** Codes returned by the next PP conversions instead of the divider's, first one first. */
  glitches: number[];
  /** PP conversions answered. */
  conversions: number;
}

export function fakePp(cfg: { channel: number; pullUpOhms: number; pullUpV: number; vrefV: number }): FakePp {
  return { ...cfg, ohms: RC_OHMS.none, fail: false, glitches: [], conversions: 0 };
}

/** The 10-bit code the MCP3008 gives for the PP node now. */
export function ppCode(pp: FakePp): number {
  const volts = pp.ohms === Number.POSITIVE_INFINITY ? pp.pullUpV : (pp.pullUpV * pp.ohms) / (pp.ohms + pp.pullUpOhms);
  return Math.max(0, Math.min(1023, Math.round((volts * 1024) / pp.vrefV)));
}

export function ppSpi(inner: SpiModule, pp: FakePp): SpiModule {
  return {
    openSync(bus, device, options) {
      const dev = inner.openSync(bus, device, options);
      const wrapped: SpiDeviceLike = {
        transferSync(message) {
          const m = message[0]!;
          if (((m.sendBuffer![1]! >> 4) & 0x07) !== pp.channel) return dev.transferSync(message);
          if (pp.fail) throw Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
          pp.conversions++;
          const code = pp.glitches.shift() ?? ppCode(pp);
          m.receiveBuffer!.set([0x00, (code >> 8) & 0x03, code & 0xff]);
          return wrapped;
        },
        closeSync: () => dev.closeSync(),
      };
      return wrapped;
    },
  };
}

export interface PpConnectorRig {
  connector: RpiConnector;
  pp: FakePp;
  line: FakeCpLine;
  clock: ManualClock;
  settle(ms: number): Promise<void>;
  dispose(): Promise<void>;
}

/** A Pi connector (MCP3008 pilot ADC, vref 3.3 V) with the given PP entry; `tethered` drops the lock entry. */
export async function createPpConnector(proximity: ProximityHwConfig | undefined, o: { tethered?: boolean } = {}): Promise<PpConnectorRig> {
  const sysfs = new FakeSysfs();
  const clock = new ManualClock();
  const hw: ConnectorHwConfig = { ...rigHwConfig({ tethered: o.tethered ?? false }), ...(proximity ? { proximity } : {}) };
  hw.pilot.pwm.sysfsRoot = sysfs.pwmRoot;
  sysfs.exportPwm(0, 0);
  const adc = hw.pilot.adc as Extract<ConnectorHwConfig['pilot']['adc'], { type: 'mcp3008' }>;
  const line = new FakeCpLine(sysfs, { chip: 0, channel: 0 }, { line: 512 + hw.pilot.enable!.pin, activeLow: false });
  const pp = fakePp({ channel: proximity?.channel ?? 2, pullUpOhms: proximity?.pullUpOhms ?? 1000, pullUpV: proximity?.pullUpV ?? adc.vrefV, vrefV: adc.vrefV });
  const spi = ppSpi(fakeSpiDevice(line, adc, hw.pilot.calibration), pp);
  try {
    const connector = await createRpiConnector(1, hw, { sysfsRoot: sysfs.gpioRoot, chipLabel: 'auto', debounceMs: 10 }, {
      clock,
      meter: stubMeter,
      gpioFactory: fakeOnoff(sysfs, clock).factory,
      adcModules: { spi },
    });
    return {
      connector, pp, line, clock,
      settle: (ms) => settleClock(clock, ms),
      async dispose() {
        await connector.close().catch(() => undefined);
        sysfs.dispose();
      },
    };
  } catch (err) {
    sysfs.dispose();
    throw err;
  }
}
