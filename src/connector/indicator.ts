// LED status indicator: what a driver sees on the wallbox. Maps connector status to colour and pattern,
// and flashes a refusal (red, fast) for a few seconds when a card is refused.
// Must not: influence charging.

import type { Clock } from '../../hal/clock.js';
import type { IndicatorState, StatusIndicator } from '../../hal/types.js';
import type { OcppStatus } from '../../state-machines/connector-logic.js';

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
    if (this.flashTimer !== null) this.clock.clearTimeout(this.flashTimer);
    this.led.set(state);
    this.flashTimer = this.clock.setTimeout(() => {
      this.flashTimer = null;
      this.led.set(STATUS_LED[this.status]);
    }, FLASH_MS);
  }
}
