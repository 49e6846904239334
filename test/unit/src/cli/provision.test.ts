// GIVEN the installed configuration WHEN `evse provision` points it at a CSMS THEN chargePointId and the
// ocpp section change (the rest, comments included, stays), the password lands in a 0600 file, and the
// result loads with the controller's own loader; a result that would not load writes nothing.

import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../src/config/load.js';
import { randomPassword } from '../../../../src/cli/provision.js';
import { runCli } from './installer-io.js';

const SKELETON = readFileSync(resolve(import.meta.dirname, '../../../../systemd/config.skeleton.yaml'), 'utf8');
let dir: string;
let config: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'evse-provision-'));
  config = join(dir, 'config.yaml');
  writeFileSync(config, SKELETON);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const mode = (p: string) => statSync(p).mode & 0o777;
const load = () => loadConfig({ argv: ['--config', config], env: {} }).config;
const stdin = (text: string) => async () => text;

describe('evse provision', () => {
  it('GIVEN the skeleton WHEN provisioned for profile 1 with the password on stdin THEN 0600 password file, config loads, rest kept', async () => {
    const chowned: string[] = [];
    const r = await runCli(
      ['provision', '--id', 'CP-GARAGE-1', '--url', 'ws://csms.example.net/ocpp', '--profile', '1', '--config', config],
      { readStdin: stdin('correct-horse-battery\n'), chownSecret: (p) => void chowned.push(p) },
    );
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    const pw = join(dir, 'ocpp-password');
    expect(readFileSync(pw, 'utf8')).toBe('correct-horse-battery\n');
    expect(mode(pw)).toBe(0o600);
    expect(chowned).toEqual([pw]);
    const c = load();
    expect(c.chargePointId).toBe('CP-GARAGE-1');
    expect(c.ocpp).toMatchObject({ url: 'ws://csms.example.net/ocpp', securityProfile: 1, passwordFile: pw });
    const text = readFileSync(config, 'utf8');
    expect(text).toContain('# a socket (Type 2) with a cable lock'); // comments survive
    expect(parse(text).hal).toEqual(parse(SKELETON).hal);
    expect(r.out).toEqual([
      'Provisioned CP-GARAGE-1 for ws://csms.example.net/ocpp (security profile 1)',
      `wrote ${config} and ${pw} (mode 0600)`,
      'apply it: sudo systemctl restart evse',
    ]);
    expect(r.out.join('\n')).not.toContain('correct-horse-battery');
  });

  it('GIVEN EVSE_OCPP_PASSWORD WHEN provisioned THEN it is used and stdin is not read', async () => {
    const pw = join(dir, 'secret', 'pw');
    const r = await runCli(
      ['provision', '--id', 'CP-1', '--url', 'ws://csms/ocpp', '--profile', '1', '--password-file', pw, '--config', config],
      { env: { EVSE_OCPP_PASSWORD: 'from-the-env-123' }, readStdin: () => Promise.reject(new Error('stdin read')), chownSecret: () => undefined },
    );
    expect(r.code).toBe(0);
    expect(readFileSync(pw, 'utf8')).toBe('from-the-env-123\n');
    expect(mode(pw)).toBe(0o600);
  });

  it('GIVEN --generate-password WHEN provisioned THEN a 20-character password is written and printed once', async () => {
    const ca = join(dir, 'ca.pem');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\n');
    const r = await runCli(
      ['provision', '--id', 'CP-1', '--url', 'wss://csms/ocpp', '--profile', '2', '--ca', ca, '--generate-password', '--config', config],
      { chownSecret: () => undefined },
    );
    expect(r.code).toBe(0);
    const password = readFileSync(join(dir, 'ocpp-password'), 'utf8').trim();
    expect(password).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(r.out.filter((l) => l.includes(password))).toEqual([`generated password, enter it in the CSMS for CP-1 (shown once): ${password}`]);
    expect(load().ocpp).toMatchObject({ securityProfile: 2, caFile: ca });
  });

  it('GIVEN profile 2 with a ws:// URL and a missing CA file WHEN provisioned THEN refused with both problems, nothing written', async () => {
    const r = await runCli(
      ['provision', '--id', 'CP-1', '--url', 'ws://csms/ocpp', '--profile', '2', '--ca', join(dir, 'nope.pem'), '--config', config],
      { readStdin: stdin('pw-pw-pw-pw-pw-pw\n') },
    );
    expect(r.code).toBe(1);
    expect(r.err[0]).toBe('evse: provision: ocpp.url: does not match ocpp.securityProfile; expected a wss:// URL for security profile 2 or 3, found "ws://csms/ocpp"');
    expect(r.err.at(-1)).toBe('evse: provision: nothing written (1 problem)');
    expect(readFileSync(config, 'utf8')).toBe(SKELETON);
    expect(existsSync(join(dir, 'ocpp-password'))).toBe(false);
    const r2 = await runCli(['provision', '--id', 'CP-1', '--url', 'wss://csms/ocpp', '--profile', '2', '--ca', join(dir, 'nope.pem'), '--config', config], {
      readStdin: stdin('pw-pw-pw-pw-pw-pw\n'),
    });
    expect(r2.code).toBe(1);
    expect(r2.err[0]).toBe(`evse: provision: ocpp.caFile: ${join(dir, 'nope.pem')} cannot be read (ENOENT)`);
    expect(readFileSync(config, 'utf8')).toBe(SKELETON);
  });

  it('GIVEN profile 3 with a client key readable by others WHEN provisioned THEN refused with chmod 600', async () => {
    for (const f of ['ca.pem', 'client.pem', 'client.key']) writeFileSync(join(dir, f), 'PEM\n', { mode: 0o644 });
    const key = join(dir, 'client.key');
    const args = ['provision', '--id', 'CP-1', '--url', 'wss://csms/ocpp', '--profile', '3', '--ca', join(dir, 'ca.pem'), '--cert', join(dir, 'client.pem'), '--key', key, '--config', config];
    const r = await runCli(args);
    expect(r.code).toBe(1);
    expect(r.err[0]).toBe(`evse: provision: ocpp.keyFile: ${key} is readable by group or others (mode 0644); fix: chmod 600 ${key}`);
    chmodSync(key, 0o600);
    const ok = await runCli(args);
    expect(ok.code).toBe(0);
    expect(load().ocpp).toMatchObject({ securityProfile: 3, keyFile: key, certFile: join(dir, 'client.pem') });
    expect(load().ocpp?.passwordFile).toBeUndefined();
  });

  it('GIVEN a profile 1 configuration WHEN re-provisioned for profile 0 THEN the password file is no longer named', async () => {
    await runCli(['provision', '--id', 'CP-1', '--url', 'ws://csms/ocpp', '--profile', '1', '--config', config], { readStdin: stdin('pw-one-two-three\n'), chownSecret: () => undefined });
    const r = await runCli(['provision', '--id', 'CP-2', '--url', 'ws://lab:8180/steve/websocket/CentralSystemService', '--profile', '0', '--config', config]);
    expect(r.code).toBe(0);
    const c = load();
    expect(c.chargePointId).toBe('CP-2');
    expect(c.ocpp).toMatchObject({ securityProfile: 0, url: 'ws://lab:8180/steve/websocket/CentralSystemService' });
    expect(c.ocpp?.passwordFile).toBeUndefined();
  });

  it('GIVEN an empty password on stdin WHEN provisioned THEN refused, nothing written', async () => {
    const r = await runCli(['provision', '--id', 'CP-1', '--url', 'ws://csms/ocpp', '--profile', '1', '--config', config], { readStdin: stdin('\n') });
    expect(r.code).toBe(1);
    expect(r.err[0]).toMatch(/^evse: provision: password: empty/);
    expect(readFileSync(config, 'utf8')).toBe(SKELETON);
  });

  it('GIVEN an id the schema refuses or a profile out of range WHEN provisioned THEN refused (exit 1) or usage error (exit 2)', async () => {
    const bad = await runCli(['provision', '--id', 'has space', '--url', 'ws://csms/ocpp', '--profile', '0', '--config', config]);
    expect(bad.code).toBe(1);
    expect(bad.err[0]).toMatch(/^evse: provision: chargePointId: expected 1 to 20 characters/);
    const usage = await runCli(['provision', '--id', 'CP-1', '--url', 'ws://csms/ocpp', '--profile', '4', '--config', config]);
    expect(usage.code).toBe(2);
    const noUrl = await runCli(['provision', '--id', 'CP-1', '--profile', '0', '--config', config]);
    expect(noUrl.code).toBe(1);
    expect(noUrl.err).toEqual(["evse: provision: required option '--url <url>' not specified (the CSMS endpoint)"]);
    expect(readFileSync(config, 'utf8')).toBe(SKELETON);
  });

  it('GIVEN no configuration file yet WHEN provisioned THEN one is created that loads', async () => {
    const fresh = join(dir, 'etc', 'evse', 'config.yaml');
    const r = await runCli(['provision', '--id', 'CP-9', '--url', 'ws://csms/ocpp', '--profile', '0', '--config', fresh]);
    expect(r.code).toBe(0);
    expect(loadConfig({ argv: ['--config', fresh], env: {} }).config).toMatchObject({ chargePointId: 'CP-9', ocpp: { url: 'ws://csms/ocpp' } });
  });

  it('randomPassword: 20 characters from an unambiguous alphabet, different each time', () => {
    const a = randomPassword();
    expect(a).toMatch(/^[A-HJ-NP-Za-km-z2-9]{20}$/);
    expect(randomPassword()).not.toBe(a);
  });
});
