// MFRC522 RFID reader run in a child process (rfid-child.ts), seen by the app as an ordinary RfidReader.
// Owns: forking the child, forwarding its cards and faults, restarting it with a back-off when it dies
// ('rfid-io' is raised while it is down, cleared when it is ready again), and killing it on close().
// Why: a poll is ~15 ms of synchronous bit-banged SPI (rpio, a non-context-aware nan addon: no worker thread);
// in the main process that would block the safety path (DESIGN.md "Performance budget") every poll.
// Must not: poll, debounce or open the chip itself (the child runs rfid-mfrc522.ts for that).

import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Clock } from '../clock.js';
import { HalError } from '../errors.js';
import { Subject } from '../observable.js';
import type { CardPresented, DeviceFaultEvent, RfidFault, RfidReader } from '../types.js';
import type { ChildMessage } from './rfid-child.js';
import { MFRC522_CAPABILITIES, type Mfrc522Capabilities, type Mfrc522ReaderConfig } from './rfid-mfrc522.js';

export interface RfidProcessDeps {
  /** The child entry (default: childEntryFile(), the tsc output dist/hal/rpi/rfid-child.js). */
  entry?: string;
  /** Node flags for the child (default: none; the parent's own flags, e.g. --inspect, are not passed on). */
  execArgv?: string[];
  /** The child's environment (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Restart back-off after the child died, ms: doubles from min to max; back to min after a stable run. */
  restartMs?: { min: number; max: number };
  /** A child that has not said 'ready' (or 'error') within this time is killed, ms. */
  startTimeoutMs?: number;
}

const DEVICE = 'rfid';
const DEFAULT_RESTART = { min: 1000, max: 30_000 } as const;
const DEFAULT_START_TIMEOUT_MS = 20_000; // Node start + rpio load on a Pi Zero 2 W take a few seconds
/** After close(): time the child gets for SIGTERM before SIGKILL, ms. */
const KILL_GRACE_MS = 2000;

/** dist/hal/rpi/rfid-child.js under the directory holding package.json, walking up from this module (works
 *  from the TS sources, from dist/hal and from the esbuild bundle dist/src/main.bundle.js alike). */
export function childEntryFile(from: string = import.meta.url): string | null {
  let dir = dirname(fileURLToPath(from));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'dist', 'hal', 'rpi', 'rfid-child.js');
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

type ResolvedDeps = Required<Omit<RfidProcessDeps, 'entry'>> & { entry: string };

export class RfidProcessReader implements RfidReader {
  readonly capabilities: Mfrc522Capabilities = { ...MFRC522_CAPABILITIES };
  readonly cards = new Subject<CardPresented>();
  readonly faults = new Subject<DeviceFaultEvent<RfidFault>>();
  private child: ChildProcess | null = null;
  /** Start-timeout timer while a child starts, restart timer while none runs. */
  private timer: unknown = null;
  /** Detail of the child's own active 'rfid-io', and of the parent's "child is down" condition. */
  private childFault: string | null = null;
  private down: string | null = null;
  /** Whether 'rfid-io' was last emitted as active. */
  private raised = false;
  private backoffMs: number;
  private readySince: number | null = null;
  private startError: string | null = null;
  private firstStart: { resolve(): void; reject(err: Error): void } | null = null;
  /** Messages after the first 'ready', held for one macrotask so the factory's caller has subscribed. */
  private held: ChildMessage[] | null = null;
  private closed = false;

  constructor(
    private readonly cfg: Mfrc522ReaderConfig,
    private readonly clock: Clock,
    private readonly deps: ResolvedDeps,
  ) {
    this.backoffMs = deps.restartMs.min;
  }

  /** The running child's process id, null while none runs. */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  /** Forks the first child; resolves on its 'ready', rejects with its start error (then nothing runs). */
  start(): Promise<void> {
    if (this.firstStart || this.child || this.closed) return Promise.reject(new Error('RfidProcessReader.start() called twice'));
    const started = new Promise<void>((resolve, reject) => (this.firstStart = { resolve, reject }));
    this.spawn();
    return started;
  }

  /** Stops the child (SIGTERM, SIGKILL after a grace time) and resolves once it has exited. No restarts after. */
  async close(): Promise<void> {
    this.closed = true;
    this.clearTimer();
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const kill = this.clock.setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
      child.once('exit', () => {
        this.clock.clearTimeout(kill);
        resolve();
      });
      child.ref(); // awaiting close() alone keeps the process alive until the child is gone
      child.kill('SIGTERM');
    });
  }

  private spawn(): void {
    this.readySince = null;
    this.startError = null;
    let child: ChildProcess;
    try {
      child = fork(this.deps.entry, [JSON.stringify({ pollMs: this.cfg.pollMs, holdOffMs: this.cfg.holdOffMs })], {
        execArgv: this.deps.execArgv,
        env: this.deps.env,
        serialization: 'json',
      });
    } catch (err) {
      this.childDown(`MFRC522 reader process could not be started (${err instanceof Error ? err.message : String(err)})`);
      return;
    }
    this.child = child;
    child.on('message', (msg) => {
      if (child !== this.child) return;
      if (this.held) this.held.push(msg as ChildMessage);
      else this.onMessage(msg as ChildMessage);
    });
    child.on('exit', (code, signal) => this.onExit(child, signal ? `was killed by ${signal}` : `exited with code ${code}`));
    child.on('error', (err) => {
      if (child.pid === undefined) this.onExit(child, `could not be started (${err.message})`); // no 'exit' follows
    });
    if (!this.firstStart) unref(child);
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.startError ??= `no ready message within ${this.deps.startTimeoutMs} ms`;
      child.kill('SIGKILL');
    }, this.deps.startTimeoutMs);
  }

  private onMessage(msg: ChildMessage): void {
    switch (msg.type) {
      case 'ready':
        this.clearTimer();
        unref(this.child);
        this.readySince = this.clock.now();
        this.down = null;
        this.updateFault();
        if (this.firstStart) this.holdUntilSubscribed(this.firstStart);
        this.firstStart = null;
        return;
      case 'card':
        this.cards.emit({ uid: Uint8Array.from(msg.uid) });
        return;
      case 'fault':
        this.childFault = msg.active ? (msg.detail ?? 'MFRC522 read failures') : null;
        this.updateFault();
        return;
      case 'error':
        this.startError = msg.message; // the child exits next; onExit reports it
        return;
    }
  }

  private onExit(child: ChildProcess, how: string): void {
    if (child !== this.child) return;
    this.child = null;
    this.childDown(this.startError === null ? `MFRC522 reader process ${how}` : this.startError.replace(/^rfid: /, ''));
  }

  /** No child runs (any more): fail the first start, or raise 'rfid-io' and restart after the back-off. */
  private childDown(why: string): void {
    this.clearTimer();
    if (this.firstStart) {
      this.closed = true;
      this.firstStart.reject(new HalError(DEVICE, why));
      this.firstStart = null;
      return;
    }
    if (this.closed) return;
    const delay = this.nextDelay();
    this.childFault = null; // the next child starts without its fault; it raises it again if reads still fail
    this.down = `${why}; restarting it in ${delay} ms`;
    this.updateFault();
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      if (!this.closed) this.spawn();
    }, delay);
  }

  /** IPC messages read in one chunk are emitted before any promise continuation runs: without the hold, a card
   *  right behind 'ready' would reach the Subject before the caller of createRfidProcessReader() subscribed. */
  private holdUntilSubscribed(start: { resolve(): void }): void {
    const child = this.child;
    this.held = [];
    start.resolve();
    setImmediate(() => {
      const held = this.held ?? [];
      this.held = null;
      for (const msg of held) if (this.child === child && !this.closed) this.onMessage(msg);
    });
  }

  /** The restart delay: min again after a child that ran stable for `max`, else doubled up to `max`. */
  private nextDelay(): number {
    const { min, max } = this.deps.restartMs;
    if (this.readySince !== null && this.clock.now() - this.readySince >= max) this.backoffMs = min;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, max);
    return delay;
  }

  /** One 'rfid-io' fault for both causes: raised when either is active, cleared when neither is. */
  private updateFault(): void {
    const detail = this.down ?? this.childFault;
    if ((detail !== null) === this.raised) return;
    this.raised = detail !== null;
    this.faults.emit(detail !== null ? { fault: 'rfid-io', active: true, detail } : { fault: 'rfid-io', active: false });
  }

  private clearTimer(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }
}

/** Once running, neither the child nor its channel keeps the parent alive (as the drivers' unref'd timers); the
 *  first start keeps it alive, so that awaiting createRfidProcessReader() alone does not end the process. */
function unref(child: ChildProcess | null): void {
  child?.unref();
  child?.channel?.unref();
}

/** Forks the MFRC522 reader child and resolves once it has opened the chip; rejects with its error if it cannot. */
export async function createRfidProcessReader(cfg: Mfrc522ReaderConfig, clock: Clock, deps: RfidProcessDeps = {}): Promise<RfidProcessReader> {
  const entry = deps.entry ?? childEntryFile();
  if (entry === null || !existsSync(entry)) {
    throw new HalError(DEVICE, `the MFRC522 reader process entry ${entry ?? 'dist/hal/rpi/rfid-child.js'} does not exist; build with: npm run build`);
  }
  const reader = new RfidProcessReader(cfg, clock, {
    entry,
    execArgv: deps.execArgv ?? [],
    env: deps.env ?? process.env,
    restartMs: deps.restartMs ?? DEFAULT_RESTART,
    startTimeoutMs: deps.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS,
  });
  await reader.start();
  return reader;
}
