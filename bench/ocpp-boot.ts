// Bench: process start -> BootNotification received by a loopback CSMS (DESIGN.md budget <= 0.40 s), then
// the resident memory after 5 s idle with 2 connectors (<= 85 MB) and the idle CPU over 10 s (<= 0.2 %).
// Spawns the real controller (`node dist/src/main.bundle.js --config <tmp>`) on the simulated HAL against a
// strict ocpp-rpc RPCServer started here. Linux only (/proc). Cleans up its child and temp dirs.
// Usage: npm run bench:boot [-- <runs> [<extra settle s before the CPU window>]]   One line per measure.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { median, spawnController, startBenchCsms, until, type Child } from './helpers.js';

const RUNS = Math.max(1, Number(process.argv[2] ?? 10));
const IDLE_MS = 5000;
const CPU_WINDOW_MS = 10_000;
const CPU_SETTLE_MS = Math.max(0, Number(process.argv[3] ?? 0)) * 1000;

const yaml = (url: string, id: string) => (dataDir: string) => `
chargePointId: ${id}
hal: { driver: sim }
connectors: [{ id: 1, maxCurrentA: 32 }, { id: 2, maxCurrentA: 32 }]
api: { host: 127.0.0.1, port: 0 }
dataDir: ${dataDir}
ocpp: { url: "${url}", securityProfile: 0 }
`;

/** VmRSS of a process in MB (from /proc/<pid>/status). */
function rssMb(pid: number): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) / 1024;
}

/** utime + stime of a process in clock ticks (fields 14 and 15 of /proc/<pid>/stat). */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from 3 (state) on
  return Number(fields[11]) + Number(fields[12]);
}

function clockTicksPerSecond(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const csms = await startBenchCsms();
  const bootAt = new Map<string, number>();
  const acceptedStatus = new Set<string>();
  csms.onCall = (call) => {
    if (call.action === 'BootNotification' && !bootAt.has(call.identity)) bootAt.set(call.identity, call.at);
    if (call.action === 'StatusNotification') acceptedStatus.add(call.identity);
    return undefined;
  };
  let child: Child | null = null;
  try {
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const id = `BENCH-BOOT-${i}`;
      child = spawnController(yaml(csms.url, id));
      const c = child;
      await until(`BootNotification of run ${i}`, () => bootAt.has(id) || c.proc.exitCode !== null, 15_000);
      if (!bootAt.has(id)) throw new Error(`controller exited with ${c.proc.exitCode}: ${c.stderr.join('')}`);
      times.push((bootAt.get(id)! - c.spawnedAt) / 1000);
      await c.stop();
      child = null;
    }
    const s = (x: number) => x.toFixed(3);
    const med = median(times);
    console.log(
      `ocpp-boot: process start -> BootNotification received: median ${s(med)} s, min ${s(Math.min(...times))} s, max ${s(Math.max(...times))} s ` +
        `over ${RUNS} runs (budget <= 0.40 s) ${med <= 0.4 ? 'OK' : 'OVER BUDGET'}`,
    );

    const id = 'BENCH-IDLE';
    child = spawnController(yaml(csms.url, id));
    const c = child;
    await until('registration', () => acceptedStatus.has(id) || c.proc.exitCode !== null, 15_000);
    if (c.proc.exitCode !== null) throw new Error(`controller exited with ${c.proc.exitCode}: ${c.stderr.join('')}`);
    const pid = c.proc.pid!;
    await sleep(IDLE_MS);
    const rss = rssMb(pid);
    console.log(`ocpp-boot: resident memory (VmRSS) after ${IDLE_MS / 1000} s idle, 2 connectors, registered: ${rss.toFixed(1)} MB (budget <= 85 MB) ${rss <= 85 ? 'OK' : 'OVER BUDGET'}`);
    const hz = clockTicksPerSecond();
    await sleep(CPU_SETTLE_MS);
    const before = cpuTicks(pid);
    await sleep(CPU_WINDOW_MS);
    const cpu = ((cpuTicks(pid) - before) / hz / (CPU_WINDOW_MS / 1000)) * 100;
    console.log(
      `ocpp-boot: idle CPU over ${CPU_WINDOW_MS / 1000} s from ${(IDLE_MS + CPU_SETTLE_MS) / 1000} s after registration (utime+stime, resolution ${(100 / hz / (CPU_WINDOW_MS / 1000)).toFixed(2)} %): ` +
        `${cpu.toFixed(2)} % (budget <= 0.2 %) ${cpu <= 0.2 ? 'OK' : 'OVER BUDGET'}`,
    );
    await c.stop();
    child = null;
    if (csms.validationFailures > 0) console.log(`ocpp-boot: ${csms.validationFailures} strict validation failures at the CSMS`);
  } finally {
    await child?.stop();
    await csms.close();
  }
}

main().catch((err: unknown) => {
  console.error(`ocpp-boot: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
