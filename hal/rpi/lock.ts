// Connector (cable) lock: a DC motor on an H-bridge driven by two outputs (motorA drives towards locked,
// motorB towards unlocked) for pulseMs, with an optional position switch on a debounced input.
// Owns: the motor pulse on the injected clock (never both sides on at once), feedback edges, 'lock-io'.
// Must not: decide when to lock (the connector machine does) or fake feedback it cannot read.

import type { Clock } from '../clock.js';
import { Subject } from '../observable.js';
import type { ConnectorLock, ConnectorLockFault, LockFeedback } from '../types.js';
import { FaultLatch } from './fault-latch.js';
import type { InputPin, OutputPin } from './gpio.js';

export class RpiLock implements ConnectorLock {
  readonly capabilities: { hasFeedback: boolean };
  readonly feedback = new Subject<LockFeedback>();
  private readonly latch = new FaultLatch<ConnectorLockFault>('lock-io');
  readonly faults = this.latch.events;
  private timer: unknown = null;
  private position: boolean | null;

  constructor(
    private readonly motorA: OutputPin,
    private readonly motorB: OutputPin,
    private readonly sensor: InputPin | null,
    private readonly pulseMs: number,
    private readonly clock: Clock,
  ) {
    this.capabilities = { hasFeedback: sensor !== null };
    this.position = sensor ? sensor.read() : null;
    sensor?.watch(
      (locked) => this.onSensor(locked),
      (err) => this.latch.fail('feedback', err),
    );
  }

  /** The position switch's level (null without one). */
  get lockedNow(): boolean | null {
    return this.position;
  }

  lock(): void {
    this.pulse(this.motorA, this.motorB);
  }

  unlock(): void {
    this.pulse(this.motorB, this.motorA);
  }

  /** Stops any running pulse: both motor outputs off. Never throws; returns the failure if any. */
  stop(): Error | null {
    this.cancelTimer();
    return this.motorsOff();
  }

  private pulse(on: OutputPin, other: OutputPin): void {
    this.cancelTimer();
    try {
      other.set(false); // the opposite side first: never both on (a short across the H-bridge)
      on.set(true);
    } catch (err) {
      this.latch.fail('motor', err);
      this.motorsOff();
      return;
    }
    this.latch.ok('motor');
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.motorsOff();
    }, this.pulseMs);
  }

  private motorsOff(): Error | null {
    let failure: Error | null = null;
    for (const side of [this.motorA, this.motorB]) {
      try {
        side.set(false);
      } catch (err) {
        failure ??= err as Error;
        this.latch.fail('motor', err);
      }
    }
    return failure;
  }

  private cancelTimer(): void {
    if (this.timer === null) return;
    this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private onSensor(locked: boolean): void {
    this.latch.ok('feedback');
    if (locked === this.position) return;
    this.position = locked;
    this.feedback.emit({ locked });
  }
}
