// Contract every ResidualCurrentMonitor driver must meet (hal/types.ts; REFERENCE.md 3), run against the
// simulated RCM and the real one (trip input + test output). The rig's `residual` is residual current on
// the line, which trips the module.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HalError } from '../../hal/errors.js';
import type { ResidualCurrentMonitor } from '../../hal/types.js';

export interface RcmRig {
  rcm: ResidualCurrentMonitor;
  settle(ms: number): Promise<void>;
  residual(on: boolean): void;
  dispose(): Promise<void>;
}

/** Generous time for a self-test to finish (trip, release, recovery). */
const SELF_TEST_MS = 5000;

export function describeRcmContract(name: string, makeRig: () => RcmRig | Promise<RcmRig>): void {
  describe(`ResidualCurrentMonitor contract: ${name}`, () => {
    let rig: RcmRig;
    let changes: boolean[];
    beforeEach(async () => {
      rig = await makeRig();
      changes = [];
      rig.rcm.changes.on((s) => changes.push(s.tripped));
    });
    afterEach(() => rig.dispose());

    const selfTest = async (): Promise<boolean> => {
      const result = rig.rcm.selfTest();
      await rig.settle(SELF_TEST_MS);
      return result;
    };

    it('GIVEN no residual current WHEN created THEN it is not tripped and declares its capabilities', () => {
      expect(rig.rcm.tripped).toBe(false);
      expect(typeof rig.rcm.capabilities.selfTest).toBe('boolean');
      expect(typeof rig.rcm.capabilities.dcDetection).toBe('boolean');
    });

    it('GIVEN a healthy RCM WHEN residual current appears and goes THEN one change each and tripped follows', async () => {
      rig.residual(true);
      await rig.settle(100);
      expect(rig.rcm.tripped).toBe(true);
      rig.residual(true);
      await rig.settle(100);
      rig.residual(false);
      await rig.settle(100);
      expect(rig.rcm.tripped).toBe(false);
      expect(changes).toEqual([true, false]);
    });

    it('GIVEN a healthy RCM with a self-test WHEN self-tested THEN it passes and no trip is reported', async () => {
      if (!rig.rcm.capabilities.selfTest) return;
      expect(await selfTest()).toBe(true);
      expect(rig.rcm.tripped).toBe(false);
      expect(changes).toEqual([]);
    });

    it('GIVEN a tripped RCM WHEN self-tested THEN it fails and stays tripped', async () => {
      if (!rig.rcm.capabilities.selfTest) return;
      rig.residual(true);
      await rig.settle(100);
      expect(await selfTest()).toBe(false);
      expect(rig.rcm.tripped).toBe(true);
    });

    it('GIVEN an RCM without a self-test WHEN self-tested THEN it rejects with a HalError', async () => {
      if (rig.rcm.capabilities.selfTest) return;
      await expect(rig.rcm.selfTest()).rejects.toBeInstanceOf(HalError);
    });
  });
}
