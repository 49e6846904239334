// The simulated board: N coupled connectors plus a shared RFID reader and, when configured, the site's grid
// meter (grid.ts), and the control surface over them.
// Must not: be imported by real-hardware code paths (createHal loads it lazily).

import { join } from 'node:path';
import type { Clock } from '../clock.js';
import type { HouseLoadA } from '../config.js';
import { HalError } from '../errors.js';
import type { Hal } from '../types.js';
import { SimConnectorBoard, type SimTimings } from './board.js';
import { SimRfid } from './devices.js';
import { SimGrid } from './grid.js';

export { SIM_FAULTS, SimConnectorBoard, type SimFault } from './board.js';
export { HOUSE_LOAD_EXPECTED, isHouseLoad, MAX_HOUSE_A, SimGrid, type SimGridState } from './grid.js';
export { ManualClock } from './manual-clock.js';

export interface SimOptions {
  connectors: number;
  tethered?: boolean;
  timings?: Partial<SimTimings>;
  /** Directory for sim-meter-<id>.json: the simulated meter registers survive a restart. */
  stateDir?: string;
  /** Fit a simulated grid meter (house load initially houseA, default 0 A); absent: no grid meter. */
  gridMeter?: { houseA?: HouseLoadA };
}

export interface SimControl {
  connector(id: number): SimConnectorBoard;
  readonly rfid: SimRfid;
  /** The site's grid connection (house load, grid meter failure); null without a grid meter. */
  readonly grid: SimGrid | null;
}

export interface SimHal extends Hal {
  readonly kind: 'sim';
  readonly control: SimControl;
}

export function createSimHal(options: SimOptions, clock: Clock): SimHal {
  const boards = Array.from({ length: options.connectors }, (_, i) => {
    const board: SimConnectorBoard = new SimConnectorBoard(i + 1, clock, {
      tethered: options.tethered ?? false,
      ...(options.timings ? { timings: options.timings } : {}),
      ...(options.stateDir ? { stateFile: join(options.stateDir, `sim-meter-${i + 1}.json`) } : {}),
    });
    return board;
  });
  const rfid = new SimRfid();
  const grid = options.gridMeter ? new SimGrid(boards, clock, options.gridMeter) : null;
  const control: SimControl = {
    rfid,
    grid,
    connector(id) {
      const board = boards[id - 1];
      if (!board) throw new HalError('sim', `no connector ${id} (have 1-${boards.length})`);
      return board;
    },
  };
  return {
    kind: 'sim',
    connectors: boards.map((b) => b.hal()),
    rfid,
    gridMeter: grid?.meter ?? null,
    control,
    async close() {
      for (const b of boards) {
        b.contactor.open();
        b.pilot.setOutput({ mode: 'steady' });
      }
    },
  };
}
