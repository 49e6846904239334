// `evse selftest`: builds the HAL from the configuration, without the controller, and checks each device
// an installer wires: pilot level, relay click with mirror feedback, RCD test, meter read (and model
// probe), temperature, RFID card. Owns: refusing while the controller service owns the hardware, the
// order of the checks, the report (PASS/FAIL/SKIP with the likely fix) and the exit code (0: no FAIL).
// Must not: run with a vehicle charging (the relay is clicked only in pilot state A), or leave outputs on:
// while the HAL is open, Ctrl-C (SIGINT), SIGTERM, SIGHUP (the ssh session dropped) and any process exit
// open every contactor synchronously first (guardOutputs).

import { execFile } from 'node:child_process';
import { systemClock } from '../../hal/clock.js';
import { createHal } from '../../hal/index.js';
import type { ModbusMeter } from '../../hal/modbus/index.js';
import type { Hal } from '../../hal/types.js';
import type { Config } from '../config/schema.js';
import { checkMeter, checkPilot, checkRcd, checkRelay, checkRfid, checkTemperature, type Item } from './selftest-checks.js';

export type { Item, Outcome } from './selftest-checks.js';

export interface SelftestOptions {
  /** Seconds to wait for a card; 0 or noRfid skips the RFID check. */
  rfidWaitS: number;
  noRfid: boolean;
  relayTimeoutMs?: number;
}

export interface SelftestDeps {
  createHal?: (config: Config) => Promise<Hal>;
  /** Model probe for a connector's meter (the Modbus driver supplies it); absent: no probe. */
  probeMeter?: (connectorId: number) => Promise<string>;
  /** Why the controller is running (it owns the hardware), or null. */
  controllerRunning?: (config: Config) => Promise<string | null>;
  /** Progress lines (e.g. "present a card"), printed while the checks run. */
  progress?: (line: string) => void;
  /** Where signals and exit come from (default: the process). */
  signals?: SignalHost;
}

export type GuardedSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';

/** The part of `process` guardOutputs uses. */
export interface SignalHost {
  on(event: GuardedSignal | 'exit', listener: () => void): unknown;
  off(event: GuardedSignal | 'exit', listener: () => void): unknown;
  exit(code: number): void;
  warn(line: string): void;
}

const processHost: SignalHost = {
  on: (event, listener) => process.on(event, listener),
  off: (event, listener) => process.off(event, listener),
  exit: (code) => process.exit(code),
  warn: (line) => void process.stderr.write(`${line}\n`),
};

/** 128 + the signal number, as a shell reports a process ended by it. */
export const SIGNAL_EXIT_CODES: Readonly<Record<GuardedSignal, number>> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

/**
 * Until the returned function is called: a signal or a process exit opens every contactor synchronously
 * (hal.emergencyOff first where the HAL has it: real outputs outlive the process), and a signal then ends
 * the process with 128 + its number. Nothing asynchronous runs before the coils are off.
 */
export function guardOutputs(hal: Hal, host: SignalHost = processHost): () => void {
  let off = false;
  const allOff = (): void => {
    if (off) return;
    off = true;
    try {
      hal.emergencyOff?.();
    } catch {
      // the contactors are opened one by one below
    }
    for (const c of hal.connectors) {
      try {
        c.contactor.open();
      } catch {
        // nothing more can be done synchronously; the next connector still gets its open command
      }
    }
  };
  const onSignal = (signal: GuardedSignal) => (): void => {
    allOff();
    try {
      host.warn(`selftest: interrupted by ${signal}: contactors opened, outputs off`);
    } catch {
      // the terminal is gone (SIGHUP): exit all the same
    }
    host.exit(SIGNAL_EXIT_CODES[signal]);
  };
  const listeners = [...(Object.keys(SIGNAL_EXIT_CODES) as GuardedSignal[]).map((s) => [s, onSignal(s)] as const), ['exit', allOff] as const];
  for (const [event, listener] of listeners) host.on(event, listener);
  return () => {
    for (const [event, listener] of listeners) host.off(event, listener);
  };
}

/** The controller service is running: the self-test must not fight it for the hardware. */
export class ControllerRunningError extends Error {
  override name = 'ControllerRunningError';
}

async function defaultHal(config: Config): Promise<Hal> {
  // The same driver choice as src/main.ts; the simulator keeps no state between self-tests.
  return (await createHal({ driver: config.hal.driver, connectors: config.connectors, hw: config.hal, stateDir: config.dataDir }, systemClock)).hal;
}

/** Probes a Modbus meter over the bus the HAL already opened (one bus per port): the plausible models. */
function modbusProbe(hal: Hal): ((connectorId: number) => Promise<string>) | null {
  if (hal.kind !== 'rpi') return null;
  return async (connectorId) => {
    const meter = hal.connectors[connectorId - 1]?.meter as Partial<ModbusMeter> | undefined;
    if (!meter?.bus || meter.address === undefined) return 'no Modbus meter';
    const { probeMeter } = await import('../../hal/modbus/index.js');
    const fits = (await probeMeter(meter.bus, meter.address, systemClock)).filter((r) => r.plausible).map((r) => r.model);
    return fits.length > 0 ? fits.join(' or ') : 'no known model';
  };
}

/** The local API answers, or systemd says the unit is active or starting. */
export async function controllerRunning(config: Config, run = systemctlIsActive): Promise<string | null> {
  if (config.api.port !== 0) {
    const url = `http://${config.api.host}:${config.api.port}/api/status`;
    try {
      await fetch(url, { signal: AbortSignal.timeout(1000) });
      return `its API answers at ${url}`;
    } catch {
      // nothing listens: not running (or not serving yet: systemd tells)
    }
  }
  const state = await run();
  return state && ['active', 'activating', 'reloading', 'deactivating'].includes(state) ? `systemctl is-active evse: ${state}` : null;
}

/** `systemctl is-active evse` output, or null without systemctl. */
export function systemctlIsActive(): Promise<string | null> {
  return new Promise((resolve) => {
    execFile('systemctl', ['is-active', 'evse'], { timeout: 3000 }, (err, stdout) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') return resolve(null);
      resolve(stdout.trim() || null);
    });
  });
}

export async function runSelftest(config: Config, opts: SelftestOptions, deps: SelftestDeps = {}): Promise<Item[]> {
  const running = await (deps.controllerRunning ?? controllerRunning)(config);
  if (running) {
    throw new ControllerRunningError(
      `the controller is running and owns the hardware (${running}); stop it first: sudo systemctl stop evse, then run the self-test, then: sudo systemctl start evse`,
    );
  }
  const hal = await (deps.createHal ?? defaultHal)(config);
  const unguard = guardOutputs(hal, deps.signals);
  const probe = deps.probeMeter ?? modbusProbe(hal);
  const ctx = { config, relayTimeoutMs: opts.relayTimeoutMs ?? 1000, ...(probe ? { probeMeter: probe } : {}) };
  const items: Item[] = [];
  try {
    for (const c of hal.connectors) {
      const pilot = await checkPilot(ctx, c);
      items.push(pilot.item, await checkRelay(ctx, c, pilot.state), await checkRcd(ctx, c), await checkMeter(ctx, c), await checkTemperature(ctx, c));
    }
    if (opts.noRfid || opts.rfidWaitS <= 0) items.push({ item: 'rfid', connector: null, outcome: 'SKIP', detail: 'skipped (--no-rfid)' });
    else if (config.hal.driver === 'rpi' && config.hal.rfid.driver === 'none') items.push({ item: 'rfid', connector: null, outcome: 'SKIP', detail: 'no reader configured (hal.rfid.driver: none)' });
    else {
      deps.progress?.(`rfid: present a card to the reader within ${opts.rfidWaitS} s ...`);
      items.push(await checkRfid(hal, opts.rfidWaitS));
    }
  } finally {
    for (const c of hal.connectors) {
      try {
        c.contactor.open();
      } catch {
        // hal.close() below drives the safe state again
      }
    }
    await hal.close().finally(unguard);
  }
  return items;
}

/** One line per item ("PASS  relay 1    closed and opened ..."), a fix line under a FAIL, and a tally. */
export function formatReport(items: readonly Item[]): string {
  const lines = items.flatMap((i) => {
    const name = `${i.item}${i.connector === null ? '' : ` ${i.connector}`}`.padEnd(16);
    const head = `${i.outcome}  ${name}${i.detail}`;
    return i.fix ? [head, `${' '.repeat(6 + 16)}fix: ${i.fix}`] : [head];
  });
  const n = (o: string) => items.filter((i) => i.outcome === o).length;
  lines.push(`selftest: ${n('PASS')} PASS, ${n('FAIL')} FAIL, ${n('SKIP')} SKIP`);
  return lines.join('\n');
}

export const selftestExitCode = (items: readonly Item[]): number => (items.some((i) => i.outcome === 'FAIL') ? 1 : 0);
