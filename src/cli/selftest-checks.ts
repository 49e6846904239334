// The device checks of `evse selftest`, one function per item, each against the HAL interfaces only
// (simulated and Raspberry Pi drivers alike). Owns: what PASS/FAIL/SKIP means per device and the likely
// fix printed with a failure. Must not: run while the controller owns the hardware (selftest.ts checks),
// leave an output on (every path ends with the contactor open and the pilot at steady +12 V).

import type { GpioPin } from '../../hal/config.js';
import type { ConnectorHal, Hal, PilotSample } from '../../hal/types.js';
import type { Config } from '../config/schema.js';

export type Outcome = 'PASS' | 'FAIL' | 'SKIP';

export interface Item {
  item: 'pilot' | 'relay' | 'rcd' | 'meter' | 'temperature' | 'rfid';
  connector: number | null;
  outcome: Outcome;
  detail: string;
  /** The likely fix, for a FAIL. */
  fix?: string;
}

export interface CheckContext {
  config: Config;
  /** How long the mirror contact may take to follow a command. */
  relayTimeoutMs: number;
  /** Model probe (Modbus), supplied by the meter driver: the model that answers at the configured address. */
  probeMeter?: (connectorId: number) => Promise<string>;
}

type Hw = Config['hal']['connectors'][number];
const hwOf = (ctx: CheckContext, c: ConnectorHal): Hw | undefined => ctx.config.hal.connectors[c.id - 1];
/** "GPIO27 (hal.connectors[0].contactor.mirror, active low)", or the key alone without a pin map (sim). */
function pinRef(c: ConnectorHal, key: string, pin: GpioPin | undefined): string {
  const path = `hal.connectors[${c.id - 1}].${key}`;
  return pin ? `GPIO${pin.pin} (${path}${pin.activeLow ? ', active low' : ''})` : path;
}
const msg = (err: unknown) => (err instanceof Error ? err.message : String(err));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const item = (name: Item['item'], c: ConnectorHal | null, outcome: Outcome, detail: string, fix?: string): Item => ({
  item: name,
  connector: c?.id ?? null,
  outcome,
  detail,
  ...(fix ? { fix } : {}),
});

/** Resolves with `p`, or `fallback` after `ms`. */
export function within<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((r) => (timer = setTimeout(() => r(fallback), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Drives steady +12 V (state A/X1) and returns the latest sample after it settled, or null. */
async function samplePilot(c: ConnectorHal, timeoutMs: number): Promise<PilotSample | null> {
  let latest: PilotSample | null = null;
  const off = c.pilot.samples.on((s) => void (latest = s));
  try {
    c.pilot.setOutput({ mode: 'steady' });
    const start = Date.now();
    await sleep(150);
    while (latest === null && Date.now() - start < timeoutMs) await sleep(20);
    return latest;
  } finally {
    off();
  }
}

const volts = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(1)} V`;

export async function checkPilot(ctx: CheckContext, c: ConnectorHal): Promise<{ item: Item; state: string | null }> {
  const hw = hwOf(ctx, c);
  const adc = hw ? `${hw.pilot.adc.type}${hw.pilot.adc.type === 'ads1115' ? ` on I2C bus ${hw.pilot.adc.bus} address 0x${hw.pilot.adc.address.toString(16)} (i2cdetect -y ${hw.pilot.adc.bus}; dtparam=i2c_arm=on)` : ` on ${hw.pilot.adc.device} (dtparam=spi=on)`}` : 'the pilot ADC';
  let s: PilotSample | null;
  try {
    s = await samplePilot(c, 2000);
  } catch (err) {
    return { item: item('pilot', c, 'FAIL', `driving +12 V failed: ${msg(err)}`, `check the PWM output (dtoverlay=pwm,pin=18,func=2; hal.connectors[${c.id - 1}].pilot.pwm)`), state: null };
  }
  if (!s) return { item: item('pilot', c, 'FAIL', 'no pilot sample within 2 s', `check ${adc}`), state: null };
  const levels = `high ${volts(s.highV)}, low ${volts(s.lowV)}`;
  const enable = pinRef(c, 'pilot.enable', hw?.pilot.enable);
  switch (s.state) {
    case 'A':
      return { item: item('pilot', c, 'PASS', `state A (no vehicle): ${levels}`), state: 'A' };
    case 'B':
    case 'C':
    case 'D':
      return { item: item('pilot', c, 'PASS', `state ${s.state} (vehicle connected): ${levels}`), state: s.state };
    case 'E':
      return { item: item('pilot', c, 'FAIL', `state E (0 V) while +12 V is driven: ${levels}`, `CP shorted to PE, or the +/-12 V stage is off: check ${enable} and the CP driver`), state: 'E' };
    case 'F':
      return { item: item('pilot', c, 'FAIL', `state F (-12 V) while +12 V is driven: ${levels}`, `check the PWM polarity and GPIO18 (pilot.pwm) wiring to the CP driver`), state: 'F' };
    default:
      return { item: item('pilot', c, 'FAIL', `level outside every band: ${levels}`, `check the divider and hal.connectors[${c.id - 1}].pilot.calibration, and ${adc}`), state: null };
  }
}

/** Waits until the mirror contact reads `closed` (an edge event or the level), or the timeout. */
async function feedbackFollows(c: ConnectorHal, closed: boolean, timeoutMs: number): Promise<boolean> {
  let edge: boolean | null = null;
  const off = c.contactor.feedback.on((f) => void (edge = f.closed));
  try {
    const start = Date.now();
    while (edge !== closed && c.contactor.feedbackClosed !== closed) {
      if (Date.now() - start >= timeoutMs) return false;
      await sleep(10);
    }
    return true;
  } finally {
    off();
  }
}

function openQuietly(c: ConnectorHal): void {
  try {
    c.contactor.open();
  } catch {
    // reported by the close/open failure itself
  }
}

export async function checkRelay(ctx: CheckContext, c: ConnectorHal, pilotState: string | null): Promise<Item> {
  const hw = hwOf(ctx, c);
  const mirror = pinRef(c, 'contactor.mirror', hw?.contactor.mirror);
  const coil = pinRef(c, 'contactor.coil', hw?.contactor.coil);
  if (!c.contactor.capabilities.hasFeedback) return item('relay', c, 'SKIP', 'no mirror contact configured: the click cannot be verified');
  if (pilotState !== 'A') {
    return item('relay', c, 'SKIP', pilotState ? `vehicle connected (pilot state ${pilotState}): unplug it to test the relay` : 'pilot state unknown: the relay is tested only with no vehicle (state A)');
  }
  if (c.contactor.feedbackClosed) {
    return item('relay', c, 'FAIL', 'mirror contact reads closed while the contactor is commanded open', `welded contacts (do not charge), or the mirror sense is inverted: check ${mirror} activeLow`);
  }
  const ms = ctx.relayTimeoutMs;
  try {
    c.contactor.close();
    const closed = await feedbackFollows(c, true, ms).finally(() => openQuietly(c));
    if (!closed) return item('relay', c, 'FAIL', `mirror contact did not follow the close command within ${ms} ms`, `check the auxiliary contact wiring to ${mirror}; if the contactor did not click, the coil driver on ${coil}`);
    if (!(await feedbackFollows(c, false, ms))) return item('relay', c, 'FAIL', `mirror contact still closed ${ms} ms after the open command`, `welded contacts (do not charge), or the auxiliary contact wiring to ${mirror}`);
    return item('relay', c, 'PASS', 'closed and opened; the mirror contact followed both');
  } catch (err) {
    openQuietly(c);
    return item('relay', c, 'FAIL', `contactor command failed: ${msg(err)}`, `check the coil output ${coil}`);
  }
}

export async function checkRcd(ctx: CheckContext, c: ConnectorHal): Promise<Item> {
  const hw = hwOf(ctx, c);
  const trip = pinRef(c, 'rcd.trip', hw?.rcd.trip);
  const test = pinRef(c, 'rcd.test', hw?.rcd.test);
  if (c.rcm.tripped) return item('rcd', c, 'FAIL', 'the RCD module reports tripped now', `residual current on the line, or the trip input sense: check ${trip} activeLow`);
  if (!c.rcm.capabilities.selfTest) return item('rcd', c, 'SKIP', 'no test input configured (rcd.test)');
  try {
    const ok = await within(c.rcm.selfTest(), 5000, false);
    if (ok) return item('rcd', c, 'PASS', 'tripped on its test input and recovered');
    return item('rcd', c, 'FAIL', 'the RCD module did not trip on its test input (or did not recover)', `check the test wire ${test} and the trip wire ${trip}; replace the module if the wiring is right`);
  } catch (err) {
    return item('rcd', c, 'FAIL', `RCD self-test failed: ${msg(err)}`, `check ${test} and ${trip}`);
  }
}

export async function checkMeter(ctx: CheckContext, c: ConnectorHal): Promise<Item> {
  const hw = hwOf(ctx, c);
  const m = hw?.meter.driver === 'modbus' ? hw.meter : null;
  const bus = m ? ctx.config.hal.modbus.find((b) => b.id === m.bus) : undefined;
  const where = m && bus ? `the RS-485 A/B wiring and termination, ${bus.port} at ${bus.baud} baud, and Modbus address ${m.address} (hal.connectors[${c.id - 1}].meter.address)` : 'the meter connection';
  try {
    const r = await within(c.meter.read(), 5000, null);
    if (!r) return item('meter', c, 'FAIL', 'no answer within 5 s', `check ${where}`);
    const detail = `${c.meter.capabilities.model}: ${(r.energyImportWh / 1000).toFixed(3)} kWh, L1 ${r.voltageV.l1.toFixed(0)} V, ${r.frequencyHz.toFixed(1)} Hz`;
    if (!ctx.probeMeter) return item('meter', c, 'PASS', detail);
    const found = await ctx.probeMeter(c.id);
    const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
    if (m && !norm(found).includes(norm(m.model))) {
      return item('meter', c, 'FAIL', `${detail}; the probe found ${found}, configured ${m.model}`, `set hal.connectors[${c.id - 1}].meter.model to the model found`);
    }
    return item('meter', c, 'PASS', `${detail}; probe: ${found}`);
  } catch (err) {
    return item('meter', c, 'FAIL', `read failed: ${msg(err)}`, `check ${where}`);
  }
}

export async function checkTemperature(ctx: CheckContext, c: ConnectorHal): Promise<Item> {
  try {
    const t = await within(c.temperature.read(), 3000, null);
    if (t === null) return item('temperature', c, 'FAIL', 'no reading within 3 s', `check hal.connectors[${c.id - 1}].temperature`);
    if (t >= ctx.config.temperature.tripC) return item('temperature', c, 'FAIL', `${t.toFixed(1)} °C is at or above temperature.tripC (${ctx.config.temperature.tripC} °C)`, 'let the enclosure cool down; check ventilation and the sensor position');
    return item('temperature', c, 'PASS', `${t.toFixed(1)} °C (${c.temperature.capabilities.location})`);
  } catch (err) {
    return item('temperature', c, 'FAIL', `read failed: ${msg(err)}`, `check hal.connectors[${c.id - 1}].temperature (path, 1-wire overlay)`);
  }
}

/** Waits for one card (or a reader fault) up to `waitS` seconds. */
export async function checkRfid(hal: Hal, waitS: number): Promise<Item> {
  const fix = 'check the MFRC522 wiring (3.3 V; GPIO8 CS, GPIO9 MISO, GPIO10 MOSI, GPIO11 SCLK, GPIO25 RST) and hal.rfid; or use --no-rfid';
  let stop = (): void => undefined;
  const seen = new Promise<Item>((resolve) => {
    const offCard = hal.rfid.cards.on((card) => resolve(item('rfid', null, 'PASS', `card ${Buffer.from(card.uid).toString('hex').toUpperCase()} read`)));
    const offFault = hal.rfid.faults.on((f) => f.active && resolve(item('rfid', null, 'FAIL', `reader fault ${f.fault}${f.detail ? `: ${f.detail}` : ''}`, fix)));
    stop = () => {
      offCard();
      offFault();
    };
  });
  const timedOut = item('rfid', null, 'FAIL', `no card presented within ${waitS} s`, fix);
  const result = await within(seen, waitS * 1000, timedOut);
  stop();
  return result;
}
