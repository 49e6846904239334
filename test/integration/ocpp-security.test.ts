// GIVEN the real controller process and a strict CSMS behind OCPP security profiles 0-3 (a throwaway
// PKI made with openssl) WHEN it connects with the right or wrong password, CA or client certificate,
// or with secret files others can read THEN it boots only when it should, keeps retrying after a refusal,
// says why in one log line, never logs the password, and refuses to start on unsafe secret files (78).

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makePki, type Pki } from '../helpers/certs.js';
import { startCsms, type TestCsms } from '../helpers/csms.js';
import { MAIN, startController, waitFor, writeConfig, type Controller } from '../helpers/process.js';
import { startSecureCsms, type SecureCsms } from '../helpers/tls-csms.js';

const CP = 'CP-SEC-1';
const PASSWORD = `pw-${randomBytes(12).toString('hex')}`;

const config = (ocpp: Record<string, unknown>) => `
chargePointId: ${CP}
hal: { driver: sim }
connectors: [{ id: 1, maxCurrentA: 16 }]
auth: { allowList: ["04A1B2C3"] }
api: { host: 127.0.0.1, port: 0 }
meter: { pollIntervalMs: 200 }
log: { level: debug }
ocpp: ${JSON.stringify({ pingIntervalS: 5, ...ocpp })}
`;

let pki: Pki;
let csms: TestCsms | undefined;
let ctl: Controller | undefined;
beforeAll(async () => {
  pki = await makePki({ clientCn: CP });
});
afterAll(() => pki?.cleanup());
afterEach(async () => {
  await ctl?.stop();
  await csms?.close();
  ctl = undefined;
  csms = undefined;
});

const status = async () => (await ctl!.get('/api/status')).body;
const accepted = () => waitFor('registration Accepted', async () => (await status()).ocpp?.registration === 'Accepted', 15_000);
const logLine = (re: RegExp, ms = 10_000) => waitFor(`a log line matching ${re}`, async () => ctl!.logs.find((l) => re.test(l)), ms);
const allLogs = () => ctl!.logs.join('\n');
const basicHeader = (pw: string) => Buffer.from(`${CP}:${pw}`).toString('base64');

/** Runs the controller expecting it to exit by itself (config or secret-file errors); returns code and output. */
async function runToExit(yaml: string, ms = 15_000): Promise<{ code: number | null; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'evse-it-'));
  try {
    const proc = spawn(process.execPath, [MAIN, '--config', writeConfig(dir, yaml)], {
      env: { ...process.env, EVSE_DATA_DIR: join(dir, 'data'), EVSE_API_PORT: '', EVSE_RESTART: 'exit' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    proc.stdout.on('data', (c: Buffer) => (output += c.toString()));
    proc.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        proc.kill('SIGKILL');
        reject(new Error(`controller still running after ${ms} ms:\n${output}`));
      }, ms);
      proc.once('close', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    return { code, output };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The controller stays up, retries the refused connection, and never registers. */
async function expectRefusedAndRetrying(server: SecureCsms, reason: RegExp): Promise<void> {
  await waitFor('a second refused attempt', async () => server.attempts.filter((a) => !a.accepted).length >= 2, 15_000);
  for (const a of server.attempts) expect(a.reason).toMatch(reason);
  expect(ctl!.proc.exitCode).toBeNull();
  const s = await status();
  expect(s.ocpp.connected).toBe(false);
  expect(s.ocpp.registration).not.toBe('Accepted');
  expect(server.count('BootNotification')).toBe(0);
  expect(await logLine(/CSMS connection failed/)).toMatch(/"retryInS":\d+/);
}

describe('security profile 0: plain ws', () => {
  it('boots without credentials', async () => {
    csms = await startCsms();
    ctl = await startController(config({ url: csms.url, securityProfile: 0 }));
    await csms.waitFor('BootNotification');
    await accepted();
    expect((await status()).ocpp.connected).toBe(true);
  }, 30_000);
});

describe('security profile 1: ws + Basic auth', () => {
  it('boots with the right password and never logs it', async () => {
    const server = await startSecureCsms({ profile: 1, password: PASSWORD });
    csms = server;
    const passwordFile = pki.writeSecret('p1-password', `${PASSWORD}\n`);
    ctl = await startController(config({ url: server.url, securityProfile: 1, passwordFile }));
    await server.waitFor('BootNotification');
    await accepted();
    expect(server.attempts[0]).toMatchObject({ identity: CP, password: PASSWORD, tls: false, accepted: true });
    expect(server.validationFailures).toEqual([]);
    await logLine(/CSMS connected/);
    expect(allLogs()).not.toContain(PASSWORD);
    expect(allLogs()).not.toContain(basicHeader(PASSWORD));
  }, 30_000);

  it('with a wrong password: refused, keeps running and retrying, not connected, password not logged', async () => {
    const server = await startSecureCsms({ profile: 1, password: PASSWORD });
    csms = server;
    const wrong = `wrong-${randomBytes(8).toString('hex')}`;
    const passwordFile = pki.writeSecret('p1-wrong', wrong);
    ctl = await startController(config({ url: server.url, securityProfile: 1, passwordFile }));
    await expectRefusedAndRetrying(server, /^wrong password$/);
    expect(server.attempts[0]!.password).toBe(wrong);
    expect(await logLine(/CSMS connection failed/)).toMatch(/401/);
    expect(allLogs()).not.toContain(wrong);
    expect(allLogs()).not.toContain(basicHeader(wrong));
  }, 30_000);
});

describe('security profile 2: wss + Basic auth', () => {
  it('boots over TLS when caFile holds the CA that signed the CSMS certificate', async () => {
    const server = await startSecureCsms({ profile: 2, pki, password: PASSWORD });
    csms = server;
    expect(server.url).toMatch(/^wss:\/\/127\.0\.0\.1:\d+\//);
    const passwordFile = pki.writeSecret('p2-password', PASSWORD);
    ctl = await startController(config({ url: server.url, securityProfile: 2, passwordFile, caFile: pki.ca.cert }));
    await server.waitFor('BootNotification');
    await accepted();
    expect(server.attempts[0]).toMatchObject({ identity: CP, password: PASSWORD, tls: true, accepted: true });
    expect(allLogs()).not.toContain(PASSWORD);
  }, 30_000);

  it('reconnects over TLS with the same password after the CSMS restarts', async () => {
    const first = await startSecureCsms({ profile: 2, pki, password: PASSWORD });
    csms = first;
    const passwordFile = pki.writeSecret('p2-password-restart', PASSWORD);
    ctl = await startController(config({ url: first.url, securityProfile: 2, passwordFile, caFile: pki.ca.cert }));
    await accepted();
    await first.close();
    await waitFor('link down', async () => (await status()).ocpp.connected === false);
    const second = await startSecureCsms({ profile: 2, pki, password: PASSWORD, port: first.port });
    csms = second;
    await waitFor('reconnected', async () => (await status()).ocpp.connected === true, 20_000);
    expect(second.attempts[0]).toMatchObject({ identity: CP, password: PASSWORD, tls: true, accepted: true });
    expect(allLogs()).not.toContain(PASSWORD);
  }, 40_000);

  it('with an unrelated CA in caFile: refuses the CSMS certificate, says so in one line, never boots', async () => {
    const server = await startSecureCsms({ profile: 2, pki, password: PASSWORD });
    csms = server;
    const passwordFile = pki.writeSecret('p2-password-wrong-ca', PASSWORD);
    ctl = await startController(config({ url: server.url, securityProfile: 2, passwordFile, caFile: pki.otherCa.cert }));
    const line = await logLine(/TLS: the CSMS certificate was refused/, 15_000);
    expect(line).toMatch(/ocpp\.caFile/);
    expect(line).toMatch(/CSMS connection failed/);
    // a second refusal: it keeps retrying, and the TLS handshake never reached the WebSocket upgrade
    await waitFor('a retry', async () => ctl!.logs.filter((l) => /TLS: the CSMS certificate was refused/.test(l)).length >= 2, 15_000);
    expect(server.attempts).toEqual([]);
    expect(server.count('BootNotification')).toBe(0);
    expect(ctl.proc.exitCode).toBeNull();
    expect((await status()).ocpp.connected).toBe(false);
    expect(allLogs()).not.toContain(PASSWORD);
  }, 30_000);
});

describe('security profile 3: mutual TLS', () => {
  it('boots with a client certificate signed by the CSMS CA', async () => {
    const server = await startSecureCsms({ profile: 3, pki });
    csms = server;
    ctl = await startController(
      config({ url: server.url, securityProfile: 3, caFile: pki.ca.cert, certFile: pki.client.cert, keyFile: pki.client.key }),
    );
    await server.waitFor('BootNotification');
    await accepted();
    expect(server.attempts[0]).toMatchObject({ identity: CP, tls: true, clientCertAuthorized: true, clientCertCn: CP, accepted: true });
    expect(allLogs()).not.toContain(pki.pem(pki.client.key).split('\n')[1]!);
  }, 30_000);

  it('the CSMS refuses a charge point without a client certificate (profile 2 client)', async () => {
    const server = await startSecureCsms({ profile: 3, pki });
    csms = server;
    const passwordFile = pki.writeSecret('p3-no-cert-password', PASSWORD);
    ctl = await startController(config({ url: server.url, securityProfile: 2, passwordFile, caFile: pki.ca.cert }));
    await expectRefusedAndRetrying(server, /^no client certificate$/);
  }, 30_000);

  it('the CSMS refuses a client certificate from an unrelated CA', async () => {
    const server = await startSecureCsms({ profile: 3, pki });
    csms = server;
    ctl = await startController(
      config({ url: server.url, securityProfile: 3, caFile: pki.ca.cert, certFile: pki.rogueClient.cert, keyFile: pki.rogueClient.key }),
    );
    await expectRefusedAndRetrying(server, /^client certificate refused/);
    expect(server.attempts[0]).toMatchObject({ clientCertAuthorized: false, clientCertCn: CP });
  }, 30_000);
});

describe('unsafe secret files and mismatched settings stop the controller (exit 78)', () => {
  it('a password file readable by others', async () => {
    const passwordFile = pki.writeSecret('p1-0644', PASSWORD, 0o644);
    const { code, output } = await runToExit(config({ url: 'ws://127.0.0.1:9/ocpp', securityProfile: 1, passwordFile }));
    expect(code).toBe(78);
    expect(output).toContain(`chmod 600 ${passwordFile}`);
    expect(output).toMatch(/ocpp\.passwordFile .* \(mode 0644\)/);
    expect(output).not.toContain(PASSWORD);
  });

  it('a client key file readable by others (profile 3)', async () => {
    const keyFile = pki.writeSecret('client-0644.key', pki.pem(pki.client.key), 0o644);
    const yaml = config({ url: 'wss://127.0.0.1:9/ocpp', securityProfile: 3, caFile: pki.ca.cert, certFile: pki.client.cert, keyFile });
    const { code, output } = await runToExit(yaml);
    expect(code).toBe(78);
    expect(output).toContain(`chmod 600 ${keyFile}`);
    expect(output).toMatch(/ocpp\.keyFile/);
    expect(output).not.toContain(pki.pem(pki.client.key).split('\n')[1]!);
  });

  it('security profile 2 with a ws:// URL', async () => {
    const passwordFile = pki.writeSecret('p2-ws-password', PASSWORD);
    const { code, output } = await runToExit(config({ url: 'ws://127.0.0.1:9/ocpp', securityProfile: 2, passwordFile, caFile: pki.ca.cert }));
    expect(code).toBe(78);
    const line = output.split('\n').find((l) => l.includes('ocpp.url'));
    expect(line).toMatch(/^evse: config: .*ocpp\.url.*does not match ocpp\.securityProfile; expected a wss:\/\/ URL/);
    expect(line).toContain('ws://127.0.0.1:9/ocpp');
  });
});
