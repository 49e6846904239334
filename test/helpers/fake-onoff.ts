// A fake of onoff's Gpio over the fake sysfs tree (fake-sysfs.ts), with the kernel's export semantics:
// exporting a line outside every gpiochip fails with EINVAL (the Bookworm "echo 27 > export" failure), a
// line already exported is reused (as onoff does), direction 'high'/'low' sets the raw level, value
// reads/writes go through active_low, and watch() delivers edges after onoff's trailing debounce (or at
// once, with the level read then, for debounceTimeout 0), timed on the injected clock.

import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../../hal/clock.js';
import { GpioBank, type GpioFactory, type GpioLine, type GpioLineOptions, type LineCallback } from '../../hal/rpi/gpio.js';
import { ManualClock } from '../../hal/sim/index.js';
import { FakeSysfs, type Bit } from './fake-sysfs.js';

const ioError = (code: string, what: string): Error => Object.assign(new Error(`${code}: ${what}`), { code });

export class FakeGpio implements GpioLine {
  private readonly dir: string;
  private readonly activeLow: boolean;
  private listeners: LineCallback[] = [];
  private unsubscribe: (() => void) | null = null;
  private debounceTimer: unknown = null;
  private exported = true;

  constructor(
    private readonly sysfs: FakeSysfs,
    private readonly clock: Clock,
    readonly line: number,
    readonly direction: 'in' | 'high' | 'low',
    readonly edge: 'none' | 'both',
    readonly options: GpioLineOptions,
  ) {
    if (!sysfs.lineExists(line)) throw ioError('EINVAL', `invalid argument, write '${line}' to ${join(sysfs.gpioRoot, 'export')}`);
    this.dir = sysfs.lineDir(line);
    if (!existsSync(this.dir)) this.export();
    // onoff exports first, then waits for permissions, configures and opens `value`: any of those can throw.
    if (sysfs.failAfterExport.has(line)) throw ioError('EACCES', `permission denied, open '${join(this.dir, 'value')}'`);
    this.activeLow = options.activeLow;
    writeFileSync(join(this.dir, 'active_low'), options.activeLow ? '1\n' : '0\n');
    writeFileSync(join(this.dir, 'direction'), direction === 'in' ? 'in\n' : 'out\n');
    if (direction !== 'in') {
      writeFileSync(join(this.dir, 'value'), direction === 'high' ? '1\n' : '0\n');
      sysfs.written(line, direction === 'high' ? 1 : 0);
    }
    if (direction === 'in') writeFileSync(join(this.dir, 'edge'), `${edge}\n`);
  }

  private export(): void {
    mkdirSync(this.dir);
    const pending = this.sysfs.pendingInputs.get(this.line) ?? 0;
    for (const [f, v] of [['value', String(pending)], ['direction', 'in'], ['active_low', '0'], ['edge', 'none']]) writeFileSync(join(this.dir, f!), `${v}\n`);
    appendFileSync(join(this.sysfs.gpioRoot, 'export'), `${this.line}\n`);
  }

  private check(what: string): void {
    if (!this.exported) throw ioError('EBADF', `${what} on unexported gpio${this.line}`);
    if (this.sysfs.broken.has(this.line)) throw ioError('EIO', `i/o error, ${what} gpio${this.line}/value`);
  }

  readSync(): Bit {
    this.check('read');
    const raw = readFileSync(join(this.dir, 'value'), 'utf8').trim() === '1' ? 1 : 0;
    return (raw ^ (this.activeLow ? 1 : 0)) as Bit;
  }

  writeSync(value: Bit): void {
    this.check('write');
    if (readFileSync(join(this.dir, 'direction'), 'utf8').trim() !== 'out') throw ioError('EPERM', `write to input gpio${this.line}`);
    const raw = (value ^ (this.activeLow ? 1 : 0)) as Bit;
    writeFileSync(join(this.dir, 'value'), `${raw}\n`);
    this.sysfs.written(this.line, raw);
  }

  watch(callback: LineCallback): void {
    this.listeners.push(callback);
    this.unsubscribe ??= this.sysfs.watchLine(this.line, () => this.onEdge());
  }

  /** onoff: lodash.debounce(handler, debounceTimeout), trailing; the value is read when it fires. */
  private onEdge(): void {
    const fire = (): void => {
      this.debounceTimer = null;
      let value: Bit;
      try {
        value = this.readSync();
      } catch (err) {
        for (const l of this.listeners.slice()) l(err as Error, 0);
        return;
      }
      for (const l of this.listeners.slice()) l(null, value);
    };
    const ms = this.options.debounceTimeout ?? 0;
    if (ms <= 0) return fire();
    if (this.debounceTimer !== null) this.clock.clearTimeout(this.debounceTimer);
    this.debounceTimer = this.clock.setTimeout(fire, ms);
  }

  unwatchAll(): void {
    this.listeners = [];
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.debounceTimer !== null) this.clock.clearTimeout(this.debounceTimer);
    this.debounceTimer = null;
  }

  unexport(): void {
    this.unwatchAll();
    this.exported = false;
    rmSync(this.dir, { recursive: true, force: true });
    appendFileSync(join(this.sysfs.gpioRoot, 'unexport'), `${this.line}\n`);
  }
}

export interface FakeOnoff {
  factory: GpioFactory;
  /** Every line opened, in order. */
  readonly opened: FakeGpio[];
}

export function fakeOnoff(sysfs: FakeSysfs, clock: Clock): FakeOnoff {
  const opened: FakeGpio[] = [];
  return {
    opened,
    factory: (line, direction, edge, options) => {
      const gpio = new FakeGpio(sysfs, clock, line, direction, edge, options);
      opened.push(gpio);
      return gpio;
    },
  };
}

/** A GpioBank over a fresh fake tree (Pi 4 chips, base 512) with helpers by BCM number. */
export interface FakeBench {
  sysfs: FakeSysfs;
  clock: ManualClock;
  bank: GpioBank;
  /** Last level driven onto an output, by BCM number. */
  raw(bcm: number): Bit | undefined;
  /** Sets an input's electrical level, by BCM number. */
  drive(bcm: number, level: Bit): void;
  /** Sets an input's level before it is exported. */
  preset(bcm: number, level: Bit): void;
  dispose(): void;
}

export function fakeBench(debounceMs = 10): FakeBench {
  const sysfs = new FakeSysfs();
  const clock = new ManualClock();
  const bank = new GpioBank({ sysfsRoot: sysfs.gpioRoot, chipLabel: 'auto', debounceMs }, fakeOnoff(sysfs, clock).factory);
  const base = 512;
  return {
    sysfs,
    clock,
    bank,
    raw: (bcm) => sysfs.lastDriven(base + bcm),
    drive: (bcm, level) => sysfs.drive(base + bcm, level),
    preset: (bcm, level) => void sysfs.pendingInputs.set(base + bcm, level),
    dispose() {
      bank.releaseAll();
      sysfs.dispose();
    },
  };
}

/** Collects what an Observable emits. */
export function collect<E>(o: { on(listener: (e: E) => void): unknown }): E[] {
  const out: E[] = [];
  o.on((e) => out.push(e));
  return out;
}
