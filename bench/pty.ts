// A pseudo-terminal pair joined by socat, standing in for an RS-485 line in tests and benches:
// `socat -d -d pty,raw,echo=0 pty,raw,echo=0`, with the two /dev/pts paths parsed from its stderr.
// Owns: starting and stopping that socat process. Must not: pace or interpret bytes (a pty passes them at once).

import { spawn } from 'node:child_process';

export interface PtyPair {
  /** The end the driver under test opens. */
  a: string;
  /** The end the simulated slave opens. */
  b: string;
  close(): Promise<void>;
}

const running = new Set<() => void>();
process.on('exit', () => {
  for (const kill of running) kill();
});

/** Starts socat and resolves with both pty paths; rejects with a clear message when socat is missing or silent. */
export async function openPtyPair(timeoutMs = 5000): Promise<PtyPair> {
  const proc = spawn('socat', ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const kill = (): void => void proc.kill('SIGKILL');
  running.add(kill);
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  let stderr = '';
  try {
    const [a, b] = await new Promise<string[]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`socat printed no pty paths within ${timeoutMs} ms: ${stderr}`)), timeoutMs);
      proc.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`cannot run socat (install it: apt-get install socat): ${err.message}`));
      });
      proc.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const paths = [...stderr.matchAll(/PTY is (\/dev\/\S+)/g)].map((m) => m[1]!);
        if (paths.length >= 2) {
          clearTimeout(timer);
          resolve(paths);
        }
      });
    });
    return {
      a: a!,
      b: b!,
      close: async () => {
        running.delete(kill);
        if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
        await exited;
      },
    };
  } catch (err) {
    running.delete(kill);
    kill();
    throw err;
  }
}
