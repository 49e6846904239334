// GIVEN a fake sysfs tree (Pi 4 chips, base 512; a pwmchip) left by a controller that died with outputs on,
// and a configuration whose hal.gpio.sysfsRoot and pilot.pwm.sysfsRoot point into it, WHEN `evse
// emergency-off` runs THEN every contactor coil is at its electrical off level (active-high: 0 V, active-low:
// high), written before any other output, lock motors and RCD test outputs are off, a running CP PWM is at
// steady +12 V, one line per action, exit 0 only when every coil is off. node:fs writeFileSync is wrapped so
// each write under the GPIO class behaves like the kernel (gpio-kernel.ts); the PWM attributes follow the
// kernel's PWM rules (fake-sysfs.ts).

import type * as fs from 'node:fs';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { applyPwmKernelRules, FakeSysfs, PI4_CHIPS, type FakeChip } from '../../../helpers/fake-sysfs.js';
import { gpioKernelWrite, presetLine, type GpioKernel } from './gpio-kernel.js';
import { runCli } from './installer-io.js';

const hook = vi.hoisted(() => ({ write: null as null | ((path: string, data: unknown) => boolean) }));
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof fs>();
  const writeFileSync = (path: fs.PathOrFileDescriptor, data: string | NodeJS.ArrayBufferView, options?: fs.WriteFileOptions): void => {
    if (hook.write?.(String(path), data)) return;
    real.writeFileSync(path, data, options);
  };
  return { ...real, default: { ...real, writeFileSync }, writeFileSync };
});

const BASE = 512;
const PERIOD = 1_000_000;
let sysfs: FakeSysfs;
let kernel: GpioKernel;
let dir: string;

function setup(chips: FakeChip[] = PI4_CHIPS): void {
  sysfs = new FakeSysfs({ chips });
  kernel = { denyAccess: 0, readOnly: new Set(), log: [] };
  hook.write = (path, data) => {
    applyPwmKernelRules(sysfs, path, data);
    return gpioKernelWrite(sysfs, kernel, path, data);
  };
}
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'evse-eoff-'))));
afterEach(() => {
  hook.write = null;
  sysfs.dispose();
  rmSync(dir, { recursive: true, force: true });
});

interface Pins {
  coil1: number;
  coil2: number;
  chipLabel?: string;
  extra?: string;
}
/** Connector 1: socket, active-high coil, lock on 5/6, RCD test on 23, PWM channel 0. Connector 2: tethered, active-low coil, channel 1. */
function writeConfig({ coil1, coil2, chipLabel = 'auto', extra = '' }: Pins = { coil1: 17, coil2: 26 }): string {
  const adc = (dev: string) => `{ type: mcp3008, device: ${dev} }`;
  const path = join(dir, 'config.yaml');
  writeFileSync(
    path,
    `connectors: [{ id: 1, tethered: false }, { id: 2, tethered: true }]
${extra}
hal:
  driver: rpi
  gpio: { sysfsRoot: ${sysfs.gpioRoot}, chipLabel: ${chipLabel} }
  connectors:
    - pilot: { pwm: { sysfsRoot: ${sysfs.pwmRoot}, chip: 0, channel: 0 }, adc: ${adc('/dev/spidev0.0')} }
      contactor: { coil: ${coil1} }
      rcd: { trip: 22, test: 23 }
      lock: { motorA: 5, motorB: 6 }
    - pilot: { pwm: { sysfsRoot: ${sysfs.pwmRoot}, chip: 0, channel: 1 }, adc: ${adc('/dev/spidev0.1')} }
      contactor: { coil: { pin: ${coil2}, activeLow: true } }
      rcd: { trip: 4 }
`,
  );
  return path;
}

/** A PWM channel as the controller leaves it while charging: enabled at `duty`. */
function runningPwm(channel: number, duty: number, polarity = 'normal'): void {
  sysfs.exportPwm(0, channel);
  const d = sysfs.pwmDir(0, channel);
  for (const [f, v] of [['period', PERIOD], ['duty_cycle', duty], ['polarity', polarity], ['enable', 1]] as const) writeFileSync(join(d, f), `${v}\n`);
}

const line = (bcm: number) => BASE + bcm;
const gpioWrites = () => kernel.log.filter(([p]) => /gpio\d+\/(direction|value)$/.test(p)).map(([p, t]) => `${/gpio(\d+)/.exec(p)![1]}:${t}`);
const emergencyOff = (config: string) => runCli(['emergency-off', '--config', config]);

describe('evse emergency-off drives the coils off', () => {
  it('GIVEN both coils energised on exported lines (active high and active low) WHEN run THEN both are at their off level, written first, exit 0', async () => {
    setup();
    presetLine(sysfs, line(17), { exported: true, raw: 1 }); // active high: 1 = energised
    presetLine(sysfs, line(26), { exported: true, raw: 0, activeLow: false }); // active low, active_low file stale
    presetLine(sysfs, line(5), { exported: true, raw: 1 }); // lock motor running
    presetLine(sysfs, line(23), { exported: true, raw: 1 }); // RCD test output on
    runningPwm(0, PERIOD / 2);
    runningPwm(1, PERIOD / 4);
    const r = await emergencyOff(writeConfig());
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    expect(sysfs.raw(line(17))).toBe(0);
    expect(sysfs.raw(line(26))).toBe(1);
    expect(sysfs.attr(line(26), 'active_low')).toBe('1');
    expect(gpioWrites().slice(0, 2)).toEqual([`${line(17)}:low`, `${line(26)}:high`]);
    expect(sysfs.raw(line(5))).toBe(0);
    expect(sysfs.raw(line(6))).toBe(0);
    expect(sysfs.raw(line(23))).toBe(0);
    expect(sysfs.pwm(0, 0)).toMatchObject({ dutyNs: PERIOD, periodNs: PERIOD, enabled: true });
    expect(sysfs.pwm(0, 1)).toMatchObject({ dutyNs: PERIOD, enabled: true });
    expect(r.out).toEqual(
      expect.arrayContaining([
        'emergency-off: gpio: gpiochip512 (pinctrl-bcm2711), base 512',
        'emergency-off: coil 1 GPIO17 (line 529): off: driven low (active high)',
        'emergency-off: coil 2 GPIO26 (line 538): off: driven high (active low)',
        'emergency-off: lock 1 motorB GPIO6 (line 518): off: exported, driven low (active high)',
        'emergency-off: pilot 1 pwmchip0/pwm0: steady +12 V (duty_cycle 1000000 ns, period 1000000 ns)',
        'emergency-off: 2 of 2 coils off',
      ]),
    );
  });

  it('GIVEN coils energised on lines no longer exported WHEN run THEN they are exported and driven off, active_low as configured', async () => {
    setup();
    presetLine(sysfs, line(17), { exported: false, raw: 1 }); // a freed pin: an input, its pull-up energises the coil
    presetLine(sysfs, line(26), { exported: false, raw: 0 }); // active low: the pull-down (0 V) energises it
    const r = await emergencyOff(writeConfig());
    expect(r.code).toBe(0);
    expect(sysfs.raw(line(17))).toBe(0);
    expect(sysfs.raw(line(26))).toBe(1);
    expect([sysfs.attr(line(17), 'active_low'), sysfs.attr(line(26), 'active_low')]).toEqual(['0', '1']);
    expect([sysfs.attr(line(17), 'direction'), sysfs.attr(line(26), 'direction')]).toEqual(['out', 'out']);
    expect(r.out).toContain('emergency-off: coil 2 GPIO26 (line 538): off: exported, driven high (active low)');
  });

  it('GIVEN udev still granting access to a freshly exported line WHEN run THEN the write is retried and the coil goes off', async () => {
    setup();
    presetLine(sysfs, line(17), { exported: false, raw: 1 });
    presetLine(sysfs, line(26), { exported: true, raw: 1, activeLow: true });
    kernel.denyAccess = 3;
    const r = await emergencyOff(writeConfig());
    expect(r.code).toBe(0);
    expect(kernel.denyAccess).toBe(0);
    expect(sysfs.raw(line(17))).toBe(0);
  });

  it('GIVEN a direction attribute the service may not write WHEN run THEN active_low and logical value 0 turn the coil off', async () => {
    setup();
    presetLine(sysfs, line(17), { exported: true, raw: 1 });
    presetLine(sysfs, line(26), { exported: true, raw: 0, activeLow: false });
    for (const bcm of [5, 6, 23]) presetLine(sysfs, line(bcm), { exported: true, raw: 0 });
    kernel.readOnly.add('direction');
    const r = await emergencyOff(writeConfig());
    expect(r.code).toBe(0);
    expect(sysfs.raw(line(17))).toBe(0);
    expect(sysfs.raw(line(26))).toBe(1); // value 0 through active_low 1: raw high
    expect(r.out.find((l) => l.includes('coil 2'))).toMatch(/off: value 0 written \(active low; direction high failed: EACCES/);
  });
});

describe('evse emergency-off keeps going past a failure', () => {
  it('GIVEN connector 1 coil line failing (EIO) WHEN run THEN connector 2 coil is still off and the rest done, exit 1', async () => {
    setup();
    presetLine(sysfs, line(17), { exported: true, raw: 1 });
    presetLine(sysfs, line(26), { exported: true, raw: 0, activeLow: true });
    sysfs.broken.add(line(17));
    runningPwm(0, PERIOD / 2);
    const r = await emergencyOff(writeConfig());
    expect(r.code).toBe(1);
    expect(sysfs.raw(line(26))).toBe(1);
    expect(sysfs.raw(line(5))).toBe(0);
    expect(sysfs.pwm(0, 0).dutyNs).toBe(PERIOD);
    expect(r.out.find((l) => l.includes('coil 1'))).toMatch(/^emergency-off: coil 1 GPIO17 \(line 529\): FAILED: direction low: EIO.*value 0: EIO/);
    expect(r.out).toContain('emergency-off: 1 of 2 coils off');
    expect(r.err).toEqual(['evse: emergency-off: 1 of 2 contactor coil(s) may still be energised']);
  });

  it('GIVEN connector 1 coil on a GPIO its chip does not have WHEN run THEN connector 2 coil is still off, exit 1', async () => {
    setup([{ label: 'pinctrl-test', base: 100, ngpio: 20 }]);
    presetLine(sysfs, 100 + 17, { exported: true, raw: 0, activeLow: true });
    const r = await emergencyOff(writeConfig({ coil1: 26, coil2: 17, chipLabel: 'pinctrl-test' }));
    expect(r.code).toBe(1);
    expect(sysfs.raw(100 + 17)).toBe(1);
    expect(r.out).toContain('emergency-off: coil 1 GPIO26: FAILED: gpio: BCM 26 is not a line of gpiochip100 (pinctrl-test, 20 lines)');
    expect(r.out).toContain('emergency-off: coil 2 GPIO17 (line 117): off: driven high (active low)');
  });

  it('GIVEN no gpiochip matches WHEN run THEN every coil FAILs with the reason, the CP is still set, exit 1', async () => {
    setup([{ label: 'raspberrypi-exp-gpio', base: 570, ngpio: 8 }]);
    runningPwm(0, PERIOD / 2);
    const r = await emergencyOff(writeConfig());
    expect(r.code).toBe(1);
    expect(r.out.filter((l) => /coil \d GPIO\d+: FAILED: no GPIO numbering/.test(l))).toHaveLength(2);
    expect(r.out.find((l) => l.startsWith('emergency-off: gpio: FAILED'))).toContain('no gpiochip matches');
    expect(sysfs.pwm(0, 0).dutyNs).toBe(PERIOD);
  });
});

describe('evse emergency-off: the CP and the configuration', () => {
  it('GIVEN an inversed running channel, a disabled one WHEN run THEN the first is at duty 0 (+12 V), the second untouched', async () => {
    setup();
    runningPwm(0, PERIOD / 2, 'inversed');
    sysfs.exportPwm(0, 1);
    const r = await emergencyOff(writeConfig());
    expect(r.code).toBe(0);
    expect(sysfs.pwm(0, 0)).toMatchObject({ dutyNs: 0, enabled: true, polarity: 'inversed' });
    expect(sysfs.pwm(0, 1)).toMatchObject({ dutyNs: 0, periodNs: 0, enabled: false });
    expect(r.out).toContain('emergency-off: pilot 2 pwmchip0/pwm1: channel disabled: left as is');
  });

  it('GIVEN the simulated HAL WHEN run THEN nothing is written, exit 0', async () => {
    setup();
    const config = join(dir, 'sim.yaml');
    writeFileSync(config, 'hal: { driver: sim }\n');
    const r = await emergencyOff(config);
    expect(r.code).toBe(0);
    expect(r.out).toEqual([`emergency-off: ${config}, hal sim, 0 hardware connector(s)`, 'emergency-off: hal.driver sim: no hardware outputs to drive']);
    expect(kernel.log).toEqual([]);
  });

  it('GIVEN a file whose ocpp section is broken but hal is valid WHEN run THEN the coils still go off, with a note', async () => {
    setup();
    presetLine(sysfs, line(17), { exported: true, raw: 1 });
    const config = writeConfig({ coil1: 17, coil2: 26, extra: 'ocpp: { url: "http://nope", securityProfile: 0 }' });
    const r = await emergencyOff(config);
    expect(r.code).toBe(0);
    expect(sysfs.raw(line(17))).toBe(0);
    expect(r.out[1]).toMatch(/^emergency-off: .*config\.yaml has \d+ problem\(s\) \(evse config check .*\); its hal section is valid: using it$/);
  });

  it('GIVEN a broken hal section or a missing file WHEN run THEN exit 1 with the problem, nothing written', async () => {
    setup();
    const config = join(dir, 'bad.yaml');
    writeFileSync(config, 'hal: { driver: rpi, connectors: [{ contactor: { coil: 99 } }] }\n');
    const bad = await emergencyOff(config);
    expect(bad.code).toBe(1);
    expect(bad.err.join('\n')).toMatch(/hal\.connectors\[0\]/);
    const missing = await emergencyOff(join(dir, 'none.yaml'));
    expect(missing.code).toBe(1);
    expect(missing.err).toEqual([`evse: ${join(dir, 'none.yaml')}: file not found`]);
    expect(kernel.log).toEqual([]);
  });
});

describe('evse emergency-off stays small', () => {
  const ROOT = resolve(import.meta.dirname, '../../../..');
  /** Every module specifier reachable from `file` through this package's own imports (static and dynamic). */
  function reachable(file: string, seen = new Set<string>(), bare = new Set<string>()): Set<string> {
    if (seen.has(file)) return bare;
    seen.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)) {
      const spec = m[1]!;
      if (spec.startsWith('.')) reachable(resolve(dirname(file), spec.replace(/\.js$/, '.ts')), seen, bare);
      else bare.add(spec);
    }
    return bare;
  }

  it('GIVEN the command module WHEN its imports are followed THEN no hardware package, no HAL driver factory is reachable', () => {
    const bare = [...reachable(join(ROOT, 'src/cli/emergency-off.ts'))];
    expect(bare).toEqual(expect.arrayContaining(['node:fs', 'yaml', 'zod']));
    for (const pkg of ['onoff', 'spi-device', 'i2c-bus', 'mfrc522-rpi', 'serialport', 'modbus-serial', 'sd-notify', 'epoll', 'rpio']) expect(bare).not.toContain(pkg);
    const seen = new Set<string>();
    reachable(join(ROOT, 'src/cli/emergency-off.ts'), seen);
    const halFiles = [...seen].filter((f) => f.includes('/hal/')).map((f) => f.slice(ROOT.length + 1)).sort();
    // hal/clock.ts: a type-only import of the site-balancer checks the config schema runs.
    expect(halFiles).toEqual(['hal/clock.ts', 'hal/config.ts', 'hal/errors.ts', 'hal/rpi/gpio-base.ts', 'hal/rpi/optional-import.ts', 'hal/rpi/pilot-timing.ts']);
  });
});
