// Contract every StatusIndicator driver must meet (hal/types.ts), run against the simulated LED and the
// real GPIO LEDs: every declared colour in every pattern is accepted and reported back unchanged.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HalError } from '../../hal/errors.js';
import type { IndicatorColour, IndicatorPattern, StatusIndicator } from '../../hal/types.js';

export interface IndicatorRig {
  indicator: StatusIndicator;
  settle(ms: number): Promise<void>;
  dispose(): Promise<void>;
}

const ALL_COLOURS: IndicatorColour[] = ['off', 'green', 'blue', 'yellow', 'red', 'white'];
const PATTERNS: IndicatorPattern[] = ['solid', 'slow-blink', 'fast-blink', 'pulse'];

export function describeIndicatorContract(name: string, makeRig: () => IndicatorRig | Promise<IndicatorRig>): void {
  describe(`StatusIndicator contract: ${name}`, () => {
    let rig: IndicatorRig;
    beforeEach(async () => {
      rig = await makeRig();
    });
    afterEach(() => rig.dispose());

    it('GIVEN an indicator WHEN created THEN it can at least show off', () => {
      expect(rig.indicator.capabilities.colours).toContain('off');
    });

    it('GIVEN every declared colour and pattern WHEN set and time passes THEN state is what was set', async () => {
      for (const colour of rig.indicator.capabilities.colours) {
        for (const pattern of PATTERNS) {
          rig.indicator.set({ colour, pattern });
          await rig.settle(1000);
          expect(rig.indicator.state).toEqual({ colour, pattern });
        }
      }
    });

    it('GIVEN a colour the indicator did not declare WHEN set THEN it throws a HalError and keeps its state', () => {
      const missing = ALL_COLOURS.find((c) => !rig.indicator.capabilities.colours.includes(c));
      if (!missing) return;
      rig.indicator.set({ colour: 'off', pattern: 'solid' });
      expect(() => rig.indicator.set({ colour: missing, pattern: 'solid' })).toThrow(HalError);
      expect(rig.indicator.state).toEqual({ colour: 'off', pattern: 'solid' });
    });
  });
}
