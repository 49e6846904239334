// GIVEN systemd/install.sh run twice into a temporary root (root-only, network and systemd steps skipped
// with the installer's EVSE_INSTALL_SKIP_* switches) THEN the app, the config, the unit and the `evse`
// command are in place, the operator's edited config survives the second run, the unit is byte-identical,
// both runs exit 0 and the second reports everything unchanged. The copied app builds (npm run build with
// this checkout's node_modules linked in: npm ci itself needs the network) and its CLI accepts the config.
// `getent` is a stub on the PATH (every device group exists, as on Raspberry Pi OS) so the unit is the
// repo's; installer-unit.test.ts covers machines without some groups and node paths that need quoting.

import { spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '../..');
const SCRIPT = join(REPO, 'systemd/install.sh');
const root = mkdtempSync(join(tmpdir(), 'evse-install-'));
const stubs = mkdtempSync(join(tmpdir(), 'evse-install-bin-'));
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(stubs, { recursive: true, force: true });
});
writeFileSync(join(stubs, 'getent'), '#!/bin/sh\ncase "$2" in gpio|spi|i2c|dialout) echo "$2:x:900:";; *) exit 2;; esac\n');
chmodSync(join(stubs, 'getent'), 0o755);

const SKIPS = { EVSE_INSTALL_SKIP_APT: '1', EVSE_INSTALL_SKIP_USER: '1', EVSE_INSTALL_SKIP_NPM: '1', EVSE_INSTALL_SKIP_SYSTEMCTL: '1' };

function install(args: string[] = [], env: Record<string, string> = {}) {
  const PATH = `${stubs}:${process.env.PATH ?? ''}`;
  const r = spawnSync('bash', [SCRIPT, ...args], { env: { ...process.env, PATH, EVSE_INSTALL_ROOT: root, ...SKIPS, ...env }, encoding: 'utf8' });
  return { code: r.status, out: r.stdout.trim().split('\n'), err: r.stderr };
}
const file = (p: string) => readFileSync(join(root, p), 'utf8');
const nodeOnPath = spawnSync('bash', ['-c', 'command -v node'], { encoding: 'utf8' }).stdout.trim();

describe('systemd/install.sh', () => {
  type Run = ReturnType<typeof install>;
  let first: Run;
  let second: Run;
  let unitAfterFirst: string;
  beforeAll(() => {
    first = install();
    appendFileSync(join(root, 'etc/evse/config.yaml'), '# edited by the installer person\n');
    unitAfterFirst = file('etc/systemd/system/evse.service');
    second = install();
  });

  it('GIVEN an empty root WHEN installed THEN exit 0 and every step reported', () => {
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    expect(first.out).toEqual(
      expect.arrayContaining([
        `evse install: app: ${root}/opt/evse updated (11 parts)`,
        `evse install: config: wrote ${root}/etc/evse/config.yaml (edit the wiring, then: evse config check /etc/evse/config.yaml)`,
        `evse install: unit: ${root}/etc/systemd/system/evse.service installed`,
        `evse install: command evse: ${root}/usr/local/bin/evse installed`,
      ]),
    );
  });

  it('GIVEN the first run THEN the app sources, config skeleton, unit and command are in place', () => {
    for (const p of ['package.json', 'package-lock.json', 'tsconfig.build.json', 'src/main.ts', 'hal/index.ts', 'state-machines', 'scripts/bundle-main.cjs', 'systemd/evse.service']) {
      expect(existsSync(join(root, 'opt/evse', p)), p).toBe(true);
    }
    expect(existsSync(join(root, 'opt/evse/node_modules'))).toBe(false);
    expect(file('etc/evse/config.yaml').startsWith(readFileSync(join(REPO, 'systemd/config.skeleton.yaml'), 'utf8'))).toBe(true);
    const expectedUnit = readFileSync(join(REPO, 'systemd/evse.service'), 'utf8').replace(/^(ExecStart|ExecStopPost)=\/usr\/bin\/node /gm, `$1=${nodeOnPath} `);
    expect(unitAfterFirst).toBe(expectedUnit);
    expect(unitAfterFirst).toContain('\nSupplementaryGroups=gpio spi i2c dialout\n');
    expect(file('usr/local/bin/evse')).toBe(`#!/bin/sh\nexec '${nodeOnPath}' /opt/evse/dist/src/cli/evse.js "$@"\n`);
    expect(statSync(join(root, 'usr/local/bin/evse')).mode & 0o777).toBe(0o755);
  });

  it('GIVEN an edited config WHEN installed again THEN exit 0, config kept, unit identical, everything unchanged', () => {
    expect(second.code).toBe(0);
    expect(file('etc/evse/config.yaml').endsWith('# edited by the installer person\n')).toBe(true);
    expect(file('etc/systemd/system/evse.service')).toBe(unitAfterFirst);
    expect(second.out).toEqual(
      expect.arrayContaining([
        `evse install: app: ${root}/opt/evse unchanged`,
        `evse install: config: kept existing ${root}/etc/evse/config.yaml`,
        `evse install: unit: ${root}/etc/systemd/system/evse.service unchanged`,
        `evse install: command evse: ${root}/usr/local/bin/evse unchanged`,
      ]),
    );
    expect(second.out.join('\n')).not.toMatch(/installed|wrote|updated/);
    expect(second.out.length).toBe(first.out.length);
  });

  it('GIVEN a third run THEN its output is exactly the second one (idempotent)', () => {
    expect(install().out).toEqual(second.out);
  });

  it('GIVEN a bad option or --help THEN exit 2 with usage, or 0', () => {
    const bad = install(['--bogus']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('unknown option: --bogus');
    expect(install(['--help']).code).toBe(0);
  });

  it('GIVEN the installed app with dependencies linked WHEN built THEN the bundle exists and the installed CLI accepts the installed config', () => {
    const app = join(root, 'opt/evse');
    symlinkSync(join(REPO, 'node_modules'), join(app, 'node_modules'));
    const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: app, encoding: 'utf8' });
    expect(build.stderr).toBe('');
    expect(build.status).toBe(0);
    expect(existsSync(join(app, 'dist/src/main.bundle.js'))).toBe(true);
    const check = spawnSync(process.execPath, [join(app, 'dist/src/cli/evse.js'), 'config', 'check', join(root, 'etc/evse/config.yaml')], { encoding: 'utf8' });
    expect(check.stdout).toMatch(/^OK: .*EVSE-CHANGE-ME, hal rpi, 1 connector/);
    expect(check.status).toBe(0);
  }, 120_000);
});
