// Status LED: up to three GPIO outputs (red, green, blue) mixed into the colours the interface lists, and
// blink/pulse patterns timed on the injected clock. Owns: colour mixing, patterns, declaring which colours
// the fitted LEDs can show. Must not: choose colours for charging states (the app does).

import type { Clock } from '../clock.js';
import { HalError } from '../errors.js';
import type { IndicatorColour, IndicatorPattern, IndicatorState, StatusIndicator } from '../types.js';
import type { OutputPin } from './gpio.js';

type Channel = 'red' | 'green' | 'blue';

/** Which LEDs each colour lights. */
const MIX: Record<IndicatorColour, readonly Channel[]> = {
  off: [],
  red: ['red'],
  green: ['green'],
  blue: ['blue'],
  yellow: ['red', 'green'],
  white: ['red', 'green', 'blue'],
};

/** [on ms, off ms]; null = steadily on. A GPIO LED cannot fade, so 'pulse' is a short heartbeat flash. */
const PATTERNS: Record<IndicatorPattern, readonly [number, number] | null> = {
  solid: null,
  'slow-blink': [500, 500],
  'fast-blink': [125, 125],
  pulse: [150, 850],
};

export class RpiIndicator implements StatusIndicator {
  readonly capabilities: { colours: readonly IndicatorColour[] };
  private current: IndicatorState = { colour: 'off', pattern: 'solid' };
  private timer: unknown = null;

  constructor(
    private readonly leds: Partial<Record<Channel, OutputPin>>,
    private readonly clock: Clock,
    /** Where a failed LED write inside a blink timer goes (nothing to throw to there). */
    private readonly onError: (err: unknown) => void,
  ) {
    const colours = (Object.keys(MIX) as IndicatorColour[]).filter((c) => MIX[c].every((ch) => leds[ch] !== undefined));
    this.capabilities = { colours };
  }

  get state(): IndicatorState {
    return this.current;
  }

  /** Shows a state now. Throws HalError for a colour the fitted LEDs cannot mix, or a failed write. */
  set(state: IndicatorState): void {
    if (!this.capabilities.colours.includes(state.colour)) {
      throw new HalError('indicator', `colour ${state.colour} needs LEDs that are not configured; available: ${this.capabilities.colours.join(', ')}`);
    }
    const timing = PATTERNS[state.pattern];
    if (timing === undefined) throw new HalError('indicator', `unknown pattern ${String(state.pattern)}`);
    this.cancel();
    this.show(state.colour, true);
    this.current = { colour: state.colour, pattern: state.pattern };
    if (timing && state.colour !== 'off') this.blink(state.colour, timing, true);
  }

  /** All LEDs off, pattern stopped. Never throws; returns the failure if any. */
  off(): Error | null {
    this.cancel();
    try {
      this.show('off', false);
      this.current = { colour: 'off', pattern: 'solid' };
      return null;
    } catch (err) {
      return err as Error;
    }
  }

  private blink(colour: IndicatorColour, [onMs, offMs]: readonly [number, number], lit: boolean): void {
    this.timer = this.clock.setTimeout(
      () => {
        this.timer = null;
        try {
          this.show(colour, !lit);
          this.blink(colour, [onMs, offMs], !lit);
        } catch (err) {
          this.onError(err);
        }
      },
      lit ? onMs : offMs,
    );
  }

  private show(colour: IndicatorColour, lit: boolean): void {
    for (const channel of ['red', 'green', 'blue'] as const) {
      this.leds[channel]?.set(lit && MIX[colour].includes(channel));
    }
  }

  private cancel(): void {
    if (this.timer === null) return;
    this.clock.clearTimeout(this.timer);
    this.timer = null;
  }
}
