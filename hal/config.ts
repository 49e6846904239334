// Hardware description the real (Raspberry Pi) drivers are built from: pins, buses, device paths and
// calibration, one entry per connector plus the shared RFID reader and Modbus buses. Owns: the shape only
// (the configuration file validates and defaults it in src/config/hal-schema.ts). Must not: hold logic.

/** A GPIO line by its BCM number, with its electrical sense. */
export interface GpioPin {
  /** BCM GPIO number (0-27 on the 40-pin header). */
  pin: number;
  /** true: the line is active (closed, tripped, on) at 0 V. */
  activeLow: boolean;
}

export interface GpioConfig {
  /** The sysfs GPIO class directory (a temporary tree in tests). */
  sysfsRoot: string;
  /** Label of the gpiochip whose base offset is added to BCM numbers; auto = the main SoC bank. */
  chipLabel: string | 'auto';
  /** Debounce for inputs (mirror contact, RCD, lock feedback), ms. */
  debounceMs: number;
}

export interface PwmConfig {
  sysfsRoot: string;
  chip: number;
  channel: number;
}

export type AdcConfig =
  | { type: 'mcp3008'; device: string; speedHz: number; highChannel: number; lowChannel: number; vrefV: number }
  | { type: 'ads1115'; bus: number; address: number; highChannel: number; lowChannel: number; fullScaleV: number };

export interface PilotHwConfig {
  pwm: PwmConfig;
  adc: AdcConfig;
  /** CP volts = adcVolts * scale + offset, for the positive and the negative peak-hold channel. */
  calibration: { high: { scale: number; offset: number }; low: { scale: number; offset: number } };
  sampleIntervalMs: number;
  /** Optional GPIO that discharges the peak-hold capacitors after each sample. */
  peakReset?: GpioPin;
  /** Optional GPIO that enables the +/-12 V stage (off = CP floats to the hardware's safe level). */
  enable?: GpioPin;
}

export type MeterModel = 'sdm630' | 'sdm120' | 'sdm72dm' | 'abb-b23' | 'em340';

export interface ModbusBusConfig {
  id: string;
  port: string;
  baud: number;
  parity: 'none' | 'even' | 'odd';
  stopBits: 1 | 2;
  timeoutMs: number;
  retries: number;
}

/** 'estimated': no meter fitted; energy estimated from the offered current (not billing-grade). */
export type MeterHwConfig = { driver: 'estimated' } | { driver: 'modbus'; bus: string; model: MeterModel; address: number };

/** A house load as one value for every phase, or per phase [L1, L2, L3], amps. */
export type HouseLoadA = number | readonly [number, number, number];

/**
 * The site's grid (house) meter at the grid connection: it measures the house and every charger, per phase.
 * 'modbus' on a hal.modbus bus (driver rpi), 'sim' a simulated one whose phases carry a settable house
 * load (initially houseA, default 0) plus what the simulated connectors draw (driver sim).
 */
export type GridMeterConfig = { driver: 'modbus'; bus: string; model: MeterModel; address: number } | { driver: 'sim'; houseA?: HouseLoadA };

export type TemperatureHwConfig = { driver: 'sim' } | { driver: 'cpu'; path: string } | { driver: 'ds18b20'; path: string };

/**
 * The proximity pilot (PP) of a socket, read on a spare channel of the pilot's MCP3008: PP pulled up through
 * pullUpOhms to pullUpV (absent: the ADC's vrefV, i.e. ratiometric), the cable's resistor to PE below it.
 */
export interface ProximityHwConfig {
  channel: number;
  pullUpOhms: number;
  pullUpV?: number;
}

export interface ConnectorHwConfig {
  pilot: PilotHwConfig;
  contactor: { coil: GpioPin; mirror?: GpioPin };
  rcd: { trip: GpioPin; test?: GpioPin };
  /** Absent for a tethered cable. */
  lock?: { motorA: GpioPin; motorB: GpioPin; feedback?: GpioPin; pulseMs: number };
  led: { red?: GpioPin; green?: GpioPin; blue?: GpioPin };
  meter: MeterHwConfig;
  temperature: TemperatureHwConfig;
  /** Sockets only (a tethered cable has no PP to read); absent when the PP is not wired. */
  proximity?: ProximityHwConfig;
}

export type RfidHwConfig =
  | { driver: 'none' }
  | { driver: 'mfrc522'; pollMs: number; holdOffMs: number };

export interface RpiHwConfig {
  gpio: GpioConfig;
  modbus: ModbusBusConfig[];
  connectors: ConnectorHwConfig[];
  rfid: RfidHwConfig;
  /** Absent: no grid meter. Read by both drivers (main passes the whole hal section as createHal's hw). */
  gridMeter?: GridMeterConfig;
}

/** Proximity pilot pull-up (ohms to the ADC reference) when the config names none (hal/rpi/proximity.ts header). */
export const PP_DEFAULT_PULL_UP_OHMS = 1000;
