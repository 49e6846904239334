// GIVEN systemd/evse.service WHEN systemd's own checker reads it THEN it has no syntax problems, and it
// asks for what the controller relies on: Type=notify with a watchdog, restart without a loop on config
// errors, a dedicated user with the device groups, devices allowed, hardening that does not break GPIO.
//
// `systemd-analyze verify` fails when ExecStart's binary does not exist, and the unit names the Pi's
// /usr/bin/node: the check runs on a copy in a temporary directory whose ExecStart names this Node and
// this checkout's build output; every other line is verified as written. A missing user (evse) is not
// reported by verify; its exit code and its lines about the unit file are what is asserted.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const UNIT = readFileSync(join(ROOT, 'systemd/evse.service'), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'evse-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The unit with ExecStart's binary and script pointed at files that exist on this machine. */
function runnableCopy(text: string): string {
  const out = text.replace(
    /^ExecStart=\/usr\/bin\/node \/opt\/evse\/(\S+)/m,
    (_m, script: string) => `ExecStart=${process.execPath} ${join(ROOT, script)}`,
  );
  expect(out).not.toBe(text);
  return out;
}

function verify(text: string): { status: number | null; lines: string[] } {
  const path = join(dir, 'evse.service');
  writeFileSync(path, text);
  const r = spawnSync('systemd-analyze', ['verify', '--man=no', path], { encoding: 'utf8' });
  if (r.error) throw new Error(`systemd-analyze not runnable (install package systemd): ${r.error.message}`);
  const lines = `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => l.includes('evse.service'));
  return { status: r.status, lines };
}

/** Key=value lines of the unit (comments and section headers dropped); a key may repeat. */
function directives(text: string): Array<[string, string]> {
  return text
    .split('\n')
    .filter((l) => /^[A-Za-z]+=/.test(l))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as [string, string]);
}
const values = (key: string) => directives(UNIT).filter(([k]) => k === key).map(([, v]) => v);

describe('systemd unit evse.service', () => {
  it('GIVEN the unit (ExecStart made runnable here) WHEN systemd-analyze verifies it THEN exit 0 and no line about the file', () => {
    const r = verify(runnableCopy(UNIT));
    expect(r.lines).toEqual([]);
    expect(r.status).toBe(0);
  });

  it('GIVEN a copy with a misspelt key WHEN verified THEN the checker names the line (the check above can fail)', () => {
    const r = verify(runnableCopy(UNIT).replace('WatchdogSec=10', 'WatchdogSecs=10'));
    expect(r.lines.join('\n')).toMatch(/evse\.service:\d+: Unknown key 'WatchdogSecs'/);
  });

  it('GIVEN the unit THEN ExecStart runs the installed build output with the installed config', () => {
    const [exec] = values('ExecStart');
    expect(exec).toBe('/usr/bin/node /opt/evse/dist/src/main.bundle.js --config /etc/evse/config.yaml');
    expect(existsSync(join(ROOT, 'dist/src/main.bundle.js'))).toBe(true); // npm run build makes what the unit runs
  });

  it('GIVEN the unit THEN it is a notify service with a 10 s watchdog, restarts, and does not loop on exit 78', () => {
    expect(Object.fromEntries(directives(UNIT).filter(([k]) => !['DeviceAllow', 'Environment'].includes(k)))).toMatchObject({
      Type: 'notify',
      NotifyAccess: 'main',
      WatchdogSec: '10',
      Restart: 'always',
      RestartSec: '2',
      StartLimitIntervalSec: '300',
      StartLimitBurst: '10',
      TimeoutStopSec: '5',
      RestartPreventExitStatus: '78',
      User: 'evse',
      SupplementaryGroups: 'gpio spi i2c dialout',
      StateDirectory: 'evse',
      ConfigurationDirectory: 'evse',
      DevicePolicy: 'closed',
    });
    expect(values('Environment')).toEqual(expect.arrayContaining(['EVSE_RESTART=exit', 'EVSE_DATA_DIR=/var/lib/evse']));
  });

  it('GIVEN the unit THEN GPIO, gpiomem, SPI, I2C and serial devices are allowed read-write', () => {
    const allowed = values('DeviceAllow');
    for (const dev of ['char-gpiochip rw', '/dev/gpiomem rw', 'char-spi rw', 'char-i2c rw', 'char-ttyUSB rw', 'char-ttyAMA rw']) {
      expect(allowed).toContain(dev);
    }
  });

  it('GIVEN the unit THEN REFERENCE.md 7 hardening is on and the three settings that break the Pi are absent', () => {
    expect(Object.fromEntries(directives(UNIT))).toMatchObject({
      NoNewPrivileges: 'yes',
      ProtectSystem: 'strict',
      ProtectHome: 'yes',
      PrivateTmp: 'yes',
      ProtectKernelModules: 'yes',
      ProtectControlGroups: 'yes',
      LockPersonality: 'yes',
      RestrictAddressFamilies: 'AF_UNIX AF_INET AF_INET6 AF_NETLINK',
    });
    const keys = directives(UNIT).map(([k]) => k);
    for (const forbidden of ['PrivateDevices', 'MemoryDenyWriteExecute', 'ProtectKernelTunables']) expect(keys).not.toContain(forbidden);
  });
});
