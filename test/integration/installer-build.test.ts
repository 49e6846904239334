// GIVEN systemd/install.sh run from a copy of this checkout into a temporary root, with `npm`, `systemctl` and
// `getent` as logging stubs on the PATH (the stub build writes the last line of src/main.ts into the bundle,
// or fails while a flag file exists) WHEN a build fails and the installer runs again THEN it rebuilds instead
// of shipping the old bundle (the stamp is written only after a successful build); a running service is
// stopped before node_modules/dist are replaced and started again afterwards, and left stopped (said so)
// when the build fails.

import { spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '../..');
const APP_DIRS = ['src', 'hal', 'state-machines', 'scripts', 'config', 'systemd'];
const APP_FILES = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'README.md'];

const STUBS: Record<string, string> = {
  npm: `#!/bin/sh
echo "npm $*" >> "$EVSE_TEST_LOG"
case "$1" in
  ci) rm -rf node_modules && mkdir -p node_modules/sd-notify && echo 'module.exports = {};' > node_modules/sd-notify/index.js ;;
  run) if [ -e "$EVSE_TEST_FAIL" ]; then echo "stub build: error TS2322" >&2; exit 1; fi
       mkdir -p dist/src && tail -n 1 src/main.ts > dist/src/main.bundle.js ;;
esac
`,
  systemctl: `#!/bin/sh
echo "systemctl $*" >> "$EVSE_TEST_LOG"
case "$1" in
  is-active) state=$(cat "$EVSE_TEST_STATE"); echo "$state"; [ "$state" = active ] || exit 3 ;;
  stop) echo inactive > "$EVSE_TEST_STATE" ;;
  start|restart) echo active > "$EVSE_TEST_STATE" ;;
esac
`,
  getent: '#!/bin/sh\ncase "$2" in gpio|spi|i2c|dialout) echo "$2:x:900:";; *) exit 2;; esac\n',
};

let dir: string;
let checkout: string;
let root: string;
let bin: string;
const log = () => join(dir, 'log');
const failFlag = () => join(dir, 'fail-build');
const stateFile = () => join(dir, 'state');

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'evse-install-build-'));
  [checkout, root, bin] = ['checkout', 'root', 'bin'].map((d) => join(dir, d)) as [string, string, string];
  for (const d of APP_DIRS) cpSync(join(REPO, d), join(checkout, d), { recursive: true });
  for (const f of APP_FILES) if (existsSync(join(REPO, f))) copyFileSync(join(REPO, f), join(checkout, f));
  mkdirSync(bin);
  for (const [name, text] of Object.entries(STUBS)) {
    writeFileSync(join(bin, name), text);
    chmodSync(join(bin, name), 0o755);
  }
  writeFileSync(log(), '');
  writeFileSync(stateFile(), 'inactive\n');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the copied installer; `lines` are this run's stub calls. */
function install() {
  const before = readFileSync(log(), 'utf8').length;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${bin}:${process.env.PATH ?? ''}`,
    EVSE_INSTALL_ROOT: root,
    EVSE_INSTALL_SKIP_APT: '1',
    EVSE_INSTALL_SKIP_USER: '1',
    EVSE_TEST_LOG: log(),
    EVSE_TEST_FAIL: failFlag(),
    EVSE_TEST_STATE: stateFile(),
  };
  delete env.EVSE_INSTALL_SKIP_NPM;
  delete env.EVSE_INSTALL_SKIP_SYSTEMCTL;
  const r = spawnSync('bash', [join(checkout, 'systemd/install.sh')], { env, encoding: 'utf8' });
  const calls = readFileSync(log(), 'utf8').slice(before).trim().split('\n').filter(Boolean);
  return { code: r.status, out: r.stdout.trim().split('\n'), err: r.stderr, calls };
}
const bundle = () => readFileSync(join(root, 'opt/evse/dist/src/main.bundle.js'), 'utf8').trim();
const editSource = (marker: string) => appendFileSync(join(checkout, 'src/main.ts'), `\n// ${marker}\n`);
const STAMP = () => join(root, 'opt/evse/.evse-build-stamp');

describe('install.sh never ships a stale build', () => {
  it('GIVEN an installed build and a source change whose build fails WHEN the installer runs again after the fix THEN it rebuilds', () => {
    editSource('v1');
    const first = install();
    expect(first.code).toBe(0);
    expect(bundle()).toBe('// v1');
    expect(existsSync(STAMP())).toBe(true);

    editSource('v2');
    writeFileSync(failFlag(), '');
    const failed = install();
    expect(failed.code).toBe(1);
    expect(failed.err).toContain('evse install: error: build failed (output above); fix it and run this installer again: it rebuilds');
    expect(bundle()).toBe('// v1'); // what a failed build leaves behind
    expect(existsSync(STAMP())).toBe(false);

    rmSync(failFlag());
    const rerun = install(); // same sources as the failed run: only the stamp tells they were never built
    expect(rerun.code).toBe(0);
    expect(rerun.out).toContain('evse install: build: done');
    expect(rerun.calls.filter((c) => c.startsWith('npm '))).toEqual(['npm ci --no-audit --no-fund', 'npm run build', 'npm prune --omit=dev --no-audit --no-fund']);
    expect(bundle()).toBe('// v2');

    const again = install();
    expect(again.code).toBe(0);
    expect(again.out).toContain('evse install: build: unchanged');
    expect(again.calls.filter((c) => c.startsWith('npm '))).toEqual([]);
  });

  it('GIVEN a stamp that does not match (another node, or sources edited in place) WHEN run THEN it rebuilds', () => {
    expect(install().code).toBe(0);
    writeFileSync(STAMP(), 'built-by-another-node\n');
    const r = install();
    expect(r.out).toContain('evse install: build: done');
    expect(readFileSync(STAMP(), 'utf8')).not.toBe('built-by-another-node\n');
  });
});

describe('install.sh and a running service', () => {
  it('GIVEN the service running WHEN a build is needed THEN it is stopped before npm ci and started after the unit is installed', () => {
    writeFileSync(stateFile(), 'active\n');
    const r = install();
    expect(r.code).toBe(0);
    const at = (call: string) => r.calls.indexOf(call);
    expect(at('systemctl stop evse.service')).toBeGreaterThan(-1);
    expect(at('systemctl stop evse.service')).toBeLessThan(at('npm ci --no-audit --no-fund'));
    expect(at('npm prune --omit=dev --no-audit --no-fund')).toBeLessThan(at('systemctl daemon-reload'));
    expect(at('systemctl daemon-reload')).toBeLessThan(at('systemctl start evse.service'));
    expect(r.out).toEqual(expect.arrayContaining(['evse install: service: stopping evse for the build (was active)', 'evse install: service: enabled and started again (it was running before the build)']));
    expect(readFileSync(stateFile(), 'utf8').trim()).toBe('active');

    const unchanged = install();
    expect(unchanged.calls.filter((c) => /systemctl (stop|start|restart)/.test(c))).toEqual([]);
  });

  it('GIVEN the service stopped WHEN installed THEN it is not started (without --start)', () => {
    const r = install();
    expect(r.code).toBe(0);
    expect(r.calls.filter((c) => /systemctl (stop|start|restart)/.test(c))).toEqual([]);
    expect(readFileSync(stateFile(), 'utf8').trim()).toBe('inactive');
  });

  it('GIVEN the service running WHEN the build fails THEN it stays stopped and the installer says so', () => {
    writeFileSync(stateFile(), 'active\n');
    writeFileSync(failFlag(), '');
    const r = install();
    expect(r.code).toBe(1);
    expect(r.calls).toContain('systemctl stop evse.service');
    expect(r.calls.filter((c) => /systemctl (start|restart)/.test(c))).toEqual([]);
    expect(r.err).toContain('evse install: service evse was stopped for the build and is NOT running; fix the problem above and run this installer again');
  });
});
