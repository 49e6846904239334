// LED status indicator: what a driver sees on the wallbox. Maps connector status to colour and pattern,
// flashes an accepted card (white), and plays a refusal signal per reason (src/auth/refusal.ts
// REFUSAL_BLINKS): N short flashes, a pause, twice, then the status again.
//   red x1 not known (Invalid)   red x2 Blocked   red x3 Expired   red x4 ConcurrentTx (charging elsewhere)
//   yellow x2 CSMS unreachable and unknown cards not allowed offline   yellow x3 CSMS never accepted us
//   red fast blink: unreadable card, no connector free, reserved for another card, standalone allow-list refusal
// Must not: influence charging.

import type { Clock } from '../../hal/clock.js';
import type { IndicatorState, StatusIndicator } from '../../hal/types.js';
import type { OcppStatus } from '../../state-machines/connector-logic.js';
import { REFUSAL_BLINKS, type RefusalReason } from '../auth/refusal.js';

export const STATUS_LED: Record<OcppStatus, IndicatorState> = {
  Available: { colour: 'green', pattern: 'solid' },
  Preparing: { colour: 'blue', pattern: 'slow-blink' },
  Charging: { colour: 'blue', pattern: 'pulse' },
  SuspendedEV: { colour: 'blue', pattern: 'solid' },
  SuspendedEVSE: { colour: 'yellow', pattern: 'solid' },
  Finishing: { colour: 'green', pattern: 'slow-blink' },
  Unavailable: { colour: 'off', pattern: 'solid' },
  Faulted: { colour: 'red', pattern: 'solid' },
};

export const CARD_REFUSED_LED: IndicatorState = { colour: 'red', pattern: 'fast-blink' };
export const CARD_ACCEPTED_LED: IndicatorState = { colour: 'white', pattern: 'fast-blink' };
const FLASH_MS = 3000;

/** One step of a signal: show `state` for `ms`. */
export interface LedStep {
  state: IndicatorState;
  ms: number;
}

const BLINK_ON_MS = 250;
const BLINK_OFF_MS = 250;
const BLINK_PAUSE_MS = 1000;
const BLINK_REPEATS = 2;
const OFF: IndicatorState = { colour: 'off', pattern: 'solid' };

/** The steps of the refusal signal for a reason (see the table at the top). */
export function refusalSignal(reason: RefusalReason): LedStep[] {
  const spec = REFUSAL_BLINKS[reason];
  if (spec === 'fast-red') return [{ state: CARD_REFUSED_LED, ms: FLASH_MS }];
  const once: LedStep[] = [];
  for (let i = 0; i < spec.blinks; i++) {
    once.push({ state: { colour: spec.colour, pattern: 'solid' }, ms: BLINK_ON_MS }, { state: OFF, ms: BLINK_OFF_MS });
  }
  once.push({ state: OFF, ms: BLINK_PAUSE_MS });
  return Array.from({ length: BLINK_REPEATS }, () => once).flat();
}

export class IndicatorDriver {
  private status: OcppStatus = 'Unavailable';
  private flashTimer: unknown = null;

  constructor(
    private readonly led: StatusIndicator,
    private readonly clock: Clock,
  ) {}

  showStatus(status: OcppStatus): void {
    this.status = status;
    if (this.flashTimer === null) this.led.set(STATUS_LED[status]);
  }

  /** Shows a pattern for 3 s, then the status again. */
  flash(state: IndicatorState): void {
    this.play([{ state, ms: FLASH_MS }]);
  }

  /** Plays the refusal signal of `reason`, then the status again. */
  refuse(reason: RefusalReason): void {
    this.play(refusalSignal(reason));
  }

  /** Plays the steps in order (a new signal replaces one still playing), then shows the status. */
  play(steps: readonly LedStep[]): void {
    if (this.flashTimer !== null) this.clock.clearTimeout(this.flashTimer);
    this.flashTimer = null;
    const next = (i: number): void => {
      const step = steps[i];
      if (!step) {
        this.flashTimer = null;
        this.led.set(STATUS_LED[this.status]);
        return;
      }
      this.led.set(step.state);
      this.flashTimer = this.clock.setTimeout(() => next(i + 1), step.ms);
    };
    next(0);
  }
}
