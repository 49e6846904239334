// Residual current monitor (RDC-DD / RCM module) on a trip input, with an optional test output
// (REFERENCE.md 3). Owns: the trip level and its edges, and the self-test (drive test, expect a trip, release,
// expect recovery) timed on the injected clock. Must not: open the contactor or latch the trip (the app's
// fault registry does); an unreadable trip input counts as tripped (fail safe).
//
// Trip at once, clear slowly. The trip input is watched WITHOUT debounce (GpioBank input debounce: false):
// onoff's debounce is trailing (it waits until edges stop), so a chattering or pulsed output would postpone
// the trip without limit. Every edge callback carries the level read right after the edge; the first read
// that shows tripped is reported at once (CB opens at once; a spurious trip only opens the contactor).
// We do not wait ~1 ms for SE's second read: that would delay every real trip. A pulse shorter than the
// interrupt-to-read latency can be missed (as SE's double read rejects it); a module with a short pulse
// output needs a latching input. The way back is debounced: "not tripped" is reported only after the line
// has read normal for clearAfterMs with no edge in between, confirmed by a fresh read.

import type { Clock } from '../clock.js';
import { HalError } from '../errors.js';
import { Subject } from '../observable.js';
import type { DeviceFaultEvent, RcmFault, RcmState, ResidualCurrentMonitor } from '../types.js';
import type { InputPin, OutputPin } from './gpio.js';

export interface RcmSelfTestTimings {
  /** The trip output must follow the test output within this, ms (SE holds its test pin 1 s). */
  tripWithinMs: number;
  /** After the test output is released the trip output must return to normal within this, ms. */
  recoverWithinMs: number;
}

/** UNVERIFIED defaults: take the real figures from the module's datasheet (REFERENCE.md 3). */
export const DEFAULT_RCM_SELF_TEST: RcmSelfTestTimings = { tripWithinMs: 1000, recoverWithinMs: 2000 };

export interface RcmOptions {
  /** The trip line must read normal this long (no edge) before "not tripped" is reported, ms (default 10). */
  clearAfterMs?: number;
  selfTest?: RcmSelfTestTimings;
}

export class RpiRcm implements ResidualCurrentMonitor {
  readonly capabilities: { selfTest: boolean; dcDetection: boolean };
  readonly changes = new Subject<RcmState>();
  readonly faults = new Subject<DeviceFaultEvent<RcmFault>>();
  private level: boolean;
  private reported: boolean;
  private testing: Promise<boolean> | null = null;
  private inTest = false;
  private failed = false;
  private waiter: (() => void) | null = null;
  private clearTimer: unknown = null;
  private readonly clearAfterMs: number;
  private readonly timings: RcmSelfTestTimings;

  /** `trip` should be an undebounced input (see the header). */
  constructor(
    private readonly trip: InputPin,
    private readonly test: OutputPin | null,
    private readonly clock: Clock,
    opts: RcmOptions = {},
  ) {
    // The wiring this driver is for is an RDC-DD module (IEC 62955, 6 mA DC): config has no field to say otherwise.
    this.capabilities = { selfTest: test !== null, dcDetection: true };
    this.clearAfterMs = opts.clearAfterMs ?? 10;
    this.timings = opts.selfTest ?? DEFAULT_RCM_SELF_TEST;
    this.level = trip.read();
    this.reported = this.level;
    trip.watch(
      (tripped) => this.onEdge(tripped),
      () => this.onEdge(true),
    );
  }

  get tripped(): boolean {
    return this.reported;
  }

  selfTest(): Promise<boolean> {
    const test = this.test;
    if (!test) return Promise.reject(new HalError(this.trip.device, 'no rcd.test output configured (capabilities.selfTest is false)'));
    if (this.testing) return this.testing;
    this.inTest = true;
    this.testing = this.runSelfTest(test).finally(() => {
      this.inTest = false;
      this.testing = null;
      this.report();
    });
    return this.testing;
  }

  /** Shutdown: releases the test output (a self-test in flight then fails) and stops a pending clear. Never throws. */
  releaseTest(): Error | null {
    this.cancelClear();
    try {
      this.test?.set(false);
      return null;
    } catch (err) {
      return err as Error;
    }
  }

  private async runSelfTest(test: OutputPin): Promise<boolean> {
    if (this.level) return this.verdict('tripped before the test started');
    try {
      test.set(true);
    } catch (err) {
      return this.verdict(`test output: ${(err as Error).message}`);
    }
    const tripped = await this.waitFor(true, this.timings.tripWithinMs);
    try {
      test.set(false);
    } catch (err) {
      return this.verdict(`test output: ${(err as Error).message}`);
    }
    if (!tripped) return this.verdict(`no trip within ${this.timings.tripWithinMs} ms of the test output`);
    const recovered = await this.waitFor(false, this.timings.recoverWithinMs);
    if (!recovered) return this.verdict(`still tripped ${this.timings.recoverWithinMs} ms after the test output was released`);
    return this.verdict(null);
  }

  /** Resolves true as soon as the trip level equals `level`, false after `ms`. */
  private waitFor(level: boolean, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (ok: boolean): void => {
        this.clock.clearTimeout(timer);
        this.waiter = null;
        resolve(ok);
      };
      const timer = this.clock.setTimeout(() => done(false), ms);
      this.waiter = () => {
        if (this.level === level) done(true);
      };
      this.waiter();
    });
  }

  private verdict(failure: string | null): boolean {
    if (failure !== null) {
      this.failed = true;
      this.faults.emit({ fault: 'rcm-self-test-failed', active: true, detail: failure });
      return false;
    }
    if (this.failed) {
      this.failed = false;
      this.faults.emit({ fault: 'rcm-self-test-failed', active: false });
    }
    return true;
  }

  /** Tripped: at once. Normal: (re)start the quiet period; a trip edge inside it cancels it. */
  private onEdge(tripped: boolean): void {
    this.cancelClear();
    if (tripped || !this.level) return this.onLevel(tripped);
    if (this.clearAfterMs <= 0) return this.confirmClear();
    this.clearTimer = this.clock.setTimeout(() => this.confirmClear(), this.clearAfterMs);
  }

  private confirmClear(): void {
    this.clearTimer = null;
    let tripped: boolean;
    try {
      tripped = this.trip.read();
    } catch {
      tripped = true; // unreadable: stays tripped (fail safe)
    }
    this.onLevel(tripped);
  }

  private cancelClear(): void {
    if (this.clearTimer === null) return;
    this.clock.clearTimeout(this.clearTimer);
    this.clearTimer = null;
  }

  private onLevel(tripped: boolean): void {
    this.level = tripped;
    this.waiter?.();
    // Trips caused by the self-test are the test's business; the outcome is reported when it ends.
    if (!this.inTest) this.report();
  }

  private report(): void {
    if (this.level === this.reported) return;
    this.reported = this.level;
    this.changes.emit({ tripped: this.level });
  }
}
