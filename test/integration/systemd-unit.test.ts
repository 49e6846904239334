// GIVEN systemd/evse.service WHEN systemd's own checker reads it THEN it has no syntax problems, and it
// asks for what the controller relies on: Type=notify with a watchdog, restart without a loop on config
// errors, a dedicated user with the device groups, devices allowed, hardening that does not break GPIO,
// and ExecStopPost driving the contactor coils off however the main process ended (the command it names
// is run here against a fake sysfs tree).
//
// `systemd-analyze verify` fails when an Exec binary does not exist, and the unit names the Pi's
// /usr/bin/node: the check runs on a copy in a temporary directory whose ExecStart/ExecStopPost name this
// Node and this checkout's build output; every other line is verified as written. A missing user (evse) is
// not reported by verify; its exit code and its lines about the unit file are what is asserted.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeSysfs } from '../helpers/fake-sysfs.js';

const ROOT = resolve(import.meta.dirname, '../..');
const UNIT = readFileSync(join(ROOT, 'systemd/evse.service'), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'evse-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The unit with ExecStart's and ExecStopPost's binary and script pointed at files that exist on this machine. */
function runnableCopy(text: string): string {
  const out = text.replace(
    /^(ExecStart|ExecStopPost)=\/usr\/bin\/node \/opt\/evse\/(\S+)/gm,
    (_m, key: string, script: string) => `${key}=${process.execPath} ${join(ROOT, script)}`,
  );
  expect(out.split('\n').filter((l) => /^Exec(Start|StopPost)=/.test(l) && l.includes(`=${process.execPath} ${ROOT}/`))).toHaveLength(2);
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

  it('GIVEN the unit THEN GPIO, gpiomem, SPI, I2C and serial devices (also ttyS: /dev/serial0 on a Pi 3/4/Zero 2 W) are allowed read-write', () => {
    const allowed = values('DeviceAllow');
    for (const dev of ['char-gpiochip rw', '/dev/gpiomem rw', 'char-spi rw', 'char-i2c rw', 'char-ttyUSB rw', 'char-ttyAMA rw', 'char-ttyS rw']) {
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

  it('GIVEN the unit THEN ExecStopPost runs `evse emergency-off` with the installed config, like ExecStart', () => {
    expect(values('ExecStopPost')).toEqual(['/usr/bin/node /opt/evse/dist/src/cli/evse.js emergency-off --config /etc/evse/config.yaml']);
  });

  it("GIVEN a dead controller's coils left energised (active high and active low) WHEN ExecStopPost's command runs THEN it writes each coil's raw off level, exit 0", () => {
    const sysfs = new FakeSysfs();
    try {
      const exported = (line: number, raw: 0 | 1, activeLow: boolean): void => {
        mkdirSync(sysfs.lineDir(line));
        for (const [f, v] of [['value', raw], ['direction', 'out'], ['active_low', activeLow ? 1 : 0]] as const) writeFileSync(join(sysfs.lineDir(line), f), `${v}\n`);
      };
      exported(512 + 17, 1, false);
      exported(512 + 26, 0, true);
      const config = join(dir, 'config.yaml');
      const pwm = `pwm: { sysfsRoot: ${sysfs.pwmRoot} }, adc: { type: mcp3008 }`;
      writeFileSync(
        config,
        `connectors: [{ id: 1, tethered: true }, { id: 2, tethered: true }]\nhal:\n  driver: rpi\n  gpio: { sysfsRoot: ${sysfs.gpioRoot} }\n  connectors:\n` +
          `    - { pilot: { ${pwm} }, contactor: { coil: 17 }, rcd: { trip: 22 } }\n` +
          `    - { pilot: { pwm: { sysfsRoot: ${sysfs.pwmRoot}, channel: 1 }, adc: { type: mcp3008, device: /dev/spidev0.1 } }, contactor: { coil: { pin: 26, activeLow: true } }, rcd: { trip: 4 } }\n`,
      );
      const [node, script, ...args] = values('ExecStopPost')[0]!.split(' ');
      expect(node).toBe('/usr/bin/node');
      const r = spawnSync(process.execPath, [script!.replace('/opt/evse/', `${ROOT}/`), ...args.map((a) => (a === '/etc/evse/config.yaml' ? config : a))], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toContain('emergency-off: 2 of 2 coils off');
      // The raw level through `direction` (the kernel's gpiod_direction_output_raw), whatever active_low says.
      expect(readFileSync(join(sysfs.lineDir(512 + 17), 'direction'), 'utf8')).toBe('low');
      expect(readFileSync(join(sysfs.lineDir(512 + 26), 'direction'), 'utf8')).toBe('high');
      expect(readFileSync(join(sysfs.lineDir(512 + 26), 'active_low'), 'utf8')).toBe('1');
    } finally {
      sysfs.dispose();
    }
  });
});
