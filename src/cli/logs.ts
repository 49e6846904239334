// `evse logs [-f] [-n N]`: the controller's log from the systemd journal (journalctl -u evse), on this
// terminal. Owns: the journalctl command line and a clear error when journalctl is missing.
// Must not: parse or filter the log lines (they are pino JSON; journalctl shows them as they are).

import { spawn as nodeSpawn } from 'node:child_process';

export interface LogsOptions {
  follow?: boolean;
  lines?: number;
}

/** The part of child_process.spawn used here (tests inject a recorder). */
export type Spawn = (
  command: string,
  args: string[],
  options: { stdio: 'inherit' },
) => { on(event: 'error', l: (err: Error) => void): unknown; on(event: 'exit', l: (code: number | null, signal: NodeJS.Signals | null) => void): unknown };

export const UNIT = 'evse';

export function journalctlArgs(opts: LogsOptions): string[] {
  return ['-u', UNIT, ...(opts.lines !== undefined ? ['-n', String(opts.lines)] : []), ...(opts.follow ? ['-f'] : [])];
}

/** Runs journalctl with inherited stdio; resolves with its exit code (a signal counts as 0: Ctrl-C ends -f). */
export function runLogs(opts: LogsOptions, spawn: Spawn = nodeSpawn as unknown as Spawn): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('journalctl', journalctlArgs(opts), { stdio: 'inherit' });
    child.on('error', (err) => {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(new Error('journalctl not found: `evse logs` reads the systemd journal; without systemd the controller logs to its standard output'));
      } else reject(err);
    });
    child.on('exit', (code) => resolve(code ?? 0));
  });
}
