// Fault registry: every named fault, whether it blocks charging, and how OCPP reports it.
// Owns: the active-fault set per connector (0 = the whole station) and change notification.
// Must not: drive outputs; the connector machine opens the contactor when told the blocking set changed.
//
// Error codes follow the OCPP 1.6 ChargePointErrorCode definitions (section 7.6): a contactor that cannot be
// driven is "Failure to control power switch" (PowerSwitchFailure); a CP front-end or an RCM that fails its
// self-test is "Error in internal hard- or software component" (InternalError), not GroundFailure ("ground
// fault circuit interrupter has been activated": that is a trip, the opposite of a monitor that cannot trip).

export type OcppErrorCode =
  | 'ConnectorLockFailure'
  | 'EVCommunicationError'
  | 'GroundFailure'
  | 'HighTemperature'
  | 'InternalError'
  | 'LocalListConflict'
  | 'NoError'
  | 'OtherError'
  | 'OverCurrentFailure'
  | 'OverVoltage'
  | 'PowerMeterFailure'
  | 'PowerSwitchFailure'
  | 'ReaderFailure'
  | 'ResetFailure'
  | 'UnderVoltage'
  | 'WeakSignal';

export interface FaultDefinition {
  blocking: boolean;
  errorCode: OcppErrorCode;
  info: string;
  vendorErrorCode?: string;
  /**
   * Cleared only by a restart: an output that failed may be in an unknown state, so the device saying it
   * works again is not trusted. The watchdog health turns bad while one is active (a restart may help).
   */
  untilRestart?: boolean;
}

export const FAULTS = {
  rcd: { blocking: true, errorCode: 'GroundFailure', info: 'Residual current monitor tripped' },
  'contactor-welded': { blocking: true, errorCode: 'OtherError', info: 'Contactor welded: service required', vendorErrorCode: 'WELDED_CONTACTOR' },
  'contactor-fails-to-close': { blocking: true, errorCode: 'OtherError', info: 'Contactor failed to close: service required', vendorErrorCode: 'CONTACTOR_FAILS_TO_CLOSE' },
  diode: { blocking: true, errorCode: 'EVCommunicationError', info: 'Control pilot diode missing', vendorErrorCode: 'PILOT_DIODE' },
  'pilot-short': { blocking: true, errorCode: 'EVCommunicationError', info: 'Control pilot shorted (state E)', vendorErrorCode: 'PILOT_SHORT' },
  'pilot-fault': { blocking: true, errorCode: 'EVCommunicationError', info: 'Control pilot level out of range', vendorErrorCode: 'PILOT_LEVEL' },
  'meter-offline': { blocking: true, errorCode: 'PowerMeterFailure', info: 'Energy meter not responding' },
  overtemp: { blocking: true, errorCode: 'HighTemperature', info: 'Over-temperature' },
  'ev-overcurrent': { blocking: true, errorCode: 'OverCurrentFailure', info: 'EV draws more than offered' },
  'connector-lock': { blocking: true, errorCode: 'ConnectorLockFailure', info: 'Cable lock did not move' },
  'hal-output': { blocking: true, errorCode: 'InternalError', info: 'A hardware output could not be driven', untilRestart: true },
  'contactor-io': { blocking: true, errorCode: 'PowerSwitchFailure', info: 'Contactor I/O failed: restart required', vendorErrorCode: 'CONTACTOR_IO', untilRestart: true },
  'pilot-io': { blocking: true, errorCode: 'InternalError', info: 'Control pilot I/O failed: restart required', vendorErrorCode: 'PILOT_IO', untilRestart: true },
  'lock-io': { blocking: true, errorCode: 'ConnectorLockFailure', info: 'Cable lock I/O failed', vendorErrorCode: 'LOCK_IO' },
  'rcm-self-test': { blocking: true, errorCode: 'InternalError', info: 'Residual current monitor failed its self-test: service required', vendorErrorCode: 'RCM_SELF_TEST' },
  'temperature-sensor': { blocking: false, errorCode: 'OtherError', info: 'Temperature sensor not readable' },
  'rfid-reader': { blocking: false, errorCode: 'ReaderFailure', info: 'RFID reader not responding' },
  // Connector 0 only (OCPP 1.6 3.5, REFERENCE.md 8): a listed idTag the CSMS answered differently; cleared
  // when the CSMS agrees again for every conflicting idTag (src/ocpp/authorization.ts), or at restart.
  'local-list-conflict': { blocking: false, errorCode: 'LocalListConflict', info: 'Local authorization list disagrees with the CSMS' },
} as const satisfies Record<string, FaultDefinition>;

export type FaultName = keyof typeof FAULTS;

/** True for faults that only a restart clears. */
export function untilRestart(name: FaultName): boolean {
  const def: FaultDefinition = FAULTS[name];
  return def.untilRestart === true;
}

export interface ActiveFault {
  name: FaultName;
  blocking: boolean;
  errorCode: OcppErrorCode;
  info: string;
  vendorErrorCode?: string;
  untilRestart?: boolean;
  detail?: string;
  since: number;
}

export type FaultListener = (connectorId: number, faults: readonly ActiveFault[]) => void;

export class FaultRegistry {
  private readonly active = new Map<number, Map<FaultName, ActiveFault>>();
  private readonly listeners: FaultListener[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  onChange(listener: FaultListener): void {
    this.listeners.push(listener);
  }

  /** Raises a fault; returns false when it was already active (no notification then). */
  raise(connectorId: number, name: FaultName, detail?: string): boolean {
    const set = this.setFor(connectorId);
    if (set.has(name)) return false;
    const def: FaultDefinition = FAULTS[name];
    set.set(name, { name, ...def, ...(detail ? { detail } : {}), since: this.now() });
    this.notify(connectorId);
    return true;
  }

  clear(connectorId: number, name: FaultName): boolean {
    const set = this.active.get(connectorId);
    if (!set?.delete(name)) return false;
    this.notify(connectorId);
    return true;
  }

  has(connectorId: number, name: FaultName): boolean {
    return this.active.get(connectorId)?.has(name) ?? false;
  }

  list(connectorId: number): ActiveFault[] {
    return [...(this.active.get(connectorId)?.values() ?? [])];
  }

  /** The first active fault that only a restart clears (see FaultDefinition.untilRestart), if any. */
  restartRequired(connectorId: number): ActiveFault | undefined {
    return this.list(connectorId).find((f) => f.untilRestart === true);
  }

  blockingNames(connectorId: number): FaultName[] {
    return this.list(connectorId)
      .filter((f) => f.blocking)
      .map((f) => f.name);
  }

  /** The OCPP error code to report: the first blocking fault's, else the first warning's, else NoError. */
  errorCode(connectorId: number): OcppErrorCode {
    const faults = this.list(connectorId);
    return (faults.find((f) => f.blocking) ?? faults[0])?.errorCode ?? 'NoError';
  }

  private setFor(connectorId: number): Map<FaultName, ActiveFault> {
    let set = this.active.get(connectorId);
    if (!set) {
      set = new Map();
      this.active.set(connectorId, set);
    }
    return set;
  }

  private notify(connectorId: number): void {
    const faults = this.list(connectorId);
    for (const l of this.listeners) l(connectorId, faults);
  }
}
