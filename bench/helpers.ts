// Bench helpers: a strict ocpp-rpc CSMS on loopback that answers the Core actions and reports every call
// with its arrival time, and the real controller process spawned on the simulated HAL with a temporary
// config and data directory (BENCH_NODE_FLAGS: extra Node flags for it). Must not: time anything itself (each bench decides what it measures).

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import rpc from 'ocpp-rpc';

export const MAIN = resolve(import.meta.dirname, '../src/main.bundle.js');

export interface CallSeen {
  identity: string;
  action: string;
  params: Record<string, unknown>;
  /** performance.now() when the CSMS received it (after strict validation). */
  at: number;
}

export interface BenchCsms {
  url: string;
  validationFailures: number;
  /** Called for every call the CSMS receives; may return the answer (else the default one). */
  onCall: ((call: CallSeen) => Record<string, unknown> | undefined) | null;
  close(): Promise<void>;
}

let nextTransactionId = 1;
const DEFAULTS: Record<string, () => Record<string, unknown>> = {
  BootNotification: () => ({ status: 'Accepted', currentTime: new Date().toISOString(), interval: 300 }),
  Heartbeat: () => ({ currentTime: new Date().toISOString() }),
  Authorize: () => ({ idTagInfo: { status: 'Accepted' } }),
  StartTransaction: () => ({ transactionId: nextTransactionId++, idTagInfo: { status: 'Accepted' } }),
  StopTransaction: () => ({ idTagInfo: { status: 'Accepted' } }),
  StatusNotification: () => ({}),
  MeterValues: () => ({}),
};

export async function startBenchCsms(): Promise<BenchCsms> {
  const server = new rpc.RPCServer({ protocols: ['ocpp1.6'], strictMode: true, pingIntervalMs: 0 });
  const csms: BenchCsms = { url: '', validationFailures: 0, onCall: null, close: async () => server.close({ force: true, awaitPending: false }) };
  server.on('client', (client: { identity: string; on(e: string, l: () => void): void; handle(h: (c: { method: string; params: unknown }) => unknown): void }) => {
    client.on('strictValidationFailure', () => csms.validationFailures++);
    client.handle(({ method, params }) => {
      const seen: CallSeen = { identity: client.identity, action: method, params: params as Record<string, unknown>, at: performance.now() };
      return csms.onCall?.(seen) ?? DEFAULTS[method]?.() ?? {};
    });
  });
  const http = await server.listen(0, '127.0.0.1');
  csms.url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}/ocpp`;
  return csms;
}

export interface Child {
  proc: ChildProcess;
  dir: string;
  /** performance.now() just before spawn. */
  spawnedAt: number;
  stderr: string[];
  /** SIGTERM, SIGKILL after 5 s; removes the directory unless `keep`. */
  stop(keep?: boolean): Promise<void>;
}

const children = new Set<Child>();
process.on('exit', () => {
  for (const c of children) {
    c.proc.kill('SIGKILL');
    rmSync(c.dir, { recursive: true, force: true });
  }
});

/** Spawns `node dist/src/main.bundle.js --config <tmp>/config.yaml`; `dir` reuses a prepared directory. */
export function spawnController(yaml: (dataDir: string) => string, dir = mkdtempSync(join(tmpdir(), 'evse-bench-'))): Child {
  const config = join(dir, 'config.yaml');
  writeFileSync(config, yaml(join(dir, 'data')));
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('EVSE_')) delete env[k];
  const spawnedAt = performance.now();
  // BENCH_NODE_FLAGS passes Node flags to the controller, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const flags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter((f) => f !== '');
  const proc = spawn(process.execPath, [...flags, MAIN, '--config', config], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const child: Child = {
    proc,
    dir,
    spawnedAt,
    stderr: [],
    stop: async (keep = false) => {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise<void>((r) => proc.once('exit', () => r()));
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      children.delete(child);
      if (!keep) rmSync(dir, { recursive: true, force: true });
    },
  };
  proc.stderr!.on('data', (b: Buffer) => child.stderr.push(b.toString()));
  children.add(child);
  return child;
}

/** Resolves when `check` is true (polled every 5 ms), rejects after `ms`. */
export async function until(what: string, check: () => boolean, ms: number): Promise<void> {
  const deadline = performance.now() + ms;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
