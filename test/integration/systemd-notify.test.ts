// GIVEN the real controller process started the way systemd starts a Type=notify service (NOTIFY_SOCKET,
// WATCHDOG_USEC) and a Unix datagram socket receiving what it sends (a python3 receiver: Node has no Unix
// datagram sockets) WHEN it runs, stalls and stops THEN READY=1, WATCHDOG=1 while healthy, STATUS= and
// STOPPING=1 arrive, and pings stop while it is unhealthy and resume after.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startController, waitFor, type Controller } from '../helpers/process.js';

const RECEIVER = `
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("bound", flush=True)
while True:
    data = s.recv(65536)
    print(json.dumps(data.decode()), flush=True)
`;

interface Receiver {
  path: string;
  /** Every datagram, in arrival order. */
  messages: string[];
  proc: ChildProcess;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startReceiver(dir: string): Promise<Receiver> {
  const path = join(dir, 'notify.sock');
  const proc = spawn('python3', ['-u', '-c', RECEIVER, path], { stdio: ['ignore', 'pipe', 'pipe'] });
  cleanups.push(() => void proc.kill('SIGKILL'));
  const messages: string[] = [];
  await new Promise<void>((resolve, reject) => {
    let buf = '';
    let bound = false;
    proc.on('error', reject);
    proc.on('exit', (code) => !bound && reject(new Error(`receiver exited with ${code}`)));
    proc.stdout!.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const line of lines) {
        if (line === 'bound') {
          bound = true;
          resolve();
        } else if (line) messages.push(JSON.parse(line) as string);
      }
    });
  });
  return { path, messages, proc };
}

/** Every assignment (READY=1, STATUS=..., WATCHDOG=1) in arrival order; one datagram may carry several. */
const assignments = (r: Receiver): string[] => r.messages.flatMap((m) => m.split('\n').filter(Boolean));
const count = (r: Receiver, what: string, from = 0) => assignments(r).slice(from).filter((a) => a === what).length;

describe('systemd notification from the controller process', () => {
  it('GIVEN WATCHDOG_USEC=2 s WHEN the controller runs, stalls 6 s and stops THEN READY, pings, no pings while unhealthy, pings again, STOPPING', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evse-notify-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const receiver = await startReceiver(dir);
    const ctl: Controller = await startController(undefined, { env: { NOTIFY_SOCKET: receiver.path, WATCHDOG_USEC: '2000000' } });
    cleanups.push(async () => void (await ctl.stop()));

    // READY=1 comes once the API serves, with a first STATUS line.
    await waitFor('READY=1', async () => assignments(receiver).includes('READY=1'));
    expect(assignments(receiver)).toContain('STATUS=connector 1 Available; standalone');
    await waitFor('three pings', async () => count(receiver, 'WATCHDOG=1') >= 3);

    // Freeze the process longer than the 5 s stall limit: after it resumes it is unhealthy for one period.
    ctl.proc.kill('SIGSTOP');
    await new Promise((r) => setTimeout(r, 6500));
    ctl.proc.kill('SIGCONT');
    const unhealthyAt = await waitFor('STATUS unhealthy', async () => {
      const i = assignments(receiver).findIndex((a) => a.startsWith('STATUS=UNHEALTHY (event loop stalled'));
      return i >= 0 ? i + 1 : null;
    });
    const healthyAt = await waitFor('STATUS healthy again', async () => {
      const i = assignments(receiver).findIndex((a, k) => k >= unhealthyAt && a.startsWith('STATUS=connector 1'));
      return i >= 0 ? i + 1 : null;
    });
    expect(assignments(receiver).slice(unhealthyAt - 1, healthyAt)).not.toContain('WATCHDOG=1');
    await ctl.waitForLog(/watchdog ping withheld/);
    await waitFor('pings resume', async () => count(receiver, 'WATCHDOG=1', healthyAt) >= 2);

    const from = assignments(receiver).length;
    expect(await ctl.stop()).toBe(0);
    await waitFor('STOPPING=1', async () => assignments(receiver).slice(from).includes('STOPPING=1'));
  }, 40_000);

  it('GIVEN the plug flow WHEN the connector status changes THEN a STATUS line follows it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evse-notify-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const receiver = await startReceiver(dir);
    const ctl = await startController(undefined, { env: { NOTIFY_SOCKET: receiver.path, WATCHDOG_USEC: '2000000' } });
    cleanups.push(async () => void (await ctl.stop()));
    await waitFor('READY=1', async () => assignments(receiver).includes('READY=1'));
    await ctl.post('/api/sim/connectors/1/plug');
    await waitFor('STATUS Preparing', async () => assignments(receiver).includes('STATUS=connector 1 Preparing; standalone'));
    await ctl.post('/api/sim/faults', { connector: 1, fault: 'rcd', active: true });
    await waitFor('STATUS Faulted', async () => assignments(receiver).some((a) => /^STATUS=connector 1 Faulted \(rcd\)/.test(a)));
    // A charging fault is not a health problem: pings go on.
    const at = assignments(receiver).length;
    await waitFor('pings while Faulted', async () => count(receiver, 'WATCHDOG=1', at) >= 2);
  });
});
