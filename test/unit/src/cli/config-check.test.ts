// GIVEN configuration files as an installer writes them WHEN `evse config check FILE` runs THEN it prints
// "OK: <summary>" and exits 0, or one line per problem (the controller's own wording) and exits 1.

import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from './installer-io.js';

const SKELETON = resolve(import.meta.dirname, '../../../../systemd/config.skeleton.yaml');
let dir: string;
beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), 'evse-cfgcheck-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('evse config check', () => {
  it('GIVEN the installed skeleton (hal.driver rpi) WHEN checked THEN OK with a one-line summary, exit 0', async () => {
    const r = await runCli(['config', 'check', SKELETON]);
    expect(r.code).toBe(0);
    expect(r.out).toEqual([`OK: ${SKELETON}: EVSE-CHANGE-ME, hal rpi, 1 connector (16 A 3-phase), allow-list of 0, standalone, API 127.0.0.1:8080`]);
  });

  it('GIVEN three mistakes WHEN checked THEN three lines naming key, expectation and value, exit 1', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'connectors: [{id: 2, maxCurrentA: 100}]\nfoo: 1\n');
    const r = await runCli(['config', 'check', file]);
    expect(r.code).toBe(1);
    expect(r.out).toEqual([
      'connectors[0].maxCurrentA: expected a number between 6 and 80, found 100',
      'connectors[0].id: connector ids must be 1..N without gaps; expected 1, found 2',
      'foo: unknown key (allowed: chargePointId, hal, connectors, auth, tariff, sessions, api, dataDir, log, meter, temperature, charging, identity, ocpp)',
    ]);
    expect(r.err).toEqual([`evse: config check: 3 problems in ${file}`]);
  });

  it('GIVEN the skeleton with a pin used twice WHEN checked THEN the conflict is the one line', async () => {
    const file = join(dir, 'pins.yaml');
    copyFileSync(SKELETON, file);
    writeFileSync(file, readFileSync(file, 'utf8').replace('green: 20', 'green: 17'));
    const r = await runCli(['config', 'check', file]);
    expect(r.code).toBe(1);
    expect(r.out).toHaveLength(1);
    expect(r.out[0]).toMatch(/^hal\.connectors\[0\]\.led(\.green)?: GPIO17 is already used by hal\.connectors\[0\]\.contactor\.coil/);
  });

  it('GIVEN profile 1 with a password file readable by others WHEN checked THEN the line says chmod 600', async () => {
    const pw = join(dir, 'ocpp-password');
    writeFileSync(pw, 'secret-password-123\n');
    chmodSync(pw, 0o644);
    const file = join(dir, 'c.yaml');
    writeFileSync(file, `ocpp: { url: "ws://csms.example/ocpp", securityProfile: 1, passwordFile: "${pw}" }\n`);
    const r = await runCli(['config', 'check', file]);
    expect(r.code).toBe(1);
    expect(r.out).toEqual([`ocpp.passwordFile: ${pw} is readable by group or others (mode 0644); fix: chmod 600 ${pw}`]);
    chmodSync(pw, 0o600);
    const ok = await runCli(['config', 'check', file]);
    expect(ok.code).toBe(0);
    expect(ok.out[0]).toContain('OCPP ws://csms.example/ocpp (security profile 1)');
  });

  it('GIVEN a file that does not exist WHEN checked THEN one line "file not found", exit 1', async () => {
    const r = await runCli(['config', 'check', join(dir, 'nope.yaml')]);
    expect(r.code).toBe(1);
    expect(r.out).toEqual([`${join(dir, 'nope.yaml')}: file not found`]);
  });

  it('GIVEN no file argument WHEN run THEN usage error, exit 2', async () => {
    const r = await runCli(['config', 'check']);
    expect(r.code).toBe(2);
  });
});
