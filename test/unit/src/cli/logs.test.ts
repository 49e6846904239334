// GIVEN `evse logs` WHEN run THEN journalctl gets -u evse with the options, on this terminal, and its
// exit code decides ours; without journalctl the error says what the command needs.

import { spawn as nodeSpawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { journalctlArgs, runLogs, type Spawn } from '../../../../src/cli/logs.js';
import { runCli } from './installer-io.js';

/** Records the call and ends like journalctl would: with `code`, or an error. */
function fakeSpawn(end: { code?: number; error?: NodeJS.ErrnoException }) {
  const calls: Array<{ command: string; args: string[]; options: unknown }> = [];
  const spawn: Spawn = (command, args, options) => {
    calls.push({ command, args, options });
    const child = new EventEmitter();
    setImmediate(() => (end.error ? child.emit('error', end.error) : child.emit('exit', end.code ?? 0, null)));
    return child as ReturnType<Spawn>;
  };
  return { spawn, calls };
}

describe('evse logs', () => {
  it('GIVEN -f -n 50 WHEN run THEN journalctl -u evse -n 50 -f with inherited stdio, exit 0', async () => {
    const fake = fakeSpawn({ code: 0 });
    const r = await runCli(['logs', '-f', '-n', '50'], { spawn: fake.spawn });
    expect(r.code).toBe(0);
    expect(fake.calls).toEqual([{ command: 'journalctl', args: ['-u', 'evse', '-n', '50', '-f'], options: { stdio: 'inherit' } }]);
  });

  it('GIVEN no options WHEN run THEN plain journalctl -u evse', async () => {
    const fake = fakeSpawn({ code: 0 });
    expect((await runCli(['logs'], { spawn: fake.spawn })).code).toBe(0);
    expect(fake.calls[0]!.args).toEqual(['-u', 'evse']);
    expect(journalctlArgs({ follow: true })).toEqual(['-u', 'evse', '-f']);
  });

  it('GIVEN journalctl fails (no access to the journal) WHEN run THEN exit 1 with its code', async () => {
    const r = await runCli(['logs', '--lines', '5'], { spawn: fakeSpawn({ code: 1 }).spawn });
    expect(r.code).toBe(1);
    expect(r.err).toEqual(['evse: journalctl exited with 1']);
  });

  it('GIVEN a bad line count WHEN run THEN usage error, journalctl not started', async () => {
    const fake = fakeSpawn({ code: 0 });
    const r = await runCli(['logs', '-n', 'many'], { spawn: fake.spawn });
    expect(r.code).toBe(2);
    expect(fake.calls).toEqual([]);
  });

  it('GIVEN no journalctl on the PATH (a real spawn of a missing binary) WHEN run THEN the error says what it needs', async () => {
    const missing: Spawn = (_cmd, args, options) => nodeSpawn('evse-test-no-such-journalctl', args, options);
    await expect(runLogs({}, missing)).rejects.toThrow(/^journalctl not found: `evse logs` reads the systemd journal/);
    const r = await runCli(['logs'], { spawn: missing });
    expect(r.code).toBe(1);
    expect(r.err[0]).toMatch(/^evse: journalctl not found/);
  });
});
