// Runs the `evse` CLI in-process with the installer hooks (environment, stdin, spawn, selftest deps) and
// collects what it printed.

import { main } from '../../../../src/cli/evse.js';
import type { InstallerIo } from '../../../../src/cli/installer.js';

export interface CliRun {
  code: number;
  out: string[];
  err: string[];
}

export async function runCli(args: string[], extra: Partial<InstallerIo> = {}): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  // Blocks (a report) are split into lines.
  const io: InstallerIo = { out: (s) => void out.push(...s.split('\n')), err: (s) => void err.push(...s.split('\n')), env: {}, ...extra };
  const code = await main(['node', 'evse', ...args], io);
  return { code, out, err };
}
