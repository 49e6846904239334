// One named device fault fed by several I/O sources (e.g. pilot-io from the PWM writes and the ADC reads).
// Owns: raising the fault when the first source fails and clearing it when every source works again,
// as DeviceFaultEvents on a Subject. Must not: decide what a fault blocks (the app's fault registry does).

import { Subject } from '../observable.js';
import type { DeviceFaultEvent } from '../types.js';
import { errText } from './optional-import.js';

export class FaultLatch<F extends string> {
  readonly events = new Subject<DeviceFaultEvent<F>>();
  private readonly failing = new Map<string, string>();

  constructor(private readonly fault: F) {}

  get active(): boolean {
    return this.failing.size > 0;
  }

  /** A source failed: raises the fault with the failure as detail, once until it clears. */
  fail(source: string, err: unknown): void {
    const wasActive = this.active;
    this.failing.set(source, errText(err));
    if (!wasActive) this.events.emit({ fault: this.fault, active: true, detail: `${source}: ${errText(err)}` });
  }

  /** A source worked: clears the fault once no source is failing. */
  ok(source: string): void {
    if (!this.failing.delete(source)) return;
    if (!this.active) this.events.emit({ fault: this.fault, active: false });
  }
}
