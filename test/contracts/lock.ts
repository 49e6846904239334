// Contract every ConnectorLock driver must meet (hal/types.ts), run against the simulated lock and the real
// (H-bridge motor on two GPIOs) lock. Feedback must follow within the lock timeout the machines use.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConnectorLock, ConnectorLockFault, DeviceFaultEvent } from '../../hal/types.js';
import { TIMING } from '../../state-machines/timing.js';

export interface LockRig {
  lock: ConnectorLock;
  settle(ms: number): Promise<void>;
  dispose(): Promise<void>;
}

export function describeLockContract(name: string, makeRig: () => LockRig | Promise<LockRig>): void {
  describe(`ConnectorLock contract: ${name}`, () => {
    let rig: LockRig;
    let seen: boolean[];
    let faults: DeviceFaultEvent<ConnectorLockFault>[];
    beforeEach(async () => {
      rig = await makeRig();
      seen = [];
      faults = [];
      rig.lock.feedback.on((f) => seen.push(f.locked));
      rig.lock.faults.on((f) => faults.push(f));
    });
    afterEach(() => rig.dispose());

    it('GIVEN a lock WHEN created THEN it declares whether it has feedback', () => {
      expect(typeof rig.lock.capabilities.hasFeedback).toBe('boolean');
    });

    it('GIVEN a lock with feedback WHEN locked then unlocked THEN feedback follows each within the lock timeout', async () => {
      if (!rig.lock.capabilities.hasFeedback) return;
      rig.lock.lock();
      await rig.settle(TIMING.lockFeedback);
      expect(seen).toEqual([true]);
      rig.lock.unlock();
      await rig.settle(TIMING.lockFeedback);
      expect(seen).toEqual([true, false]);
    });

    it('GIVEN a locked lock WHEN lock() is repeated THEN no second edge is reported', async () => {
      rig.lock.lock();
      await rig.settle(TIMING.lockFeedback);
      rig.lock.lock();
      await rig.settle(TIMING.lockFeedback);
      expect(seen).toEqual(rig.lock.capabilities.hasFeedback ? [true] : []);
    });

    it('GIVEN a lock moving towards locked WHEN unlock() comes at once THEN it ends unlocked without a fault', async () => {
      rig.lock.lock();
      rig.lock.unlock();
      await rig.settle(TIMING.lockFeedback);
      expect(seen.at(-1) ?? false).toBe(false);
      expect(faults).toEqual([]);
    });
  });
}
