// The simulated board: N coupled connectors plus a shared RFID reader, and the control surface over them.
// Must not: be imported by real-hardware code paths (createHal loads it lazily).

import { join } from 'node:path';
import type { Clock } from '../clock.js';
import { HalError } from '../errors.js';
import type { Hal } from '../types.js';
import { SimConnectorBoard, type SimTimings } from './board.js';
import { SimRfid } from './devices.js';

export { SIM_FAULTS, SimConnectorBoard, type SimFault } from './board.js';
export { ManualClock } from './manual-clock.js';

export interface SimOptions {
  connectors: number;
  tethered?: boolean;
  timings?: Partial<SimTimings>;
  /** Directory for sim-meter-<id>.json: the simulated meter registers survive a restart. */
  stateDir?: string;
}

export interface SimControl {
  connector(id: number): SimConnectorBoard;
  readonly rfid: SimRfid;
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
  const control: SimControl = {
    rfid,
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
    control,
    async close() {
      for (const b of boards) {
        b.contactor.open();
        b.pilot.setOutput({ mode: 'steady' });
      }
    },
  };
}
