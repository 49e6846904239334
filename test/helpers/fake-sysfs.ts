// A fake sysfs tree in a temporary directory for the Raspberry Pi drivers: gpiochips (base/label/ngpio),
// exported gpioN lines (value/direction/active_low/edge) and pwmchips (export, pwmN/period/duty_cycle/
// enable/polarity). Files hold what the kernel would show; `value` holds the raw (electrical) level.
// The line registry here is what the fake onoff (fake-onoff.ts) talks to: inputs are driven from outside
// with drive(), outputs report writes to onWrite() hooks so tests can wire up "physics" (coil -> mirror).

import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';

export type Bit = 0 | 1;

export interface FakeChip {
  label: string;
  base: number;
  ngpio: number;
}

/** Pi 4 on Bookworm: main bank at 512 (REFERENCE.md 6) and the firmware expander. */
export const PI4_CHIPS: FakeChip[] = [
  { label: 'pinctrl-bcm2711', base: 512, ngpio: 58 },
  { label: 'raspberrypi-exp-gpio', base: 570, ngpio: 8 },
];

export class FakeSysfs {
  readonly root: string;
  readonly gpioRoot: string;
  readonly pwmRoot: string;
  /** Lines whose value reads and writes fail (EIO), as on a broken bus or a pin grabbed by a driver. */
  readonly broken = new Set<number>();
  /** Lines whose open fails after the export went through (onoff: access permission, configuration). */
  readonly failAfterExport = new Set<number>();
  private readonly chips: FakeChip[] = [];
  private readonly writeHooks = new Map<number, Array<(raw: Bit) => void>>();
  private readonly watchers = new Map<number, Set<() => void>>();

  constructor(opts: { chips?: FakeChip[]; pwmChips?: number[] } = {}) {
    this.root = mkdtempSync(join(tmpdir(), 'evse-sysfs-'));
    this.gpioRoot = join(this.root, 'class', 'gpio');
    this.pwmRoot = join(this.root, 'class', 'pwm');
    mkdirSync(this.gpioRoot, { recursive: true });
    mkdirSync(this.pwmRoot, { recursive: true });
    writeFileSync(join(this.gpioRoot, 'export'), '');
    writeFileSync(join(this.gpioRoot, 'unexport'), '');
    for (const c of opts.chips ?? PI4_CHIPS) this.addChip(c);
    for (const p of opts.pwmChips ?? [0]) this.addPwmChip(p);
  }

  addChip(chip: FakeChip): void {
    const dir = join(this.gpioRoot, `gpiochip${chip.base}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'base'), `${chip.base}\n`);
    writeFileSync(join(dir, 'label'), `${chip.label}\n`);
    writeFileSync(join(dir, 'ngpio'), `${chip.ngpio}\n`);
    this.chips.push(chip);
  }

  /** A pwmchip with npwm channels, none exported (the kernel's state after boot with the overlay). */
  addPwmChip(chip: number, npwm = 2): void {
    const dir = join(this.pwmRoot, `pwmchip${chip}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'npwm'), `${npwm}\n`);
    writeFileSync(join(dir, 'export'), '');
    writeFileSync(join(dir, 'unexport'), '');
  }

  /** What `echo N > export` makes the kernel create. */
  exportPwm(chip: number, channel: number): void {
    const dir = this.pwmDir(chip, channel);
    mkdirSync(dir, { recursive: true });
    for (const [f, v] of [['period', '0'], ['duty_cycle', '0'], ['enable', '0'], ['polarity', 'normal']]) writeFileSync(join(dir, f!), `${v}\n`);
  }

  pwmDir(chip: number, channel: number): string {
    return join(this.pwmRoot, `pwmchip${chip}`, `pwm${channel}`);
  }

  pwm(chip = 0, channel = 0): { periodNs: number; dutyNs: number; enabled: boolean; polarity: string } {
    const read = (f: string): string => readFileSync(join(this.pwmDir(chip, channel), f), 'utf8').trim();
    return { periodNs: Number(read('period')), dutyNs: Number(read('duty_cycle')), enabled: read('enable') === '1', polarity: read('polarity') };
  }

  // ----- GPIO lines ------------------------------------------------------------------------------------
  lineExists(line: number): boolean {
    return this.chips.some((c) => line >= c.base && line < c.base + c.ngpio);
  }

  lineDir(line: number): string {
    return join(this.gpioRoot, `gpio${line}`);
  }

  isExported(line: number): boolean {
    return existsSync(this.lineDir(line));
  }

  /** The electrical level of a line (what a scope would show). */
  raw(line: number): Bit {
    return readFileSync(join(this.lineDir(line), 'value'), 'utf8').trim() === '1' ? 1 : 0;
  }

  attr(line: number, file: 'direction' | 'active_low' | 'edge'): string {
    return readFileSync(join(this.lineDir(line), file), 'utf8').trim();
  }

  /** The outside world sets an input's electrical level; watchers see the edge (debounced by the fake onoff). */
  drive(line: number, raw: Bit): void {
    if (!this.isExported(line)) {
      this.pendingInputs.set(line, raw);
      return;
    }
    if (this.raw(line) === raw) return;
    writeFileSync(join(this.lineDir(line), 'value'), `${raw}\n`);
    for (const w of this.watchers.get(line) ?? []) w();
  }

  /** Levels set before the line was exported, applied at export (a switch already closed at boot). */
  readonly pendingInputs = new Map<number, Bit>();

  /** Calls `hook` with the raw level after every write to an output line. */
  onWrite(line: number, hook: (raw: Bit) => void): void {
    this.writeHooks.set(line, [...(this.writeHooks.get(line) ?? []), hook]);
  }

  /** Every level driven onto an output line (including the level set at export), in order. */
  readonly writes: Array<{ line: number; raw: Bit }> = [];

  /** The last level written to an output line (the log, not the pin: see `electrical` for after a release). */
  lastDriven(line: number): Bit | undefined {
    return this.writes.findLast((w) => w.line === line)?.raw;
  }

  /**
   * The level a load on the pin sees: the driven value while the line is exported as an output; otherwise
   * the pin is an input (the Pi's pinctrl returns a freed pin to input) and its pull resistor decides
   * (`pull`: 0 for the default pull-down on BCM 9-27, 1 for the pull-up on BCM 0-8).
   */
  electrical(line: number, pull: Bit): Bit {
    if (this.isExported(line) && this.attr(line, 'direction') === 'out') return this.raw(line);
    return pull;
  }

  // ----- used by the fake onoff ------------------------------------------------------------------------
  written(line: number, raw: Bit): void {
    this.writes.push({ line, raw });
    for (const hook of this.writeHooks.get(line) ?? []) hook(raw);
  }

  watchLine(line: number, fn: () => void): () => void {
    const set = this.watchers.get(line) ?? new Set();
    set.add(fn);
    this.watchers.set(line, set);
    return () => set.delete(fn);
  }

  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/**
 * The kernel's GPIO sysfs rule for a wrapped writeFileSync: writing N to <gpioRoot>/unexport removes gpioN
 * (logged in the unexport file like the fake onoff does). Returns true when it handled the write.
 */
export function applyGpioKernelRules(sysfs: FakeSysfs, path: string, data: unknown): boolean {
  if (path !== join(sysfs.gpioRoot, 'unexport')) return false;
  const line = Number(String(data).trim());
  if (!Number.isInteger(line) || !sysfs.isExported(line)) throw Object.assign(new Error(`EINVAL: write ${path}`), { code: 'EINVAL' });
  rmSync(sysfs.lineDir(line), { recursive: true, force: true });
  appendFileSync(path, `${line}\n`);
  return true;
}

/**
 * The kernel's PWM sysfs rules (sysfs-class-pwm ABI), for a wrapped writeFileSync: duty_cycle may not exceed
 * period, period may not drop below duty_cycle, a channel with period 0 cannot be enabled, polarity changes
 * only while disabled, export of a channel creates its directory. Throws like the kernel (EINVAL/EBUSY).
 */
let inKernel = false;

export function applyPwmKernelRules(sysfs: FakeSysfs, path: string, data: unknown): void {
  const file = basename(path);
  const dir = dirname(path);
  if (inKernel || !dir.startsWith(sysfs.pwmRoot)) return;
  const value = String(data).trim();
  const read = (f: string): string => readFileSync(join(dir, f), 'utf8').trim();
  const fail = (code: string): never => {
    throw Object.assign(new Error(`${code}: write ${path}`), { code });
  };
  if (file === 'export' && /pwmchip(\d+)$/.test(dir)) {
    inKernel = true;
    try {
      sysfs.exportPwm(Number(/pwmchip(\d+)$/.exec(dir)![1]), Number(value));
    } finally {
      inKernel = false;
    }
    return;
  }
  if (!existsSync(path)) return; // the fake creating an attribute, not a write to it
  if (file === 'duty_cycle' && Number(value) > Number(read('period'))) fail('EINVAL');
  if (file === 'period' && Number(value) < Number(read('duty_cycle'))) fail('EINVAL');
  if (file === 'enable' && value === '1' && Number(read('period')) === 0) fail('EINVAL');
  if (file === 'polarity' && read('enable') === '1') fail('EBUSY');
}
