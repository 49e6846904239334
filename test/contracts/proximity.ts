// Contract every ProximityPilot driver must meet (hal/types.ts), run against the simulated socket and the
// real (Raspberry Pi) PP front-end over a fake ADC. A rig gives the driver and the far end of the PP line:
// a cable of a given rating plugged in, no cable, or the PP shorted to PE.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HalError } from '../../hal/errors.js';
import type { CableRating, ProximityPilot } from '../../hal/types.js';

export type PpFarEnd = CableRating | 'none' | 'short';

export interface ProximityRig {
  proximity: ProximityPilot;
  /** What the far end of the PP line presents from now on. */
  cable(state: PpFarEnd): void;
  dispose(): Promise<void>;
}

const RATINGS: CableRating[] = [13, 20, 32, 63];

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    (value) => ({ resolved: value }),
    (err: unknown) => err,
  );
}

export function describeProximityContract(name: string, makeRig: () => ProximityRig | Promise<ProximityRig>): void {
  describe(`ProximityPilot contract: ${name}`, () => {
    let rig: ProximityRig;
    beforeEach(async () => {
      rig = await makeRig();
    });
    afterEach(() => rig.dispose());

    it('GIVEN a driver WHEN created THEN it declares the four IEC 61851-1 ratings', () => {
      expect([...rig.proximity.capabilities.ratings].sort((a, b) => a - b)).toEqual(RATINGS);
    });

    it('GIVEN no cable in the socket WHEN read THEN it resolves null', async () => {
      rig.cable('none');
      expect(await rig.proximity.read()).toBeNull();
    });

    it.each(RATINGS)('GIVEN a %s A cable plugged in WHEN read THEN it resolves that rating', async (rating) => {
      rig.cable(rating);
      expect(await rig.proximity.read()).toBe(rating);
    });

    it('GIVEN a 20 A cable WHEN it is swapped for a 63 A one and then unplugged THEN each read follows the line', async () => {
      rig.cable(20);
      expect(await rig.proximity.read()).toBe(20);
      rig.cable(63);
      expect(await rig.proximity.read()).toBe(63);
      rig.cable('none');
      expect(await rig.proximity.read()).toBeNull();
    });

    it('GIVEN the PP shorted to PE WHEN read THEN it rejects with a HalError naming the proximity device and the short', async () => {
      rig.cable('short');
      const err = await rejection(rig.proximity.read());
      expect(err).toBeInstanceOf(HalError);
      expect((err as HalError).device).toMatch(/proximity/);
      expect((err as HalError).message).toMatch(/shorted to PE/);
    });

    it('GIVEN a short that is repaired WHEN a 32 A cable is plugged THEN the next read resolves 32 (no state kept from the failure)', async () => {
      rig.cable('short');
      await rejection(rig.proximity.read());
      rig.cable(32);
      expect(await rig.proximity.read()).toBe(32);
    });
  });
}
