// A one-connector rig like rig.ts, but with the pilot front-end's capabilities overridden before the
// runtime reads them (e.g. a board without the diode check). Must not: change anything else.

import type { ControlPilotCapabilities } from '../../hal/types.js';
import { createSimHal, ManualClock } from '../../hal/sim/index.js';
import { ConnectorRuntime } from '../../src/connector/runtime.js';
import { FaultRegistry } from '../../src/faults/registry.js';
import { silentLogger } from '../../src/log.js';
import { DEFAULT_SETTINGS } from './rig.js';

export function createCapsRig(pilotCaps: Partial<ControlPilotCapabilities>) {
  const clock = new ManualClock();
  const hal = createSimHal({ connectors: 1 }, clock);
  const board = hal.control.connector(1);
  Object.assign(board.pilot.capabilities, pilotCaps);
  const faults = new FaultRegistry(() => clock.now());
  const runtime = new ConnectorRuntime(hal.connectors[0]!, DEFAULT_SETTINGS, { clock, faults, log: silentLogger() });
  runtime.start();
  return {
    clock,
    board,
    runtime,
    faults,
    /** Advances simulated time in 10 ms steps, letting promise callbacks (meter reads) run. */
    async advance(ms: number): Promise<void> {
      for (let left = ms; left > 0; left -= 10) {
        clock.advance(Math.min(10, left));
        for (let i = 0; i < 5; i++) await Promise.resolve();
      }
    },
    stop: () => runtime.stop(),
  };
}
