// createHal: picks the driver set named in the configuration and loads it lazily, so a machine without
// Pi hardware never loads GPIO/SPI modules. Unknown or unavailable drivers fail at start with a clear error.

import type { Clock } from './clock.js';
import type { RpiHwConfig } from './config.js';
import { HalError } from './errors.js';
import type { Hal } from './types.js';
import type { SimControl } from './sim/index.js';

export interface HalConfig {
  driver: 'sim' | 'rpi';
  connectors: Array<{ tethered: boolean; phases: 1 | 3 }>;
  /**
   * The hal section: the real hardware (pins, buses, devices), required for driver 'rpi'; its gridMeter
   * entry is read by both drivers ({ driver: sim } for 'sim', { driver: modbus, ... } for 'rpi').
   */
  hw?: RpiHwConfig;
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
      const grid = cfg.hw?.gridMeter;
      if (grid && grid.driver !== 'sim') {
        throw new HalError('hal', `grid meter driver ${JSON.stringify(grid.driver)} needs hal.driver rpi; the simulator has { driver: sim }`);
      }
      const hal = createSimHal(
        {
          connectors: cfg.connectors.length,
          tethered: cfg.connectors.every((c) => c.tethered),
          ...(cfg.stateDir ? { stateDir: cfg.stateDir } : {}),
          ...(grid ? { gridMeter: { houseA: grid.houseA } } : {}),
        },
        clock,
      );
      return { hal, sim: hal.control };
    }
    case 'rpi': {
      if (!cfg.hw) throw new HalError('hal', 'driver "rpi" needs the hardware description (hal.connectors, hal.gpio, ...)');
      const { createRpiHal } = await import('./rpi/index.js');
      const hal = await createRpiHal({ hw: cfg.hw, connectors: cfg.connectors, ...(cfg.stateDir ? { stateDir: cfg.stateDir } : {}) }, clock);
      return { hal, sim: null };
    }
    default:
      throw new HalError('hal', `unknown driver ${JSON.stringify(cfg.driver)}; valid drivers: sim, rpi`);
  }
}
