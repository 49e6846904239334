// GIVEN `evse selftest` on the simulated board WHEN it is interrupted (SIGINT/SIGTERM/SIGHUP, or any process
// exit) while the relay check has the contactor closed THEN every contactor is opened synchronously first
// (hal.emergencyOff where the HAL has it), then it exits 130/143/129, and its handlers are gone once the
// self-test ends. Checked in-process with an injected signal source, and on the built CLI with a real SIGINT.

import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../../hal/clock.js';
import { createSimHal, type SimHal } from '../../../../hal/sim/index.js';
import type { Hal } from '../../../../hal/types.js';
import { runSelftest, type GuardedSignal, type SignalHost } from '../../../../src/cli/selftest.js';
import { validateConfig } from '../../../../src/config/load.js';

let dir: string;
let simConfig: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'evse-selftest-sig-'));
  simConfig = join(dir, 'sim.yaml');
  writeFileSync(simConfig, 'hal: { driver: sim }\napi: { port: 0 }\n');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));
const notRunning = async () => null;

/** A signal source standing in for the process: records exit codes and warnings, and the contactor's state at exit. */
function fakeSignals(emitter: EventEmitter, hal: { made: SimHal[] }) {
  const exits: Array<{ code: number; closedAtExit: boolean }> = [];
  const warnings: string[] = [];
  const host: SignalHost = {
    on: (event, listener) => emitter.on(event, listener),
    off: (event, listener) => emitter.off(event, listener),
    exit: (code) => void exits.push({ code, closedAtExit: hal.made[0]!.connectors[0]!.contactor.commandedClosed }),
    warn: (l) => void warnings.push(l),
  };
  const listening = () => ['SIGINT', 'SIGTERM', 'SIGHUP', 'exit'].map((e) => emitter.listenerCount(e));
  return { host, exits, warnings, listening };
}

/** The sim board whose relay check emits `event` right after the contactor closed; `closedAfter`: its state once the listeners ran. */
function interruptedAtRelayClose(event: GuardedSignal | 'exit', emitter: EventEmitter) {
  const closedAfter: boolean[] = [];
  const made: SimHal[] = [];
  const createHal = async (): Promise<Hal> => {
    const h = createSimHal({ connectors: 1 }, systemClock);
    const contactor = h.connectors[0]!.contactor;
    const close = contactor.close.bind(contactor);
    contactor.close = () => {
      close();
      expect(contactor.commandedClosed).toBe(true);
      emitter.emit(event);
      closedAfter.push(contactor.commandedClosed);
    };
    made.push(h);
    return h;
  };
  return { made, createHal, closedAfter };
}

/** The self-test on the sim board (no RFID wait, a short relay timeout: the injected exit does not end it). */
const interruptible = (createHal: () => Promise<Hal>, signals: SignalHost) =>
  runSelftest(validateConfig({ hal: { driver: 'sim' }, api: { port: 0 } }), { rfidWaitS: 0, noRfid: true, relayTimeoutMs: 50 }, { createHal, controllerRunning: notRunning, signals });

describe('evse selftest interrupted leaves no output on', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const)('GIVEN the relay closed by the check WHEN %s arrives THEN the contactor is open before exit %i', async (signal, code) => {
    const emitter = new EventEmitter();
    const hal = interruptedAtRelayClose(signal, emitter);
    const signals = fakeSignals(emitter, hal);
    await interruptible(hal.createHal, signals.host);
    expect(signals.exits).toEqual([{ code, closedAtExit: false }]);
    expect(signals.warnings).toEqual([`selftest: interrupted by ${signal}: contactors opened, outputs off`]);
    expect(signals.listening()).toEqual([0, 0, 0, 0]);
  });

  it('GIVEN the relay closed WHEN the process exits (process.exit elsewhere) THEN the contactor is opened, no exit code imposed', async () => {
    const emitter = new EventEmitter();
    const hal = interruptedAtRelayClose('exit', emitter);
    const signals = fakeSignals(emitter, hal);
    await interruptible(hal.createHal, signals.host);
    expect(hal.closedAfter).toEqual([false]);
    expect(signals.exits).toEqual([]);
    expect(signals.listening()).toEqual([0, 0, 0, 0]);
  });

  it('GIVEN a HAL with emergencyOff (real outputs) WHEN SIGINT arrives THEN emergencyOff runs before the exit', async () => {
    const emitter = new EventEmitter();
    const calls: string[] = [];
    const hal = interruptedAtRelayClose('SIGINT', emitter);
    const signals = fakeSignals(emitter, hal);
    const createHal = async (): Promise<Hal> => Object.assign(await hal.createHal(), { emergencyOff: () => void calls.push('emergencyOff') });
    const exit = signals.host.exit;
    await interruptible(createHal, { ...signals.host, exit: (c) => (calls.push(`exit ${c}`), exit(c)) });
    expect(calls).toEqual(['emergencyOff', 'exit 130']);
  });
});

describe('evse selftest process and Ctrl-C', () => {
  const CLI = resolve(import.meta.dirname, '../../../../dist/src/cli/evse.js');
  let child: ChildProcess | null = null;
  afterEach(() => {
    child?.kill('SIGKILL');
    child = null;
  });

  it('GIVEN the built CLI waiting for a card WHEN it gets SIGINT THEN it reports the outputs off and exits 130', async () => {
    expect(existsSync(CLI)).toBe(true); // npm run build
    child = spawn(process.execPath, [CLI, 'selftest', '--config', simConfig, '--rfid-wait', '120'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const waiting = new Promise<void>((r) =>
      child!.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('rfid: present a card')) r();
      }),
    );
    const ended = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    await Promise.race([waiting, ended]);
    child.kill('SIGINT');
    const [code, signal] = await ended;
    expect({ code, signal }).toEqual({ code: 130, signal: null });
    expect(err).toContain('selftest: interrupted by SIGINT: contactors opened, outputs off');
  });
});
