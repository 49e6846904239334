// Contactor on a GPIO coil output, with an optional auxiliary (mirror) contact on a debounced input
// (REFERENCE.md 3: feedback none|no|nc with 10 ms debounce; the sense is the pin's activeLow).
// Owns: driving the coil synchronously, reporting mirror edges and coil/mirror I/O failures as 'contactor-io'.
// Must not: judge feedback timing or welds (the connector machine does), or retry a failed write silently.

import { Subject } from '../observable.js';
import type { Contactor, ContactorCapabilities, ContactorFault, ContactorFeedback } from '../types.js';
import { FaultLatch } from './fault-latch.js';
import type { InputPin, OutputPin } from './gpio.js';

export class RpiContactor implements Contactor {
  readonly capabilities: ContactorCapabilities;
  readonly feedback = new Subject<ContactorFeedback>();
  private readonly latch = new FaultLatch<ContactorFault>('contactor-io');
  readonly faults = this.latch.events;
  private commanded = false;
  private mirrorClosed: boolean | null;

  /** The coil must already be at its inactive level (GpioBank.output does that). */
  constructor(
    private readonly coil: OutputPin,
    private readonly mirror: InputPin | null,
  ) {
    this.capabilities = { hasFeedback: mirror !== null };
    // REFERENCE.md 3: the mirror is checked once at start-up; an unreadable mirror fails creation.
    this.mirrorClosed = mirror ? mirror.read() : null;
    mirror?.watch(
      (closed) => this.onMirror(closed),
      (err) => this.latch.fail('mirror', err),
    );
  }

  get commandedClosed(): boolean {
    return this.commanded;
  }

  get feedbackClosed(): boolean | null {
    return this.mirrorClosed;
  }

  close(): void {
    this.commanded = true;
    this.drive(true);
  }

  open(): void {
    this.commanded = false;
    this.drive(false);
  }

  /** Emergency path (process exit): coil off, never throws; returns the failure if any. */
  forceOff(): Error | null {
    this.commanded = false;
    try {
      this.coil.set(false);
      return null;
    } catch (err) {
      return err as Error;
    }
  }

  private drive(closed: boolean): void {
    try {
      this.coil.set(closed);
      this.latch.ok('coil');
    } catch (err) {
      this.latch.fail('coil', err);
    }
  }

  private onMirror(closed: boolean): void {
    this.latch.ok('mirror');
    if (closed === this.mirrorClosed) return; // a bounce that settled where it started
    this.mirrorClosed = closed;
    this.feedback.emit({ closed });
  }
}
