// Device contracts of the hardware abstraction layer (HAL).
// Owns: one interface per device (commands, observations as typed events, capabilities, named faults).
// Must not: know anything of IEC 61851 sequencing, OCPP or storage. Real and simulated drivers implement
// these same interfaces so the compiler keeps them in step.
//
// Commands that the safety path uses (pilot output, contactor, lock) are synchronous: a driver applies
// them before returning (GPIO writeSync, sysfs write) and reports I/O failure as a fault observation.

/** Unsubscribe function returned by every `on*` subscription. */
export type Unsubscribe = () => void;

/** A typed observation stream. Listeners run synchronously, in subscription order. */
export interface Observable<E> {
  on(listener: (event: E) => void): Unsubscribe;
}

/** A device-level fault as observed by a driver (raised or cleared). */
export interface DeviceFaultEvent<F extends string> {
  fault: F;
  active: boolean;
  detail?: string;
}

// ---------------------------------------------------------------------------------------------------
// Control pilot (REFERENCE.md 1.1, 1.2, 5.x)
// ---------------------------------------------------------------------------------------------------

/** Raw pilot state as classified from the measured high level (IEC 61851-1 Table A.4 bands). */
export type RawPilotState = 'A' | 'B' | 'C' | 'D' | 'E' | 'F' | 'invalid';

/** What the EVSE drives onto the CP line. */
export type PilotOutput =
  | { mode: 'pwm'; dutyPercent: number } // 1 kHz PWM, nominal duty (REFERENCE.md 1.2)
  | { mode: 'steady' } // steady +12 V (state A / X1: no charging allowed)
  | { mode: 'negative' } // steady -12 V (state F, EVSE not available)
  | { mode: 'off' }; // driver stage off (0 V); used on shutdown only

export interface PilotSample {
  state: RawPilotState;
  /** Measured high (positive) level in volts. */
  highV: number;
  /** Measured low (negative) level in volts; equals highV when no PWM runs. */
  lowV: number;
  /** Diode check while PWM runs: true = negative half reached about -12 V; null = not measurable. */
  diodeOk: boolean | null;
}

export interface ControlPilotCapabilities {
  /** The front-end can drive -12 V (state F). */
  canDriveNegative: boolean;
  /** The front-end measures the negative half, so the diode check is available. */
  diodeCheck: boolean;
}

export type ControlPilotFault = 'pilot-io';

export interface ControlPilot {
  readonly capabilities: ControlPilotCapabilities;
  /** Apply an output now. Synchronous. */
  setOutput(output: PilotOutput): void;
  /** The output currently applied. */
  readonly output: PilotOutput;
  readonly samples: Observable<PilotSample>;
  readonly faults: Observable<DeviceFaultEvent<ControlPilotFault>>;
}

// ---------------------------------------------------------------------------------------------------
// Contactor (REFERENCE.md 3)
// ---------------------------------------------------------------------------------------------------

export interface ContactorCapabilities {
  /** An auxiliary (mirror) contact reports the real position. */
  hasFeedback: boolean;
}

export interface ContactorFeedback {
  closed: boolean;
}

export type ContactorFault = 'contactor-io';

export interface Contactor {
  readonly capabilities: ContactorCapabilities;
  close(): void;
  open(): void;
  /** The last commanded position. */
  readonly commandedClosed: boolean;
  /** The mirror contact's current level (null without feedback); read once at start-up for a weld check. */
  readonly feedbackClosed: boolean | null;
  /** Mirror-contact edges (only when capabilities.hasFeedback). */
  readonly feedback: Observable<ContactorFeedback>;
  readonly faults: Observable<DeviceFaultEvent<ContactorFault>>;
}

// ---------------------------------------------------------------------------------------------------
// Energy meter (REFERENCE.md 4)
// ---------------------------------------------------------------------------------------------------

export interface PhaseValues {
  l1: number;
  l2: number;
  l3: number;
}

export interface MeterReading {
  /** Active energy import register, Wh. */
  energyImportWh: number;
  /** Total active power, W. */
  powerW: number;
  voltageV: PhaseValues;
  currentA: PhaseValues;
  frequencyHz: number;
  /** Clock time (ms) the reading was taken. */
  takenAt: number;
}

export interface EnergyMeterCapabilities {
  phases: 1 | 3;
  model: string;
  serial: string;
}

export type EnergyMeterFault = 'meter-read';

export interface EnergyMeter {
  readonly capabilities: EnergyMeterCapabilities;
  /** One read of all quantities. Rejects with HalError on a timeout, CRC error or garbage. */
  read(): Promise<MeterReading>;
}

// ---------------------------------------------------------------------------------------------------
// RFID reader (REFERENCE.md 6, mfrc522-rpi)
// ---------------------------------------------------------------------------------------------------

export interface CardPresented {
  /** Raw UID bytes as read (4, 7 or 10 bytes), byte 0 first. */
  uid: Uint8Array;
}

export type RfidFault = 'rfid-io';

export interface RfidReader {
  readonly capabilities: { maxUidBytes: number };
  /** One event per presentation: the driver re-arms only after a poll that found no card. */
  readonly cards: Observable<CardPresented>;
  readonly faults: Observable<DeviceFaultEvent<RfidFault>>;
}

// ---------------------------------------------------------------------------------------------------
// Connector (cable) lock: absent on a tethered cable
// ---------------------------------------------------------------------------------------------------

export interface LockFeedback {
  locked: boolean;
}

export type ConnectorLockFault = 'lock-io';

export interface ConnectorLock {
  readonly capabilities: { hasFeedback: boolean };
  lock(): void;
  unlock(): void;
  readonly feedback: Observable<LockFeedback>;
  readonly faults: Observable<DeviceFaultEvent<ConnectorLockFault>>;
}

// ---------------------------------------------------------------------------------------------------
// Residual current monitor (RCM / RDC-DD, REFERENCE.md 3)
// ---------------------------------------------------------------------------------------------------

export interface RcmState {
  tripped: boolean;
}

export type RcmFault = 'rcm-self-test-failed';

export interface ResidualCurrentMonitor {
  readonly capabilities: { selfTest: boolean; dcDetection: boolean };
  /** Current state of the trip input. */
  readonly tripped: boolean;
  readonly changes: Observable<RcmState>;
  /** Runs the module's self-test; resolves true when the module tripped and recovered as expected. */
  selfTest(): Promise<boolean>;
  readonly faults: Observable<DeviceFaultEvent<RcmFault>>;
}

// ---------------------------------------------------------------------------------------------------
// Temperature sensor (enclosure or socket)
// ---------------------------------------------------------------------------------------------------

export interface TemperatureSensor {
  readonly capabilities: { location: string };
  /** Degrees Celsius. Rejects with HalError when the sensor cannot be read. */
  read(): Promise<number>;
}

// ---------------------------------------------------------------------------------------------------
// Proximity pilot (PP) of a Type 2 socket: the plugged cable's current rating (REFERENCE.md 2)
// ---------------------------------------------------------------------------------------------------

/**
 * Current rating, amps, coded by the PP-PE resistor in the cable's plug (IEC 61851-1): 1.5 kΩ 13 A,
 * 680 Ω 20 A, 220 Ω 32 A, 100 Ω 63 A (70 A single-phase). 20 is reported as 20: any derating is the app's.
 */
export type CableRating = 13 | 20 | 32 | 63;

export interface ProximityPilot {
  /** The ratings this front-end can tell apart. */
  readonly capabilities: { ratings: readonly CableRating[] };
  /**
   * One reading of the PP line: the plugged cable's rating, or null when no cable is detected (PP open, or
   * above the 13 A band). Rejects with HalError, the message naming the cause, when the PP cannot be read
   * (I/O) or the reading is outside every band (PP shorted to PE, or a level the wiring cannot produce).
   * Persistent conditions are the app's to turn into a fault; the driver keeps no state between reads.
   */
  read(): Promise<CableRating | null>;
}

// ---------------------------------------------------------------------------------------------------
// Status indicator (LED)
// ---------------------------------------------------------------------------------------------------

export type IndicatorColour = 'off' | 'green' | 'blue' | 'yellow' | 'red' | 'white';
export type IndicatorPattern = 'solid' | 'slow-blink' | 'fast-blink' | 'pulse';

export interface IndicatorState {
  colour: IndicatorColour;
  pattern: IndicatorPattern;
}

export interface StatusIndicator {
  readonly capabilities: { colours: readonly IndicatorColour[] };
  set(state: IndicatorState): void;
  readonly state: IndicatorState;
}

// ---------------------------------------------------------------------------------------------------
// The board
// ---------------------------------------------------------------------------------------------------

export interface ConnectorHal {
  /** OCPP connector id, 1-based. */
  id: number;
  pilot: ControlPilot;
  contactor: Contactor;
  meter: EnergyMeter;
  /** null for a tethered cable. */
  lock: ConnectorLock | null;
  /** Cable rating from the PP contact; null for a tethered cable or when the PP is not wired. */
  proximity: ProximityPilot | null;
  rcm: ResidualCurrentMonitor;
  temperature: TemperatureSensor;
  indicator: StatusIndicator;
}

export interface Hal {
  readonly kind: 'sim' | 'rpi';
  connectors: ConnectorHal[];
  rfid: RfidReader;
  /**
   * The site's grid (house) meter at the grid connection, measuring the house and every charger per phase
   * (MeterReading.currentA), for load balancing; null when none is configured. Rejects like any meter.
   */
  gridMeter: EnergyMeter | null;
  /** Drive every output to its safe state (contactors open, CP steady) and release devices. */
  close(): Promise<void>;
  /**
   * Synchronous last resort for a process 'exit' handler (real hardware: output levels outlive the
   * process): every contactor output to its off level first. Absent where nothing outlives the process.
   */
  emergencyOff?(): void;
}
