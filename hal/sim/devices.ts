// Simulated device drivers. Each implements its HAL contract; the physics that couples them (EV, line,
// current draw) lives in board.ts, which these call back through the `BoardLink`.
// Must not: contain charging logic.

import { HalError } from '../errors.js';
import { Subject } from '../observable.js';
import type {
  CardPresented,
  ConnectorLock,
  ConnectorLockFault,
  Contactor,
  ContactorFault,
  ContactorFeedback,
  ControlPilot,
  ControlPilotFault,
  DeviceFaultEvent,
  IndicatorState,
  LockFeedback,
  PilotOutput,
  PilotSample,
  RcmFault,
  RcmState,
  ResidualCurrentMonitor,
  RfidFault,
  RfidReader,
  StatusIndicator,
  TemperatureSensor,
} from '../types.js';

/** What a device tells the board when its output changed. */
export interface BoardLink {
  /** Where the contacts physically are (what the mirror contact reads). */
  readonly contactsClosed: boolean;
  /** Called before an output changes, so energy up to now is counted at the old setting. */
  beforeChange(): void;
  outputsChanged(): void;
}

export class SimPilot implements ControlPilot {
  readonly capabilities = { canDriveNegative: true, diodeCheck: true };
  readonly samples = new Subject<PilotSample>();
  readonly faults = new Subject<DeviceFaultEvent<ControlPilotFault>>();
  private current: PilotOutput = { mode: 'steady' };

  constructor(private readonly board: BoardLink) {}

  get output(): PilotOutput {
    return this.current;
  }

  setOutput(output: PilotOutput): void {
    if (output.mode === 'pwm' && !(output.dutyPercent > 0 && output.dutyPercent < 100)) {
      throw new HalError('pilot', `duty ${output.dutyPercent}% is outside 0-100 (exclusive)`);
    }
    this.board.beforeChange();
    this.current = output;
    this.board.outputsChanged();
  }
}

export class SimContactor implements Contactor {
  readonly capabilities = { hasFeedback: true };
  readonly feedback = new Subject<ContactorFeedback>();
  readonly faults = new Subject<DeviceFaultEvent<ContactorFault>>();
  private commanded = false;
  /** Counts of commands, for tests and benches. */
  closeCommands = 0;
  openCommands = 0;
  /** Called synchronously on every open command (bench hook). */
  onOpenCommand: (() => void) | null = null;

  constructor(private readonly board: BoardLink) {}

  get commandedClosed(): boolean {
    return this.commanded;
  }

  get feedbackClosed(): boolean {
    return this.board.contactsClosed;
  }

  close(): void {
    this.closeCommands++;
    this.board.beforeChange();
    this.commanded = true;
    this.board.outputsChanged();
  }

  open(): void {
    this.openCommands++;
    this.board.beforeChange();
    this.commanded = false;
    this.onOpenCommand?.();
    this.board.outputsChanged();
  }
}

export class SimLock implements ConnectorLock {
  readonly capabilities = { hasFeedback: true };
  readonly feedback = new Subject<LockFeedback>();
  readonly faults = new Subject<DeviceFaultEvent<ConnectorLockFault>>();
  commandedLocked = false;

  constructor(private readonly board: BoardLink) {}

  lock(): void {
    this.commandedLocked = true;
    this.board.outputsChanged();
  }

  unlock(): void {
    this.commandedLocked = false;
    this.board.outputsChanged();
  }
}

export class SimRcm implements ResidualCurrentMonitor {
  readonly capabilities = { selfTest: true, dcDetection: true };
  readonly changes = new Subject<RcmState>();
  readonly faults = new Subject<DeviceFaultEvent<RcmFault>>();
  private trippedNow = false;

  get tripped(): boolean {
    return this.trippedNow;
  }

  /** Control surface: residual current appears (true) or goes away (false). */
  setTripped(tripped: boolean): void {
    if (tripped === this.trippedNow) return;
    this.trippedNow = tripped;
    this.changes.emit({ tripped });
  }

  async selfTest(): Promise<boolean> {
    return !this.trippedNow;
  }
}

export class SimTemperature implements TemperatureSensor {
  readonly capabilities = { location: 'enclosure' };
  celsius = 25;

  async read(): Promise<number> {
    return this.celsius;
  }
}

export class SimIndicator implements StatusIndicator {
  readonly capabilities = { colours: ['off', 'green', 'blue', 'yellow', 'red', 'white'] as const };
  state: IndicatorState = { colour: 'off', pattern: 'solid' };

  set(state: IndicatorState): void {
    this.state = state;
  }
}

export class SimRfid implements RfidReader {
  readonly capabilities = { maxUidBytes: 10 };
  readonly cards = new Subject<CardPresented>();
  readonly faults = new Subject<DeviceFaultEvent<RfidFault>>();

  /** Control surface: a card is held to the reader. */
  present(uid: Uint8Array): void {
    this.cards.emit({ uid });
  }
}
