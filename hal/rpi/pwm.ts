// One hardware PWM channel through sysfs (/sys/class/pwm/pwmchipN/pwmM, kernel sysfs-class-pwm ABI):
// period and duty_cycle in ns (duty <= period at every write), enable, polarity (REFERENCE.md 6).
// Owns: exporting the channel, ordering period/duty writes, skipping writes that change nothing.
// Must not: know what the levels mean on the CP line (pilot.ts does). Every write is synchronous.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PwmConfig } from '../config.js';
import { HalError } from '../errors.js';
import { errText } from './optional-import.js';

export class SysfsPwm {
  readonly chipDir: string;
  readonly dir: string;
  private period = 0;
  private duty = 0;
  private enabled = false;

  constructor(
    private readonly cfg: PwmConfig,
    readonly device: string,
  ) {
    this.chipDir = join(cfg.sysfsRoot, `pwmchip${cfg.chip}`);
    this.dir = join(this.chipDir, `pwm${cfg.channel}`);
  }

  get periodNs(): number {
    return this.period;
  }

  get dutyNs(): number {
    return this.duty;
  }

  get isEnabled(): boolean {
    return this.enabled;
  }

  /** Exports the channel if needed and configures it, disabled first (CB: disable before reconfiguring). */
  open(periodNs: number, dutyNs: number): void {
    if (!existsSync(this.chipDir)) {
      throw new HalError(this.device, `no ${this.chipDir}: enable hardware PWM (dtoverlay=pwm,pin=18,func=2 or dtoverlay=pwm-2chan)`);
    }
    if (!existsSync(this.dir)) {
      this.write(join(this.chipDir, 'export'), String(this.cfg.channel));
      if (!existsSync(this.dir)) throw new HalError(this.device, `exported channel ${this.cfg.channel} but ${this.dir} did not appear`);
    }
    this.enabled = this.readText('enable') === '1';
    this.setEnabled(false);
    const polarity = join(this.dir, 'polarity');
    if (existsSync(polarity) && this.readText('polarity') !== 'normal') this.write(polarity, 'normal');
    this.period = this.readNumber('period');
    this.duty = this.readNumber('duty_cycle');
    this.configure(periodNs, dutyNs);
  }

  /** Sets period and duty, ordered so that duty <= period holds after each write. */
  configure(periodNs: number, dutyNs: number): void {
    if (!(dutyNs >= 0 && dutyNs <= periodNs)) throw new HalError(this.device, `duty ${dutyNs} ns is outside 0..${periodNs} ns`);
    if (periodNs === this.period) return this.setDuty(dutyNs);
    if (periodNs >= this.duty) {
      this.writeNumber('period', periodNs);
      this.period = periodNs;
      this.setDuty(dutyNs);
    } else {
      this.setDuty(dutyNs);
      this.writeNumber('period', periodNs);
      this.period = periodNs;
    }
  }

  setDuty(dutyNs: number): void {
    if (dutyNs === this.duty) return;
    if (!(dutyNs >= 0 && dutyNs <= this.period)) throw new HalError(this.device, `duty ${dutyNs} ns is outside 0..${this.period} ns`);
    this.writeNumber('duty_cycle', dutyNs);
    this.duty = dutyNs;
  }

  setEnabled(on: boolean): void {
    if (on === this.enabled) return;
    this.write(join(this.dir, 'enable'), on ? '1' : '0');
    this.enabled = on;
  }

  private writeNumber(file: string, value: number): void {
    this.write(join(this.dir, file), String(Math.round(value)));
  }

  private write(path: string, value: string): void {
    try {
      writeFileSync(path, value);
    } catch (err) {
      throw new HalError(this.device, `writing ${value} to ${path} failed: ${errText(err)}`, { cause: err });
    }
  }

  private readText(file: string): string {
    const path = join(this.dir, file);
    try {
      return readFileSync(path, 'utf8').trim();
    } catch (err) {
      throw new HalError(this.device, `cannot read ${path} (${errText(err)})`, { cause: err });
    }
  }

  private readNumber(file: string): number {
    const n = Number(this.readText(file));
    if (!Number.isInteger(n) || n < 0) throw new HalError(this.device, `${join(this.dir, file)} holds no ns value`);
    return n;
  }
}
