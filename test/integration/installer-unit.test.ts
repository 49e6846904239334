// GIVEN systemd/install.sh run into a temporary root (root-only, network and systemd steps skipped) with a
// stub `getent` deciding which device groups exist WHEN it writes the unit THEN SupplementaryGroups names only
// the groups that exist (systemd refuses to start a unit naming a missing one: 216/GROUP); a node at a path
// with a space, % and $ is quoted so that systemd-analyze accepts the unit and the `evse` wrapper runs; a path
// systemd cannot run at all (a quote or backslash: "contains special characters") is refused up front.

import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '../..');
const SCRIPT = join(REPO, 'systemd/install.sh');
const SKIPS = { EVSE_INSTALL_SKIP_APT: '1', EVSE_INSTALL_SKIP_USER: '1', EVSE_INSTALL_SKIP_NPM: '1', EVSE_INSTALL_SKIP_SYSTEMCTL: '1' };

let dir: string;
let root: string;
let bin: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'evse-install-unit-'));
  root = join(dir, 'root');
  bin = join(dir, 'bin');
  mkdirSync(bin);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Installs with only `groups` known to getent; `pathFirst` is put before the stubs on the PATH. */
function install(groups: string[], pathFirst: string[] = []) {
  writeFileSync(join(bin, 'getent'), `#!/bin/sh\ncase " ${groups.join(' ')} " in *" $2 "*) echo "$2:x:900:";; *) exit 2;; esac\n`);
  chmodSync(join(bin, 'getent'), 0o755);
  const PATH = [...pathFirst, bin, process.env.PATH ?? ''].join(':');
  const r = spawnSync('bash', [SCRIPT], { env: { ...process.env, PATH, EVSE_INSTALL_ROOT: root, ...SKIPS }, encoding: 'utf8' });
  const unitPath = join(root, 'etc/systemd/system/evse.service');
  return { code: r.status, out: r.stdout.trim().split('\n'), err: r.stderr, unit: existsSync(unitPath) ? readFileSync(unitPath, 'utf8') : null };
}

/** systemd-analyze verify on the unit with /opt/evse pointing at this checkout: exit code and its lines about the file. */
function verify(unit: string): { status: number | null; lines: string[] } {
  expect(existsSync(join(REPO, 'dist/src/cli/evse.js'))).toBe(true); // npm run build
  const path = join(dir, 'evse.service');
  writeFileSync(path, unit.replaceAll('/opt/evse/', `${REPO}/`));
  const r = spawnSync('systemd-analyze', ['verify', '--man=no', path], { encoding: 'utf8' });
  if (r.error) throw new Error(`systemd-analyze not runnable (install package systemd): ${r.error.message}`);
  return { status: r.status, lines: `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => l.includes('evse.service')) };
}
const groupsLine = (unit: string | null) => (unit ?? '').split('\n').filter((l) => /^(# )?SupplementaryGroups[=:]/.test(l));
/** A directory named `name` holding a `node` symlink to this Node. */
function nodeIn(name: string): string {
  const nodeDir = join(dir, name);
  mkdirSync(nodeDir);
  symlinkSync(process.execPath, join(nodeDir, 'node'));
  return nodeDir;
}

describe('install.sh writes SupplementaryGroups for this machine', () => {
  it('GIVEN every device group WHEN installed THEN all four are listed and nothing is said about groups', () => {
    const r = install(['gpio', 'spi', 'i2c', 'dialout']);
    expect(r.code).toBe(0);
    expect(groupsLine(r.unit)).toEqual(['SupplementaryGroups=gpio spi i2c dialout']);
    expect(r.out.join('\n')).not.toContain('SupplementaryGroups');
  });

  it('GIVEN only gpio and dialout WHEN installed THEN only those are listed, it says so, and systemd accepts the unit', () => {
    const r = install(['dialout', 'gpio']);
    expect(r.code).toBe(0);
    expect(groupsLine(r.unit)).toEqual(['SupplementaryGroups=gpio dialout']);
    expect(r.out).toContain('evse install: unit: SupplementaryGroups=gpio dialout: the other groups of gpio spi i2c dialout do not exist here');
    expect(verify(r.unit!)).toEqual({ status: 0, lines: [] });
  });

  it('GIVEN none of the groups WHEN installed THEN the unit has no SupplementaryGroups setting and still verifies', () => {
    const r = install([]);
    expect(r.code).toBe(0);
    expect(groupsLine(r.unit)).toEqual(['# SupplementaryGroups: none of gpio spi i2c dialout exists here']);
    expect(verify(r.unit!)).toEqual({ status: 0, lines: [] });
  });
});

describe('install.sh quotes the node path', () => {
  it('GIVEN node at a path with a space, % and $ WHEN installed THEN systemd-analyze accepts ExecStart/ExecStopPost and the wrapper runs', () => {
    const node = join(nodeIn('my node 100%$HOME'), 'node');
    const r = install(['gpio', 'spi', 'i2c', 'dialout'], [dirname(node)]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const word = `"${node.replace('%', '%%')}"`;
    expect(r.unit).toContain(`\nExecStart=${word} /opt/evse/dist/src/main.bundle.js --config /etc/evse/config.yaml\n`);
    expect(r.unit).toContain(`\nExecStopPost=${word} /opt/evse/dist/src/cli/evse.js emergency-off --config /etc/evse/config.yaml\n`);
    expect(verify(r.unit!)).toEqual({ status: 0, lines: [] });
    const wrapper = readFileSync(join(root, 'usr/local/bin/evse'), 'utf8');
    expect(wrapper).toBe(`#!/bin/sh\nexec '${node}' /opt/evse/dist/src/cli/evse.js "$@"\n`);
    const local = join(dir, 'evse-here');
    writeFileSync(local, wrapper.replace('/opt/evse/', `${REPO}/`));
    const run = spawnSync('sh', [local, '--help'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('emergency-off');
  });

  it('GIVEN that unit with the path left unquoted WHEN verified THEN systemd-analyze objects (the check above can fail)', () => {
    const node = join(nodeIn('my node'), 'node');
    const r = install(['gpio'], [dirname(node)]);
    const v = verify(r.unit!.replaceAll(`"${node}"`, node));
    expect(v.status).not.toBe(0);
    expect(v.lines.join('\n')).toContain('is not executable');
  });

  it("GIVEN node at a path with a quote WHEN installed THEN refused before anything is written, with the way out", () => {
    const nodeDir = nodeIn("it's");
    const r = install(['gpio'], [nodeDir]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`evse install: error: node path ${join(nodeDir, 'node')} has a quote, backslash or control character, which systemd cannot run`);
    expect(existsSync(root)).toBe(false);
  });
});
