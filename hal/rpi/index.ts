// The Raspberry Pi board: builds every connector's real devices from the hardware config, the Modbus
// meters on their shared buses (or an estimating meter where none is fitted), the site's grid meter (on the
// same buses, so one queue per line) and the RFID reader.
// Owns: creation (a failure half-way releases what was built), the fail-safe teardown order (every
// contactor off first, then the rest). Must not: hold charging logic. Loaded lazily by createHal, so
// hardware packages are never imported on x86 CI.

import { join } from 'node:path';
import type { Clock } from '../clock.js';
import type { ConnectorHwConfig, RpiHwConfig } from '../config.js';
import { HalError } from '../errors.js';
import { Subject } from '../observable.js';
import type { CardPresented, DeviceFaultEvent, EnergyMeter, Hal, RfidFault, RfidReader } from '../types.js';
import { createRpiConnector, type RpiConnector, type RpiConnectorDeps } from './connector.js';
import { RpiContactor } from './contactor.js';
import { EstimatedMeter, type EstimatedMeterSource } from './estimated-meter.js';
import { errText } from './optional-import.js';

export interface RpiHalOptions {
  hw: RpiHwConfig;
  /** Per connector (same order as hw.connectors): phases, for an estimating meter. */
  connectors: ReadonlyArray<{ phases: 1 | 3 }>;
  /** Where an estimating meter keeps its register. */
  stateDir?: string;
}

export interface RpiHal extends Hal {
  readonly kind: 'rpi';
  /** Synchronous, for a process 'exit' handler: every contactor output to its off level first. */
  emergencyOff(): void;
}

type ClosableReader = RfidReader & { close?(): void | Promise<void> };

/** Test seams: fakes for GPIO and the ADC buses, and replacement meters / reader. */
export interface RpiHalDeps {
  gpioFactory?: RpiConnectorDeps['gpioFactory'];
  adcModules?: RpiConnectorDeps['adcModules'];
  meters?: (EnergyMeter | null)[];
  rfid?: ClosableReader;
}

/** A reader that never reports a card (hal.rfid.driver: none): cards come from the API or the CSMS only. */
class NoRfid implements RfidReader {
  readonly capabilities = { maxUidBytes: 0 };
  readonly cards = new Subject<CardPresented>();
  readonly faults = new Subject<DeviceFaultEvent<RfidFault>>();
}

interface MeterSet {
  meters: (EnergyMeter | null)[];
  grid: EnergyMeter | null;
  close: () => Promise<void>;
}

export async function createRpiHal(opts: RpiHalOptions, clock: Clock, deps: RpiHalDeps = {}): Promise<RpiHal> {
  const { hw } = opts;
  if (hw.connectors.length !== opts.connectors.length) {
    throw new HalError('hal', `hal.connectors has ${hw.connectors.length} entries for ${opts.connectors.length} connectors`);
  }
  const modbus = await openMeters(hw, clock, deps);
  const built: RpiConnector[] = [];
  try {
    for (const [i, chw] of hw.connectors.entries()) built.push(await buildConnector(i, chw, opts, modbus, clock, deps));
    const rfid = deps.rfid ?? (await openRfid(hw, clock));
    return assemble(built, rfid, modbus);
  } catch (err) {
    // Coils first (they were exported at their off level; make sure), then release lines, buses, ADCs.
    forceCoilsOff(built);
    for (const c of built) c.emergencyOff();
    await Promise.allSettled([...built.map((c) => c.close()), modbus.close()]);
    throw err instanceof HalError ? err : new HalError('hal', errText(err), { cause: err });
  }
}

async function buildConnector(i: number, chw: ConnectorHwConfig, opts: RpiHalOptions, modbus: MeterSet, clock: Clock, deps: RpiHalDeps): Promise<RpiConnector> {
  const id = i + 1;
  let meter: EnergyMeter | null = deps.meters?.[i] ?? modbus.meters[i] ?? null;
  // Filled in once the connector exists: the estimate follows its contactor and pilot.
  const source: EstimatedMeterSource = { closed: () => false, output: () => ({ mode: 'steady' }) };
  if (!meter) {
    const file = opts.stateDir ? join(opts.stateDir, `estimated-meter-${id}.json`) : null;
    meter = new EstimatedMeter(opts.connectors[i]!.phases, { closed: () => source.closed(), output: () => source.output() }, clock, file);
  }
  const conn = await createRpiConnector(id, chw, opts.hw.gpio, {
    clock,
    meter,
    ...(deps.gpioFactory ? { gpioFactory: deps.gpioFactory } : {}),
    ...(deps.adcModules ? { adcModules: deps.adcModules } : {}),
  });
  source.closed = () => conn.hal.contactor.commandedClosed;
  source.output = () => conn.hal.pilot.output;
  return conn;
}

/** Connector meters and the grid meter in one set of buses: a meter sharing a line shares its request queue. */
async function openMeters(hw: RpiHwConfig, clock: Clock, deps: RpiHalDeps): Promise<MeterSet> {
  const specs = hw.connectors.map((c, i) => (c.meter.driver === 'modbus' && !deps.meters?.[i] ? { index: i, ...c.meter } : null));
  const wanted = specs.filter((s): s is NonNullable<typeof s> => s !== null).map(({ index, bus, model, address }) => ({ index, bus, model, address }));
  const grid = hw.gridMeter;
  if (grid?.driver === 'sim') throw new HalError('hal', 'a simulated grid meter ({ driver: sim }) needs hal.driver sim; on a Pi use { driver: modbus, bus, model, address }');
  const all = [...wanted, ...(grid ? [{ index: -1, bus: grid.bus, model: grid.model, address: grid.address }] : [])];
  if (all.length === 0) return { meters: [], grid: null, close: async () => {} };
  const { createModbusMeters } = await import('../modbus/index.js');
  const used = new Set(all.map((s) => s.bus));
  const made = await createModbusMeters(
    hw.modbus.filter((b) => used.has(b.id)),
    all.map(({ bus, model, address }) => ({ bus, model, address })),
    clock,
  );
  const meters: (EnergyMeter | null)[] = hw.connectors.map(() => null);
  wanted.forEach((s, k) => (meters[s.index] = made.meters[k] ?? null));
  return { meters, grid: grid ? (made.meters[wanted.length] ?? null) : null, close: () => made.close() };
}

async function openRfid(hw: RpiHwConfig, clock: Clock): Promise<ClosableReader> {
  if (hw.rfid.driver === 'none') return new NoRfid();
  // The library bit-bangs SPI synchronously (~15 ms per poll): it runs in a child process so the poll
  // never delays the safety path on this event loop.
  const { createRfidProcessReader } = await import('./rfid-process.js');
  return createRfidProcessReader({ pollMs: hw.rfid.pollMs, holdOffMs: hw.rfid.holdOffMs }, clock);
}

/** Every coil to its off level, nothing else in between: no fault event, so no listener runs before the last coil. */
function forceCoilsOff(built: readonly RpiConnector[]): void {
  for (const c of built) {
    const contactor = c.hal.contactor;
    if (contactor instanceof RpiContactor) contactor.forceOff();
    else {
      try {
        contactor.open();
      } catch {
        // the connector's own emergencyOff retries and reports it
      }
    }
  }
}

function assemble(built: RpiConnector[], rfid: ClosableReader, modbus: MeterSet): RpiHal {
  let closed = false;
  let closing: Promise<void> | null = null;
  const emergencyOff = (): void => {
    if (closed) return; // released: the lines hold their off levels, writing now would only fail
    forceCoilsOff(built); // every contactor first, before anything slower on any connector
    for (const c of built) c.emergencyOff();
  };
  const close = async (): Promise<void> => {
    emergencyOff();
    closed = true;
    const results = await Promise.allSettled([...built.map((c) => c.close()), modbus.close(), (async () => rfid.close?.())()]);
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => errText(r.reason));
    if (failed.length > 0) throw new HalError('hal', `close: ${failed.join('; ')}`);
  };
  return {
    kind: 'rpi',
    connectors: built.map((c) => c.hal),
    rfid,
    gridMeter: modbus.grid,
    emergencyOff,
    close: () => (closing ??= close()),
  };
}
