// GIVEN frames ocpp-rpc would send and secret files on disk WHEN prepared for a 1.6 CSMS THEN only 1.6
// error codes go out and secrets readable by others stop the controller with the fix named.

import { chmodSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { describeError, toOcpp16Frame } from '../../../../src/ocpp/link.js';
import { linkOptions, SecretFileError } from '../../../../src/ocpp/secrets.js';

describe('OCPP 1.6 error codes on the wire', () => {
  it.each([
    ['RpcFrameworkError', 'FormationViolation'],
    ['MessageTypeNotSupported', 'NotSupported'],
    ['FormatViolation', 'FormationViolation'],
    ['OccurrenceConstraintViolation', 'OccurenceConstraintViolation'],
  ])('GIVEN a CALLERROR with %s THEN it is sent as %s', (from, to) => {
    const out = JSON.parse(toOcpp16Frame(JSON.stringify([4, 'id-1', from, 'text', {}])));
    expect(out).toEqual([4, 'id-1', to, 'text', {}]);
  });

  it('GIVEN 1.6 codes, CALLs and results THEN frames pass unchanged', () => {
    for (const frame of ['[4,"a","TypeConstraintViolation","x",{}]', '[2,"b","Heartbeat",{}]', '[3,"c",{}]', 'not json']) {
      expect(toOcpp16Frame(frame)).toBe(frame);
    }
  });

  it('GIVEN a TLS verification error THEN the log line names the certificate and the fix', () => {
    const err = Object.assign(new Error('unable to verify the first certificate'), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    expect(describeError(err)).toMatch(/^TLS: the CSMS certificate was refused .*ocpp\.caFile/);
  });
});

describe('secret files', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const secret = (mode: number, content = 's3cret\n') => {
    const dir = mkdtempSync(join(tmpdir(), 'evse-secret-'));
    dirs.push(dir);
    const file = join(dir, 'pw');
    writeFileSync(file, content);
    chmodSync(file, mode);
    return file;
  };
  const base = { url: 'ws://127.0.0.1:9/ocpp', pingIntervalS: 30, callTimeoutS: 30, chargeBeforeAccepted: false } as const;

  it('GIVEN a 0600 password file THEN its first line is the Basic-auth password', () => {
    const opts = linkOptions({ ...base, securityProfile: 1, passwordFile: secret(0o600) }, 'CP-1', readFileSync);
    expect(opts).toMatchObject({ password: 's3cret', securityProfile: 1, identity: 'CP-1' });
  });

  it('GIVEN a 0644 password file THEN SecretFileError tells to chmod 600', () => {
    const file = secret(0o644);
    expect(() => linkOptions({ ...base, securityProfile: 1, passwordFile: file }, 'CP-1', readFileSync)).toThrow(
      new SecretFileError(`ocpp.passwordFile ${file} is readable by group or others (mode 0644); fix: chmod 600 ${file}`),
    );
  });

  it('GIVEN an empty password file THEN it is refused', () => {
    expect(() => linkOptions({ ...base, securityProfile: 1, passwordFile: secret(0o600, '\n') }, 'CP-1', readFileSync)).toThrow(/is empty/);
  });

  it('GIVEN profile 0 THEN no password is sent even if a file is named', () => {
    expect(linkOptions({ ...base, securityProfile: 0, passwordFile: secret(0o644) }, 'CP-1', readFileSync).password).toBeUndefined();
  });
});
