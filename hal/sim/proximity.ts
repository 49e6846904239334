// Simulated proximity pilot (PP) of a socket: reports the rating of the simulated cable while it is plugged,
// null while unplugged, and rejects like the real driver while the PP is shorted to PE (REFERENCE.md 2).
// Owns: nothing but the reading; the cable and the short are the board's state (board.ts control surface).
// Must not: decide anything about the offered current. Tethered sim connectors have no PP (null).

import { HalError } from '../errors.js';
import type { CableRating, ProximityPilot } from '../types.js';

export const CABLE_RATINGS: readonly CableRating[] = [13, 20, 32, 63];

/** What the far end of the PP line presents, read at each read(). */
export interface SimPpLine {
  plugged: boolean;
  cableRatingA: CableRating;
  shorted: boolean;
}

export function isCableRating(value: unknown): value is CableRating {
  return CABLE_RATINGS.includes(value as CableRating);
}

export class SimProximity implements ProximityPilot {
  readonly capabilities = { ratings: CABLE_RATINGS };

  constructor(
    private readonly line: () => SimPpLine,
    readonly device = 'proximity',
  ) {}

  async read(): Promise<CableRating | null> {
    const { plugged, cableRatingA, shorted } = this.line();
    if (shorted) throw new HalError(this.device, 'PP shorted to PE: 0 Ω is below the 75 Ω of the 63 A band');
    return plugged ? cableRatingA : null;
  }
}
