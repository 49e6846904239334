// The whole Raspberry Pi HAL (hal/rpi/index.ts createRpiHal, and createHal({ driver: 'rpi' })) with two
// connectors over one fake sysfs tree (fake onoff), two PWM channels, two fake CP lines behind MCP3008s on
// /dev/spidev0.0 and 0.1, on a ManualClock: connector 1 with a lock, connector 2 tethered with an active-low
// coil. Checked: what is built, every coil off FIRST on emergencyOff (node:fs writes recorded in order),
// close() (coils and lock motor kept exported at their off level), clean-up when creation fails half-way, the estimating meter, a real Modbus meter over a pty, and
// the RFID reader (none, or the MFRC522 child over test/fixtures/rfid-fake-mfrc522.mjs).

import type * as fs from 'node:fs';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ConnectorHwConfig, GpioPin, RpiHwConfig } from '../../../hal/config.js';
import { HalError } from '../../../hal/errors.js';
import { createHal } from '../../../hal/index.js';
import { createRpiHal, type RpiHal, type RpiHalDeps } from '../../../hal/rpi/index.js';
import { childEntryFile } from '../../../hal/rpi/rfid-process.js';
import { ManualClock } from '../../../hal/sim/index.js';
import type { CardPresented, PilotSample } from '../../../hal/types.js';
import { FakeCpLine, fakeSpiDevice, type FakeSpi } from '../../helpers/fake-adc.js';
import { collect, fakeOnoff, type FakeOnoff } from '../../helpers/fake-onoff.js';
import { FakeSysfs, type Bit } from '../../helpers/fake-sysfs.js';
import { startModbusRig } from '../../helpers/modbus-rig.js';
import { rigHwConfig, settleClock } from '../../helpers/rpi-rig.js';

/** Every node:fs writeFileSync under `root`, in order: GPIO values (through the fake onoff) and PWM attributes. */
const recorder = vi.hoisted(() => ({ root: '', log: [] as Array<{ path: string; data: string }> }));
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof fs>();
  const writeFileSync = (path: fs.PathOrFileDescriptor, data: string | NodeJS.ArrayBufferView, options?: fs.WriteFileOptions): void => {
    if (recorder.root && String(path).startsWith(recorder.root)) recorder.log.push({ path: String(path), data: String(data).trim() });
    real.writeFileSync(path, data, options);
  };
  return { ...real, default: { ...real, writeFileSync }, writeFileSync };
});

const pin = (n: number, activeLow = false): GpioPin => ({ pin: n, activeLow });
const BASE = 512; // pinctrl-bcm2711 on Bookworm
const PERIOD = 1_000_000;
const C1 = { coil: 17, outputs: [17, 5, 6, 23, 24, 25, 16, 20, 21], inputs: [27, 22, 13] };
const C2 = { coil: 26, outputs: [26, 14, 15], inputs: [12, 4] };
const ALL_LINES = [...C1.outputs, ...C1.inputs, ...C2.outputs, ...C2.inputs];
/** Coils and the lock motor stay exported at their off level when released (connector.ts). */
const KEPT_LINES = [17, 5, 6, 26];

/** Connector 2: tethered, active-low relay board coil with a mirror, RCD without test, red/green LED, PWM channel 1. */
function secondConnector(sysfsPwm: string, tempPath: string): ConnectorHwConfig {
  const cal = { scale: 8.889, offset: -14.667 };
  return {
    pilot: {
      pwm: { sysfsRoot: sysfsPwm, chip: 0, channel: 1 },
      adc: { type: 'mcp3008', device: '/dev/spidev0.1', speedHz: 1_000_000, highChannel: 0, lowChannel: 1, vrefV: 3.3 },
      calibration: { high: cal, low: cal },
      sampleIntervalMs: 20,
    },
    contactor: { coil: pin(26, true), mirror: pin(12, true) },
    rcd: { trip: pin(4, true) },
    led: { red: pin(15), green: pin(14) },
    meter: { driver: 'estimated' },
    temperature: { driver: 'cpu', path: tempPath },
  };
}

interface Bench {
  clock: ManualClock;
  sysfs: FakeSysfs;
  onoff: FakeOnoff;
  lines: [FakeCpLine, FakeCpLine];
  spis: [FakeSpi, FakeSpi];
  hw: RpiHwConfig;
  stateDir: string;
  /** Lines whose export fails (EBUSY: claimed by a kernel driver); SPI chip selects whose open fails. */
  failExport: Set<number>;
  failSpiOpen: Set<number>;
  line(bcm: number): number;
  create(phases?: Array<1 | 3>): Promise<RpiHal>;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  recorder.root = '';
  recorder.log = [];
  for (const c of cleanups.splice(0).reverse()) await c();
});

const line = (bcm: number): number => BASE + bcm;

function bench(): Bench {
  const clock = new ManualClock();
  const sysfs = new FakeSysfs();
  const stateDir = mkdtempSync(join(tmpdir(), 'evse-rpi-hal-'));
  const tempFile = join(stateDir, 'temp');
  writeFileSync(tempFile, '41500\n');
  cleanups.push(() => sysfs.dispose(), () => rmSync(stateDir, { recursive: true, force: true }));
  const c1 = rigHwConfig({}, tempFile);
  c1.pilot.pwm.sysfsRoot = sysfs.pwmRoot;
  const c2 = secondConnector(sysfs.pwmRoot, tempFile);
  sysfs.exportPwm(0, 0);
  sysfs.exportPwm(0, 1);
  for (const bcm of [...C1.inputs, ...C2.inputs]) sysfs.pendingInputs.set(line(bcm), 1); // all active-low, idle
  const lines: [FakeCpLine, FakeCpLine] = [new FakeCpLine(sysfs, { chip: 0, channel: 0 }, { line: line(24), activeLow: false }), new FakeCpLine(sysfs, { chip: 0, channel: 1 })];
  const spiFor = (cp: FakeCpLine, c: ConnectorHwConfig): FakeSpi => {
    if (c.pilot.adc.type !== 'mcp3008') throw new Error('the bench puts both CP ADCs on SPI');
    return fakeSpiDevice(cp, c.pilot.adc, c.pilot.calibration);
  };
  const hw: RpiHwConfig = { gpio: { sysfsRoot: sysfs.gpioRoot, chipLabel: 'auto', debounceMs: 10 }, modbus: [], connectors: [c1, c2], rfid: { driver: 'none' } };
  const parts = { clock, sysfs, onoff: fakeOnoff(sysfs, clock), lines, spis: [spiFor(lines[0], c1), spiFor(lines[1], c2)] as [FakeSpi, FakeSpi], hw, stateDir };
  const failures = { failExport: new Set<number>(), failSpiOpen: new Set<number>() };
  const deps = benchDeps(parts, failures);
  return {
    ...parts, ...failures, line,
    async create(phases = [3, 1]) {
      const hal = await createRpiHal({ hw, connectors: phases.map((p) => ({ phases: p })), stateDir }, clock, deps);
      cleanups.push(() => hal.close().catch(() => undefined));
      return hal;
    },
  };
}

/** The fake onoff and the two SPI chip selects, failing where the test says. */
function benchDeps(b: Pick<Bench, 'onoff' | 'spis'>, fail: Pick<Bench, 'failExport' | 'failSpiOpen'>): RpiHalDeps {
  const error = (code: string, text: string): Error => Object.assign(new Error(`${code}: ${text}`), { code });
  return {
    gpioFactory: (n, ...rest) => {
      if (fail.failExport.has(n)) throw error('EBUSY', `resource busy or locked, write '${n}'`);
      return b.onoff.factory(n, ...rest);
    },
    adcModules: {
      spi: {
        openSync: (bus, cs, options) => {
          if (fail.failSpiOpen.has(cs)) throw error('ENOENT', `no such file or directory, open '/dev/spidev${bus}.${cs}'`);
          return b.spis[cs]!.openSync(bus, cs, options);
        },
      },
    },
  };
}

const offRaw = (p: GpioPin): Bit => (p.activeLow ? 1 : 0);
const coilPins = (b: Bench): GpioPin[] => b.hw.connectors.map((c) => c.contactor.coil);
const exported = (b: Bench): number[] => ALL_LINES.filter((bcm) => b.sysfs.isExported(b.line(bcm)));
/** Released as designed: only coils and lock motor left exported, each driving its off level (pull-down on BCM 9-27 notwithstanding). */
const releasedSafely = (b: Bench): void => {
  expect(exported(b)).toEqual(KEPT_LINES);
  for (const p of coilPins(b)) expect(b.sysfs.electrical(b.line(p.pin), 0)).toBe(offRaw(p));
  for (const bcm of [5, 6]) expect(b.sysfs.electrical(b.line(bcm), 0)).toBe(0);
};

/** Charging on both connectors: coils on, PWM, LEDs lit, connector 1 locking. */
function charge(hal: RpiHal): void {
  for (const c of hal.connectors) {
    c.contactor.close();
    c.pilot.setOutput({ mode: 'pwm', dutyPercent: 53.3 });
    c.indicator.set({ colour: 'green', pattern: 'solid' });
  }
  hal.connectors[0]!.lock!.lock();
}

describe('createRpiHal: two connectors', () => {
  it('GIVEN a two-connector pin map WHEN created THEN both connectors exist with their ids, devices and channels, coils at their off level', async () => {
    const b = bench();
    const hal = await b.create();
    expect(hal.kind).toBe('rpi');
    expect(hal.connectors.map((c) => c.id)).toEqual([1, 2]);
    expect(hal.connectors[0]!.lock).not.toBeNull();
    expect(hal.connectors[1]!.lock).toBeNull();
    expect(hal.connectors.map((c) => c.meter.capabilities)).toEqual([
      { phases: 3, model: 'estimated', serial: 'none' },
      { phases: 1, model: 'estimated', serial: 'none' },
    ]);
    for (const p of coilPins(b)) expect(b.sysfs.lastDriven(b.line(p.pin))).toBe(offRaw(p));
    expect([b.sysfs.pwm(0, 0), b.sysfs.pwm(0, 1)]).toEqual([
      { periodNs: PERIOD, dutyNs: PERIOD, enabled: true, polarity: 'normal' },
      { periodNs: PERIOD, dutyNs: PERIOD, enabled: true, polarity: 'normal' },
    ]);
    expect(exported(b)).toEqual(ALL_LINES);
    // Each connector reads its own CP line: plugging at connector 2 is seen there only.
    await settleClock(b.clock, 100);
    const seen = hal.connectors.map((c) => collect<PilotSample>(c.pilot.samples));
    b.lines[1].ev.plugged = true;
    await settleClock(b.clock, 100);
    expect(seen.map((s) => s.map((x) => x.state))).toEqual([[], ['B']]);
  });

  it('GIVEN both connectors charging WHEN emergencyOff runs THEN every coil goes to its off level before any other output changes', async () => {
    const b = bench();
    const hal = await b.create();
    charge(hal);
    recorder.root = b.sysfs.root;
    recorder.log = [];
    hal.emergencyOff();
    const coilWrites = coilPins(b).map((p) => ({ path: join(b.sysfs.lineDir(b.line(p.pin)), 'value'), data: String(offRaw(p)) }));
    expect(recorder.log.slice(0, 2)).toEqual(coilWrites);
    expect(recorder.log.length).toBeGreaterThan(2); // then the pilots, lock motor and LEDs
    for (const p of coilPins(b)) expect(readFileSync(join(b.sysfs.lineDir(b.line(p.pin)), 'value'), 'utf8').trim()).toBe(String(offRaw(p)));
    expect(hal.connectors.map((c) => c.contactor.commandedClosed)).toEqual([false, false]);
    expect([b.sysfs.pwm(0, 0).dutyNs, b.sysfs.pwm(0, 1).dutyNs]).toEqual([PERIOD, PERIOD]); // steady +12 V
    for (const bcm of [5, 6, 16, 20, 21, 14, 15]) expect(b.sysfs.lastDriven(b.line(bcm))).toBe(0);
  });

  it("GIVEN connector 1's coil line failing WHEN emergencyOff runs THEN connector 2's coil is off before any listener runs, and nothing throws", async () => {
    const b = bench();
    const hal = await b.create();
    charge(hal);
    b.sysfs.broken.add(b.line(C1.coil));
    const coil2AtEvent: Array<Bit | undefined> = [];
    for (const c of hal.connectors) c.contactor.faults.on(() => coil2AtEvent.push(b.sysfs.lastDriven(b.line(C2.coil))));
    expect(() => hal.emergencyOff()).not.toThrow();
    expect(b.sysfs.lastDriven(b.line(C2.coil))).toBe(1);
    for (const level of coil2AtEvent) expect(level).toBe(1);
  });

  it('GIVEN both connectors charging WHEN closed twice THEN coils are off (kept exported so), every other line is unexported, nothing is left running, and the second close is a no-op', async () => {
    const b = bench();
    const hal = await b.create();
    charge(hal);
    const faults = hal.connectors.map((c) => collect(c.contactor.faults));
    await hal.close();
    for (const p of coilPins(b)) expect(b.sysfs.lastDriven(b.line(p.pin))).toBe(offRaw(p));
    releasedSafely(b);
    expect(b.spis.map((s) => s.closed)).toEqual([true, true]);
    expect(b.clock.pending).toBe(0);
    const attempts = b.onoff.opened.map((g) => vi.spyOn(g, 'writeSync'));
    await expect(hal.close()).resolves.toBeUndefined();
    hal.emergencyOff(); // an 'exit' handler after a SIGTERM close: nothing left to drive
    expect(attempts.filter((w) => w.mock.calls.length > 0)).toEqual([]);
    expect(faults).toEqual([[], []]); // no 'contactor-io' from writing to released lines
  });

  it.each([
    ['the RCD input of connector 2 cannot be exported', (b: Bench) => b.failExport.add(b.line(4)), /rcm:2.*GPIO4.*EBUSY/],
    ['the ADC of connector 2 cannot be opened', (b: Bench) => b.failSpiOpen.add(1), /pilot:2.*spidev0\.1.*ENOENT/],
  ])('GIVEN %s WHEN created THEN it rejects with a HalError, connector 1 left with its coil off and everything released', async (_what, breakIt, message) => {
    const b = bench();
    breakIt(b);
    const err = await b.create().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(HalError);
    expect((err as HalError).message).toMatch(message);
    expect(b.sysfs.lastDriven(b.line(C1.coil))).toBe(0);
    expect(b.sysfs.lastDriven(b.line(C2.coil))).toBe(1); // exported at its (active-low) off level before the failure
    releasedSafely(b);
    expect(b.spis[0].closed).toBe(true);
    expect(b.clock.pending).toBe(0); // connector 1's sampler stopped
  });

  it('GIVEN hw.connectors and connectors of different lengths WHEN created THEN it rejects before touching any line', async () => {
    const b = bench();
    await expect(b.create([3])).rejects.toThrow(new HalError('hal', 'hal.connectors has 2 entries for 1 connectors'));
    expect(b.onoff.opened).toEqual([]);
  });
});

describe("createHal({ driver: 'rpi' })", () => {
  const clock = new ManualClock();
  it('GIVEN no hardware description WHEN created THEN it rejects saying what is missing', async () => {
    await expect(createHal({ driver: 'rpi', connectors: [{ tethered: false, phases: 3 }] }, clock)).rejects.toThrow(
      new HalError('hal', 'driver "rpi" needs the hardware description (hal.connectors, hal.gpio, ...)'),
    );
  });

  it('GIVEN a hardware description WHEN created THEN the Pi HAL is built from it (here: the connector count is checked, then real onoff refuses a non-/sys root)', async () => {
    const b = bench();
    const connectors = [{ tethered: false, phases: 3 as const }];
    await expect(createHal({ driver: 'rpi', connectors, hw: b.hw }, clock)).rejects.toThrow(/hal\.connectors has 2 entries for 1 connectors/);
    const err = await createHal({ driver: 'rpi', connectors: [...connectors, { tethered: true, phases: 1 }], hw: b.hw }, clock).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HalError);
    expect(String(err)).toMatch(/onoff only drives \/sys\/class\/gpio/);
  });
});

describe('createRpiHal: meters', () => {
  it('GIVEN estimated meters WHEN connector 1 charges at 53.3 % on three phases for 60 s THEN ~22 kW and ~368 Wh, connector 2 stays at 0 W, and the register survives a restart', async () => {
    const b = bench();
    const hal = await b.create();
    const [c1, c2] = [hal.connectors[0]!, hal.connectors[1]!];
    const [m1, m2] = [c1.meter, c2.meter];
    c1.pilot.setOutput({ mode: 'pwm', dutyPercent: 53.3 });
    expect((await m1.read()).powerW).toBe(0); // PWM offered, contactor open
    c1.contactor.close();
    const start = await m1.read();
    expect(start.powerW).toBeCloseTo(31.98 * 230 * 3, 1);
    b.clock.advance(60_000);
    const end = await m1.read();
    expect(end.energyImportWh - start.energyImportWh).toBeGreaterThan(367.8 * 0.99);
    expect(end.energyImportWh - start.energyImportWh).toBeLessThan(367.8 * 1.01);
    expect((await m2.read()).powerW).toBe(0);
    await hal.close();
    const file = join(b.stateDir, 'estimated-meter-1.json');
    expect(JSON.parse(readFileSync(file, 'utf8')).energyWh).toBeCloseTo(end.energyImportWh, 3);
    const again = await b.create();
    expect((await again.connectors[0]!.meter.read()).energyImportWh).toBe(end.energyImportWh);
  });

  it('GIVEN a Modbus SDM630 for connector 1 on a pty WHEN created THEN connector 1 reads the meter, connector 2 estimates, and close() closes the bus', async () => {
    const rig = await startModbusRig({ baud: 38400, turnaroundMs: 1 });
    cleanups.push(() => rig.close());
    rig.slave.serve(7, 'sdm630', { energyWh: 4_321_000, powerW: 11_000 });
    const b = bench();
    b.hw.modbus = [rig.busConfig()];
    b.hw.connectors[0]!.meter = { driver: 'modbus', bus: 'rs485', model: 'sdm630', address: 7 };
    const hal = await b.create();
    const [m1, m2] = [hal.connectors[0]!.meter, hal.connectors[1]!.meter];
    expect([m1.capabilities.model, m2.capabilities.model]).toEqual(['Eastron SDM630', 'estimated']);
    const r = await m1.read();
    expect(r.energyImportWh).toBeCloseTo(4_321_000, -3);
    expect(r.powerW).toBeCloseTo(11_000, 0);
    await hal.close();
    await expect(m1.read()).rejects.toBeInstanceOf(HalError);
  });
});

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The fake MFRC522 in the reader child, steered through a state file (see rpi-rfid-process.test.ts). */
function fakeChip(state: object): { set(s: object): void; pid(): number } {
  const dir = mkdtempSync(join(tmpdir(), 'evse-rpi-hal-rfid-'));
  const file = join(dir, 'state.json');
  const set = (s: object): void => {
    writeFileSync(`${file}.tmp`, JSON.stringify(s));
    renameSync(`${file}.tmp`, file);
  };
  set(state);
  const saved = { module: process.env.EVSE_RFID_FAKE_MODULE, state: process.env.EVSE_RFID_FAKE_STATE };
  process.env.EVSE_RFID_FAKE_MODULE = join(ROOT, 'test', 'fixtures', 'rfid-fake-mfrc522.mjs');
  process.env.EVSE_RFID_FAKE_STATE = file;
  cleanups.push(() => {
    for (const [k, v] of [['EVSE_RFID_FAKE_MODULE', saved.module], ['EVSE_RFID_FAKE_STATE', saved.state]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    rmSync(dir, { recursive: true, force: true });
  });
  return { set, pid: () => Number(readFileSync(`${file}.pid`, 'utf8')) };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(what: string, cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('createRpiHal: RFID reader', () => {
  it("GIVEN rfid driver 'none' WHEN time passes and the connectors work THEN the reader never reports a card or a fault", async () => {
    const b = bench();
    const hal = await b.create();
    const cards = collect(hal.rfid.cards);
    const faults = collect(hal.rfid.faults);
    b.lines[0].ev.plugged = true;
    charge(hal);
    await settleClock(b.clock, 2000);
    b.clock.advance(10_000);
    expect(hal.rfid.capabilities.maxUidBytes).toBe(0);
    expect([cards, faults]).toEqual([[], []]);
  });

  it("GIVEN rfid driver 'mfrc522' WHEN a card is presented THEN hal.rfid reports it from the reader child, and close() ends the child", async () => {
    const entry = childEntryFile();
    if (!entry || !existsSync(entry)) throw new Error(`${entry} is missing: build first (npx tsc -p tsconfig.build.json)`);
    const chip = fakeChip({ card: null });
    const b = bench();
    b.hw.rfid = { driver: 'mfrc522', pollMs: 20, holdOffMs: 150 };
    const hal = await b.create();
    const cards = collect<CardPresented>(hal.rfid.cards);
    chip.set({ card: [0x04, 0xa1, 0xb2, 0xc3] });
    await waitFor('a card', () => cards.length > 0);
    expect(Buffer.from(cards[0]!.uid).toString('hex')).toBe('04a1b2c3');
    const pid = chip.pid();
    await hal.close();
    expect(alive(pid)).toBe(false);
    releasedSafely(b);
  });

  it('GIVEN an MFRC522 reader that cannot start (Raspberry Pi 5) WHEN created THEN it rejects with the reader error and both connectors are released', async () => {
    fakeChip({ board: 'Raspberry Pi 5 Model B Rev 1.0' });
    const b = bench();
    b.hw.rfid = { driver: 'mfrc522', pollMs: 20, holdOffMs: 150 };
    const err = await b.create().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HalError);
    expect((err as HalError).device).toBe('rfid');
    expect((err as HalError).message).toMatch(/Raspberry Pi 5/);
    for (const p of coilPins(b)) expect(b.sysfs.lastDriven(b.line(p.pin))).toBe(offRaw(p));
    releasedSafely(b);
    expect(b.clock.pending).toBe(0);
  });
});
