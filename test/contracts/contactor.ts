// Contract every Contactor driver must meet (hal/types.ts; REFERENCE.md 3: the mirror edge follows a
// switching command within 250 ms), run against the simulated and the real (GPIO) contactor.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Contactor, ContactorFault, DeviceFaultEvent } from '../../hal/types.js';
import { TIMING } from '../../state-machines/timing.js';

export interface ContactorRig {
  contactor: Contactor;
  settle(ms: number): Promise<void>;
  dispose(): Promise<void>;
}

export function describeContactorContract(name: string, makeRig: () => ContactorRig | Promise<ContactorRig>): void {
  describe(`Contactor contract: ${name}`, () => {
    let rig: ContactorRig;
    let c: Contactor;
    let edges: boolean[];
    let faults: DeviceFaultEvent<ContactorFault>[];
    beforeEach(async () => {
      rig = await makeRig();
      c = rig.contactor;
      edges = [];
      faults = [];
      c.feedback.on((f) => edges.push(f.closed));
      c.faults.on((f) => faults.push(f));
    });
    afterEach(() => rig.dispose());

    it('GIVEN a new driver WHEN created THEN it is commanded open and the mirror (if any) reads open', () => {
      expect(c.commandedClosed).toBe(false);
      expect(c.feedbackClosed).toBe(c.capabilities.hasFeedback ? false : null);
    });

    it('GIVEN an open contactor WHEN close() and open() return THEN commandedClosed already follows each', () => {
      c.close();
      expect(c.commandedClosed).toBe(true);
      c.open();
      expect(c.commandedClosed).toBe(false);
    });

    it('GIVEN a contactor with a mirror WHEN closed then opened THEN one edge each, within 250 ms, and feedbackClosed follows', async () => {
      if (!c.capabilities.hasFeedback) return;
      c.close();
      await rig.settle(TIMING.contactorFeedback);
      expect(edges).toEqual([true]);
      expect(c.feedbackClosed).toBe(true);
      c.open();
      await rig.settle(TIMING.contactorFeedback);
      expect(edges).toEqual([true, false]);
      expect(c.feedbackClosed).toBe(false);
    });

    it('GIVEN a closed contactor WHEN close() is repeated THEN no further edge is reported', async () => {
      c.close();
      await rig.settle(TIMING.contactorFeedback);
      c.close();
      await rig.settle(TIMING.contactorFeedback);
      expect(edges).toEqual(c.capabilities.hasFeedback ? [true] : []);
    });

    it('GIVEN working I/O WHEN switched back and forth THEN no fault is reported', async () => {
      for (let i = 0; i < 3; i++) {
        c.close();
        await rig.settle(50);
        c.open();
        await rig.settle(50);
      }
      expect(faults).toEqual([]);
    });
  });
}
