// Contract every ControlPilot driver must meet (hal/types.ts), run against the simulated and the real
// (Raspberry Pi) front-end. A rig gives the driver, a far end (an EV that plugs, asks for charge, unplugs)
// and a way to let time pass; a front-end that samples needs a few intervals to see a change.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HalError } from '../../hal/errors.js';
import type { ControlPilot, PilotOutput, PilotSample } from '../../hal/types.js';

export interface PilotRig {
  pilot: ControlPilot;
  /** Lets `ms` of driver time pass (timers fire, promise callbacks run). */
  settle(ms: number): Promise<void>;
  /** The far end: plug an EV in (B), have it ask for charge (C while PWM runs), or unplug it (A). */
  ev(action: 'plug' | 'charge' | 'unplug'): void;
  dispose(): Promise<void>;
}

/** Long enough for any front-end to confirm a new level (the real one needs two samples of 20 ms). */
const SEE = 200;

export function describePilotContract(name: string, makeRig: () => PilotRig | Promise<PilotRig>): void {
  describe(`ControlPilot contract: ${name}`, () => {
    let rig: PilotRig;
    let seen: PilotSample[];
    const last = (): PilotSample | undefined => seen.at(-1);
    beforeEach(async () => {
      rig = await makeRig();
      seen = [];
      rig.pilot.samples.on((s) => seen.push(s));
    });
    afterEach(() => rig.dispose());

    it('GIVEN a new driver WHEN created THEN it drives steady +12 V and declares its capabilities', () => {
      expect(rig.pilot.output).toEqual({ mode: 'steady' });
      expect(typeof rig.pilot.capabilities.canDriveNegative).toBe('boolean');
      expect(typeof rig.pilot.capabilities.diodeCheck).toBe('boolean');
    });

    it.each<PilotOutput>([{ mode: 'pwm', dutyPercent: 10 }, { mode: 'pwm', dutyPercent: 96 }, { mode: 'negative' }, { mode: 'off' }, { mode: 'steady' }])(
      'GIVEN a pilot WHEN setOutput(%o) returns THEN output is already that output',
      (output) => {
        if (output.mode === 'negative' && !rig.pilot.capabilities.canDriveNegative) return;
        rig.pilot.setOutput(output);
        expect(rig.pilot.output).toEqual(output);
      },
    );

    it.each([0, 100, -5, 120, Number.NaN])('GIVEN PWM at 26.7 percent WHEN duty %s is commanded THEN a HalError names the pilot and PWM stays', (duty) => {
      rig.pilot.setOutput({ mode: 'pwm', dutyPercent: 26.7 });
      const attempt = (): void => rig.pilot.setOutput({ mode: 'pwm', dutyPercent: duty });
      expect(attempt).toThrow(HalError);
      try {
        attempt();
      } catch (err) {
        expect((err as HalError).device).toMatch(/pilot/i);
      }
      expect(rig.pilot.output).toEqual({ mode: 'pwm', dutyPercent: 26.7 });
    });

    it('GIVEN steady +12 V and no EV WHEN an EV is plugged in THEN a B sample at about 9 V follows, lowV = highV, no diode check', async () => {
      await rig.settle(SEE);
      rig.ev('plug');
      await rig.settle(SEE);
      expect(last()).toMatchObject({ state: 'B', diodeOk: null });
      expect(last()!.highV).toBeCloseTo(9, 0);
      expect(last()!.lowV).toBe(last()!.highV);
    });

    it('GIVEN an EV in B WHEN PWM runs and the EV asks for charge THEN C follows with the diode seen at about -12 V', async () => {
      rig.ev('plug');
      await rig.settle(SEE);
      rig.pilot.setOutput({ mode: 'pwm', dutyPercent: 26.7 });
      rig.ev('charge');
      await rig.settle(SEE);
      expect(last()).toMatchObject({ state: 'C', diodeOk: rig.pilot.capabilities.diodeCheck ? true : null });
      expect(last()!.highV).toBeCloseTo(6, 0);
      if (rig.pilot.capabilities.diodeCheck) expect(last()!.lowV).toBeLessThan(-10);
    });

    it('GIVEN an EV charging under PWM WHEN it is unplugged THEN A follows', async () => {
      rig.ev('plug');
      rig.pilot.setOutput({ mode: 'pwm', dutyPercent: 53.3 });
      rig.ev('charge');
      await rig.settle(SEE);
      rig.ev('unplug');
      await rig.settle(SEE);
      expect(last()?.state).toBe('A');
    });

    it('GIVEN a pilot that can drive -12 V WHEN it drives negative THEN the line reads F', async () => {
      if (!rig.pilot.capabilities.canDriveNegative) return;
      rig.ev('plug');
      await rig.settle(SEE);
      rig.pilot.setOutput({ mode: 'negative' });
      await rig.settle(SEE);
      expect(last()?.state).toBe('F');
    });

    it('GIVEN a line that stopped changing WHEN time passes THEN no further samples arrive', async () => {
      rig.ev('plug');
      await rig.settle(SEE);
      const count = seen.length;
      await rig.settle(2000);
      expect(seen.length).toBe(count);
      expect(count).toBeGreaterThan(0);
    });

    it('GIVEN samples arriving WHEN a listener unsubscribes THEN it gets no more while others do', async () => {
      const mine: PilotSample[] = [];
      const off = rig.pilot.samples.on((s) => mine.push(s));
      rig.ev('plug');
      await rig.settle(SEE);
      off();
      rig.ev('unplug');
      await rig.settle(SEE);
      expect(mine.map((s) => s.state)).toEqual(['B']);
      expect(last()?.state).toBe('A');
    });
  });
}
