// Control pilot front-end on a Pi: 1 kHz CP PWM through sysfs (pwm.ts), the optional +/-12 V stage enable
// GPIO, and the CP measured through peak-hold channels (pilot-sampler.ts) classified by pilot-classify.ts.
// Owns: PilotOutput -> PWM levels (100 % = +12 V, 0 % = -12 V, REFERENCE.md 6), emitting PilotSamples when
// the accepted reading changes (and once after every output change, as a front-end re-samples), 'pilot-io',
// and lastSampleAt (sampler freshness). Detection latency bound: pilot-timing.ts worstDetectionMs.
// Must not: debounce in time or decide anything about charging. setOutput is synchronous.

import type { Clock } from '../clock.js';
import { HalError } from '../errors.js';
import { Subject } from '../observable.js';
import type { ControlPilot, ControlPilotFault, PilotOutput, PilotSample } from '../types.js';
import { FaultLatch } from './fault-latch.js';
import type { OutputPin } from './gpio.js';
import { classify, FRESH_MEMORY, type ClassifierMemory } from './pilot-classify.js';
import type { CpSampler, CpVolts } from './pilot-sampler.js';
import type { SysfsPwm } from './pwm.js';

/** 1 kHz (REFERENCE.md 1.2: period 1000000 ns, duty_cycle = duty% x 10000 ns). */
export const CP_PERIOD_NS = 1_000_000;
/** Leaving PWM: hold 100 % at least one cycle before disabling (REFERENCE.md 6, CB); 2 ms. */
export const LEAVE_PWM_MS = 2;
/** Consecutive failed samples before the CP counts as unknown (one failure may be a glitch). */
export const ADC_FAILURES_BEFORE_INVALID = 2;

export interface RpiPilotParts {
  pwm: SysfsPwm;
  sampler: CpSampler;
  /** Enables the +/-12 V stage; absent when the stage is always on. */
  enable: OutputPin | null;
}

const round = (v: number): number => Math.round(v * 100) / 100;

export class RpiPilot implements ControlPilot {
  readonly capabilities = { canDriveNegative: true, diodeCheck: true };
  readonly samples = new Subject<PilotSample>();
  private readonly latch = new FaultLatch<ControlPilotFault>('pilot-io');
  readonly faults = this.latch.events;
  private current: PilotOutput = { mode: 'steady' };
  private memory: ClassifierMemory = FRESH_MEMORY;
  private force = true;
  private failures = 0;
  private disableTimer: unknown = null;

  constructor(
    readonly device: string,
    private readonly parts: RpiPilotParts,
    private readonly clock: Clock,
  ) {}

  get output(): PilotOutput {
    return this.current;
  }

  /**
   * Clock ms of the last completed ADC sample sequence, good or bad (null before the first): a health check
   * can tell a stalled sampler from a quiet line. Not part of ControlPilot (hal/types.ts).
   */
  get lastSampleAt(): number | null {
    return this.parts.sampler.lastSampleAt;
  }

  /** Configures the PWM at steady +12 V (A / X1), enables the stage and starts sampling. Throws HalError. */
  start(): void {
    const { pwm, enable, sampler } = this.parts;
    pwm.open(CP_PERIOD_NS, CP_PERIOD_NS);
    pwm.setEnabled(true);
    enable?.set(true);
    sampler.start(
      (v) => this.onVolts(v),
      (err) => this.onSampleError(err),
    );
  }

  /** Stops sampling and any pending disable; leaves the output as it is. */
  stop(): void {
    this.parts.sampler.stop();
    this.cancelDisable();
  }

  setOutput(output: PilotOutput): void {
    if (output.mode === 'pwm' && !(output.dutyPercent > 0 && output.dutyPercent < 100)) {
      throw new HalError(this.device, `duty ${output.dutyPercent}% is outside 0-100 (exclusive)`);
    }
    if (!['pwm', 'steady', 'negative', 'off'].includes(output.mode)) {
      throw new HalError(this.device, `unknown output mode ${JSON.stringify(output.mode)}`);
    }
    try {
      this.apply(output);
      this.latch.ok('pwm');
    } catch (err) {
      this.latch.fail('pwm', err); // the output stays what it was; the fault says the line may not follow
      return;
    }
    this.current = output.mode === 'pwm' ? { mode: 'pwm', dutyPercent: output.dutyPercent } : { mode: output.mode };
    // Samples taken under the old output say nothing about the new one: two fresh ones must agree.
    this.parts.sampler.discardInFlight();
    this.memory = { accepted: this.memory.accepted, last: null };
    this.force = true;
  }

  private apply(output: PilotOutput): void {
    const { pwm, enable } = this.parts;
    this.cancelDisable();
    if (output.mode === 'off') {
      enable?.set(false);
      pwm.setDuty(CP_PERIOD_NS); // 100 % for a cycle, then disable (REFERENCE.md 6)
      this.disableTimer = this.clock.setTimeout(() => this.disableNow(), LEAVE_PWM_MS);
      return;
    }
    const duty = output.mode === 'steady' ? CP_PERIOD_NS : output.mode === 'negative' ? 0 : Math.round((output.dutyPercent * CP_PERIOD_NS) / 100);
    pwm.setDuty(duty);
    pwm.setEnabled(true);
    enable?.set(true);
  }

  private disableNow(): void {
    this.disableTimer = null;
    try {
      this.parts.pwm.setEnabled(false);
      this.latch.ok('pwm');
    } catch (err) {
      this.latch.fail('pwm', err);
    }
  }

  private cancelDisable(): void {
    if (this.disableTimer === null) return;
    this.clock.clearTimeout(this.disableTimer);
    this.disableTimer = null;
  }

  private onVolts({ highV, lowV }: CpVolts): void {
    this.failures = 0;
    this.latch.ok('adc');
    const pwmRunning = this.current.mode === 'pwm';
    const step = classify(this.memory, { highV, lowV, pwmRunning }, this.force);
    this.memory = step.memory;
    if (!step.accepted) return;
    this.force = false;
    const { state, diodeOk } = step.accepted;
    this.samples.emit({ state, highV: round(highV), lowV: round(pwmRunning ? lowV : highV), diodeOk });
  }

  /** The CP cannot be read: after repeated failures raise pilot-io and report the level as unknown (fail safe). */
  private onSampleError(err: HalError): void {
    this.memory = { accepted: this.memory.accepted, last: null };
    if (++this.failures < ADC_FAILURES_BEFORE_INVALID) return;
    this.latch.fail('adc', err);
    if (this.memory.accepted?.state === 'invalid') return;
    this.memory = { accepted: { state: 'invalid', diodeOk: null }, last: null };
    this.samples.emit({ state: 'invalid', highV: Number.NaN, lowV: Number.NaN, diodeOk: null });
  }
}
