// createHal: picks the driver set named in the configuration and loads it lazily, so a machine without
// Pi hardware never loads GPIO/SPI modules. Unknown or unavailable drivers fail at start with a clear error.

import type { Clock } from './clock.js';
import { HalError } from './errors.js';
import type { Hal } from './types.js';
import type { SimControl } from './sim/index.js';

export interface HalConfig {
  driver: 'sim' | 'rpi';
  connectors: Array<{ tethered: boolean }>;
  /** Where the simulator keeps its meter registers across restarts (a real meter keeps its own). */
  stateDir?: string;
}

export interface CreatedHal {
  hal: Hal;
  /** The simulator's control surface, null on real hardware. */
  sim: SimControl | null;
}

export async function createHal(cfg: HalConfig, clock: Clock): Promise<CreatedHal> {
  switch (cfg.driver) {
    case 'sim': {
      const { createSimHal } = await import('./sim/index.js');
      const hal = createSimHal(
        { connectors: cfg.connectors.length, tethered: cfg.connectors.every((c) => c.tethered), ...(cfg.stateDir ? { stateDir: cfg.stateDir } : {}) },
        clock,
      );
      return { hal, sim: hal.control };
    }
    case 'rpi':
      throw new HalError('hal', 'driver "rpi" is not available in this version yet; use hal.driver: sim');
    default:
      throw new HalError('hal', `unknown driver ${JSON.stringify(cfg.driver)}; valid drivers: sim, rpi`);
  }
}
