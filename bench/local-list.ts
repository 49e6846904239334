// Bench: local authorization list (DESIGN.md budget: lookup p99 < 1 ms at 100k entries; a Full list of
// 100k entries applied < 2 s with the event loop never stalled > 20 ms meanwhile).
//   (a) lookup p50/p99/max over 100k entries, random hits and misses, through LocalListStore;
//   (b) SendLocalList Full of 100k through the product's apply function (into an empty slot, and again
//       over a stale 100k slot that must be cleared first), plus a 10k Differential over the 100k list:
//       total time, monitorEventLoopDelay max/p99 (1 ms resolution) and the worst lateness of a 1 ms
//       setInterval "control loop" running meanwhile;
//   (c) end to end: a strict ocpp-rpc CSMS on loopback sends SendLocalList(100k) to the real controller
//       process; reports the time to the answer and the controller's worst GET /api/status gap (polled
//       every 5 ms from a worker thread, so the CSMS's own JSON work does not blur it). Also times, in
//       this process, what ocpp-rpc does on the controller's event loop before the handler runs:
//       JSON.parse of the frame and strict schema validation of the payload.
// Usage: npm run bench:local-list [-- <entries>]   Prints one line per measure.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import rpc from 'ocpp-rpc';
import type { SendLocalListRequest } from 'ocpp-ts';
import { applyLocalListUpdate } from '../src/auth/local-list-update.js';
import { ocpp16Validator } from '../src/ocpp/rpc.js';
import { openDb } from '../src/store/db.js';
import { LocalListStore } from '../src/store/local-list.js';
import { spawnController, until, type Child } from './helpers.js';

const ENTRIES = Math.max(1000, Number(process.argv[2] ?? 100_000));
const LIMITS = { sendMax: ENTRIES, listMax: ENTRIES };
const ms = (x: number): string => `${x.toFixed(x < 10 ? 3 : 1)} ms`;

function fullList(version: number, prefix = 'C'): SendLocalListRequest {
  const localAuthorizationList = Array.from({ length: ENTRIES }, (_, i) => ({
    idTag: `${prefix}${i.toString(16).padStart(8, '0')}`,
    idTagInfo: i % 10 === 0 ? { status: 'Blocked' as const } : { status: 'Accepted' as const, expiryDate: '2031-01-01T00:00:00.000Z' },
  }));
  return { listVersion: version, updateType: 'Full', localAuthorizationList };
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

function lookups(store: LocalListStore): string {
  const samples: number[] = [];
  let hits = 0;
  for (let i = 0; i < 200_000; i++) {
    const n = Math.floor(Math.random() * ENTRIES * 2); // half of them beyond the list: misses
    const id = `c${n.toString(16).padStart(8, '0')}`;
    const t = performance.now();
    if (store.lookup(id) !== null) hits++;
    samples.push(performance.now() - t);
  }
  samples.sort((x, y) => x - y);
  const p99 = percentile(samples, 99);
  return `(a) lookup, ${store.size()} entries, ${samples.length} random (${hits} hits): p50 ${ms(percentile(samples, 50))}, p99 ${ms(p99)}, max ${ms(samples.at(-1)!)} (budget p99 < 1 ms) ${p99 < 1 ? 'OK' : 'OVER BUDGET'}`;
}

/** Runs `work` with the event-loop delay monitor and a 1 ms control loop; returns the figures. */
async function watched(work: () => Promise<unknown>): Promise<{ total: number; maxDelay: number; p99Delay: number; lateness: number; result: unknown }> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  let last = performance.now();
  let lateness = 0;
  const control = setInterval(() => {
    const now = performance.now();
    lateness = Math.max(lateness, now - last - 1);
    last = now;
  }, 1);
  h.enable();
  const t = performance.now();
  const result = await work();
  const total = performance.now() - t;
  h.disable();
  clearInterval(control);
  return { total, maxDelay: h.max / 1e6, p99Delay: h.percentile(99) / 1e6, lateness, result };
}

async function inProcess(dir: string): Promise<string[]> {
  const db = openDb(join(dir, 'inproc'));
  const store = new LocalListStore(db);
  const lines: string[] = [];
  const cases: Array<[string, () => SendLocalListRequest]> = [
    [`Full ${ENTRIES} into an empty slot`, () => fullList(1)],
    [`Full ${ENTRIES} again (other slot, empty)`, () => fullList(2, 'D')],
    [`Full ${ENTRIES} over a stale ${ENTRIES}-entry slot (clear + fill)`, () => fullList(3)],
    [`Differential of ${ENTRIES / 10} over ${ENTRIES} (copy + apply)`, () => ({ ...fullList(4, 'E'), updateType: 'Differential', localAuthorizationList: fullList(4, 'E').localAuthorizationList!.slice(0, ENTRIES / 10) })],
  ];
  for (const [what, make] of cases) {
    if (lines.length === 3) lines.unshift(lookups(store)); // over the 100k Full list, before the Differential
    const req = make();
    const r = await watched(() => applyLocalListUpdate(store, req, { ...LIMITS, listMax: ENTRIES * 2 }));
    const ok = r.total < 2000 && r.maxDelay <= 20;
    lines.push(
      `(b) ${what}: ${(r.result as { status: string }).status} in ${ms(r.total)}; event-loop delay max ${ms(r.maxDelay)}, p99 ${ms(r.p99Delay)}; ` +
        `1 ms control loop worst lateness ${ms(r.lateness)} (budget < 2 s, stall <= 20 ms) ${ok ? 'OK' : 'OVER BUDGET'}`,
    );
  }
  db.close();
  return lines;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

const POLLER = `
const { parentPort, workerData } = require('node:worker_threads');
let stop = false, worst = 0, polls = 0, fails = 0;
parentPort.on('message', () => { stop = true; });
(async () => {
  let last = performance.now();
  while (!stop) {
    try { const r = await fetch(workerData.url); await r.arrayBuffer(); if (r.ok) polls++; else fails++; } catch { fails++; }
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
    await new Promise((r) => setTimeout(r, 5));
  }
  parentPort.postMessage({ worst, polls, fails });
})();`;

type ServerClient = { call(method: string, params: unknown, o?: object): Promise<unknown>; on(e: string, l: (...a: never[]) => void): void; handle(h: (c: { method: string }) => unknown): void };

function wireCost(req: SendLocalListRequest): string {
  const frame = JSON.stringify([2, 'bench-1', 'SendLocalList', req]);
  let t = performance.now();
  const parsed = JSON.parse(frame) as [number, string, string, SendLocalListRequest];
  const parse = performance.now() - t;
  t = performance.now();
  ocpp16Validator().validate('urn:SendLocalList.req', parsed[3]);
  const validate = performance.now() - t;
  return `frame ${(frame.length / 1e6).toFixed(1)} MB: JSON.parse ${ms(parse)} + strict validation ${ms(validate)} if done on the main thread (the controller does both in a worker for frames >= 256 KB)`;
}

async function overTheWire(dir: string): Promise<string> {
  const server = new rpc.RPCServer({ protocols: ['ocpp1.6'], strictMode: true, pingIntervalMs: 0 } as never);
  let client: ServerClient | null = null;
  let failures = 0;
  server.on('client', (c: ServerClient) => {
    client = c;
    c.on('strictValidationFailure', () => failures++);
    c.handle(({ method }) => (method === 'BootNotification' ? { status: 'Accepted', currentTime: new Date().toISOString(), interval: 300 } : method === 'Heartbeat' ? { currentTime: new Date().toISOString() } : {}));
  });
  const http = await server.listen(0, '127.0.0.1');
  const url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}/ocpp`;
  const port = await freePort();
  mkdirSync(join(dir, 'wire'));
  let child: Child | null = null;
  try {
    child = spawnController(
      (dataDir) => `
chargePointId: BENCH-LIST
hal: { driver: sim }
connectors: [{ id: 1, maxCurrentA: 32 }]
api: { host: 127.0.0.1, port: ${port} }
dataDir: ${dataDir}
ocpp: { url: "${url}", securityProfile: 0 }
`,
      join(dir, 'wire'),
    );
    await until('the controller to connect', () => client !== null, 20_000);
    await new Promise((r) => setTimeout(r, 500)); // boot, status notifications
    const req = fullList(42);
    const poller = new Worker(POLLER, { eval: true, workerData: { url: `http://127.0.0.1:${port}/api/status` } });
    await new Promise((r) => setTimeout(r, 100));
    const t = performance.now();
    const answer = (await client!.call('SendLocalList', req)) as { status: string };
    const took = performance.now() - t;
    const polled = new Promise<{ worst: number; polls: number; fails: number }>((resolve) => poller.once('message', resolve));
    poller.postMessage('stop');
    const p = await polled;
    await poller.terminate();
    const version = (await client!.call('GetLocalListVersion', {})) as { listVersion: number };
    return (
      `(c) over the wire, SendLocalList Full ${ENTRIES} (strict CSMS -> real controller): ${answer.status} in ${ms(took)} (CSMS send to answer, incl. its own serialisation); ` +
      `listVersion ${version.listVersion}; controller GET /api/status worst gap ${ms(p.worst)} over ${p.polls} polls (${p.fails} failed; gap includes the 5 ms poll pause); ` +
      `strict validation failures ${failures}; ${wireCost(req)}`
    );
  } finally {
    await child?.stop(true);
    await server.close({ force: true, awaitPending: false } as never);
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'evse-bench-list-'));
  try {
    for (const line of await inProcess(dir)) console.log(`local-list: ${line}`);
    console.log(`local-list: ${await overTheWire(dir)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(`local-list: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
