// Starts the real controller process (compiled dist/) on the simulated HAL with a temporary config and
// data directory, and talks to its local API. Cleans up its child process and files.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The controller the process tests run: the build's bundle, or EVSE_MAIN (scripts/dev-bundle.cjs). */
export const MAIN = process.env.EVSE_MAIN ? resolve(process.env.EVSE_MAIN) : resolve(import.meta.dirname, '../../dist/src/main.bundle.js');

export interface Controller {
  proc: ChildProcess;
  url: string;
  dir: string;
  logs: string[];
  get(path: string): Promise<{ status: number; body: any }>;
  post(path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** SIGTERM (or `signal`) and wait; the directory is removed unless `keep`. */
  stop(opts?: { keep?: boolean; signal?: NodeJS.Signals }): Promise<number | null>;
  /** Resolves with the exit code once the process has ended by itself (e.g. after a reset). */
  exited(): Promise<number | null>;
  /** Resolves with the first log line at or after index `from` (default 0) matching `pattern`. */
  waitForLog(pattern: RegExp, ms?: number, from?: number): Promise<string>;
}

export function writeConfig(dir: string, yaml: string): string {
  const path = join(dir, 'config.yaml');
  writeFileSync(path, yaml);
  return path;
}

export const SIM_CONFIG = `
chargePointId: EVSE-TEST
hal: { driver: sim }
connectors: [{ id: 1, maxCurrentA: 32 }]
auth: { mode: allow-list, allowList: ["04A1B2C3"] }
api: { host: 127.0.0.1, port: 0 }
meter: { pollIntervalMs: 200 }
log: { level: info }
`;

/** One 16 A connector on the simulated HAL talking OCPP 1.6J (security profile 0) to `url`. */
export function ocppConfig(url: string, opts: { chargePointId?: string; ocppExtra?: string } = {}): string {
  return `
chargePointId: ${opts.chargePointId ?? 'CP-TEST-1'}
hal: { driver: sim }
connectors: [{ id: 1, maxCurrentA: 16 }]
auth: { allowList: ["04A1B2C3"] }
api: { host: 127.0.0.1, port: 0 }
meter: { pollIntervalMs: 200 }
ocpp: { url: "${url}", securityProfile: 0, pingIntervalS: 5${opts.ocppExtra ? `, ${opts.ocppExtra}` : ''} }
`;
}

export interface StartOptions {
  /** Extra environment (EVSE_RESTART=exit is always set: a reset ends the process, the test restarts it). */
  env?: Record<string, string>;
  /** Reuse a directory (config and data) from an earlier run: a restart after a reset or a kill. */
  dir?: string;
}

export async function startController(yaml = SIM_CONFIG, options: StartOptions = {}): Promise<Controller> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} missing: run "npm run build" first (npm test does)`);
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'evse-it-'));
  const config = writeConfig(dir, yaml);
  const proc = spawn(process.execPath, [MAIN, '--config', config], {
    env: { ...process.env, EVSE_DATA_DIR: join(dir, 'data'), EVSE_API_PORT: '', EVSE_RESTART: 'exit', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`controller did not start within 15 s (killed):\n${logs.join('\n')}`));
    }, 15_000);
    let buf = '';
    proc.stdout!.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const line of lines) {
        logs.push(line);
        const m = /"api":"(http:\/\/[^"]+)"/.exec(line);
        if (m) {
          clearTimeout(timer);
          resolveUrl(m[1]!);
        }
      }
    });
    proc.stderr!.on('data', (chunk: Buffer) => logs.push(chunk.toString()));
    proc.on('exit', (code) => reject(new Error(`controller exited with ${code}:\n${logs.join('\n')}`)));
  });
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(url + path, {
      method,
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    return { status: res.status, body: await res.json() };
  };
  return {
    proc,
    url,
    dir,
    logs,
    get: (path) => call('GET', path),
    post: (path, body) => call('POST', path, body),
    stop: async (opts: { keep?: boolean; signal?: NodeJS.Signals } = {}) => {
      let code = proc.exitCode;
      if (code === null && proc.signalCode === null) {
        const exited = new Promise<number | null>((r) => proc.once('exit', (c) => r(c)));
        proc.kill(opts.signal ?? 'SIGTERM');
        code = await exited;
      }
      if (!opts.keep) rmSync(dir, { recursive: true, force: true });
      return code;
    },
    exited: () =>
      proc.exitCode !== null || proc.signalCode !== null
        ? Promise.resolve(proc.exitCode)
        : new Promise<number | null>((r) => proc.once('exit', (c) => r(c))),
    waitForLog: (pattern, ms = 10_000, from = 0) =>
      waitFor(`a log line matching ${pattern}`, async () => logs.slice(from).find((l) => pattern.test(l)), ms),
  };
}

/** Polls until `check` returns a truthy value; fails with the last value after `ms`. */
export async function waitFor<T>(what: string, check: () => Promise<T | false | null | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    const v = await check();
    if (v) return v;
    last = v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
