// CP voltage -> raw pilot state, as the chargebyte BSP implements IEC 61851-1 Table A.4 (REFERENCE.md 1.1;
// CB utils/cp/CPUtils.cpp voltage_to_state and check_for_cp_state_changes). Pure functions, no I/O, no time.
// Owns: the bands, the hysteresis in the gaps, the -11..-10 V rule, PilotFault ranges, the two-sample rule
// (on the state) and the diode check (with its own two-sample agreement). Must not: debounce in time or raise pilot errors (state-machines/pilot.ts does).
//
// Gaps, as CB's code has it (REFERENCE.md's summary "otherwise the lower one" is imprecise here): a reading
// between two bands keeps the previous state when that is one of the two neighbours; coming from a state
// above the gap it takes the upper neighbour, from anywhere else (below, E, F, fault, nothing yet) the lower.

import type { RawPilotState } from '../types.js';

/** While PWM runs the negative peak must reach about -12 V through the EV's diode; above this it did not. */
export const DIODE_MIN_NEGATIVE_V = -10;

const ABOVE: Record<string, readonly RawPilotState[]> = {
  AB: ['A'],
  BC: ['A', 'B'],
  CD: ['A', 'B', 'C'],
};

const NOT_NEGATIVE: readonly RawPilotState[] = ['A', 'B', 'C', 'D', 'E'];

function gap(previous: RawPilotState | null, upper: RawPilotState, lower: RawPilotState, key: keyof typeof ABOVE): RawPilotState {
  return previous !== null && ABOVE[key]!.includes(previous) ? upper : lower;
}

/** One CP high-level reading (volts) to a state, given the state accepted before it (null: none yet). */
export function levelToState(volts: number, previous: RawPilotState | null): RawPilotState {
  if (!Number.isFinite(volts) || volts > 13) return 'invalid'; // > 13 V: PilotFault
  if (volts >= 11) return 'A'; // 11..13
  if (volts >= 10) return gap(previous, 'A', 'B', 'AB'); // 10..11 gap
  if (volts >= 8) return 'B'; // 8..10
  if (volts >= 7) return gap(previous, 'B', 'C', 'BC'); // 7..8 gap
  if (volts >= 5) return 'C'; // 5..7
  if (volts >= 4) return gap(previous, 'C', 'D', 'CD'); // 4..5 gap
  if (volts >= 2) return 'D'; // 2..4
  if (volts >= -1) return 'E'; // -1..2
  if (volts >= -2) return previous !== null && NOT_NEGATIVE.includes(previous) ? 'E' : 'invalid'; // -2..-1, not standard
  if (volts >= -10) return 'invalid'; // -10..-2: PilotFault
  if (volts >= -11) return previous === 'F' ? 'F' : 'invalid'; // -11..-10: F only when it was F
  if (volts >= -13) return 'F'; // -13..-11
  return 'invalid'; // < -13 V
}

/** Diode check from the negative peak: only meaningful while PWM runs (null otherwise). */
export function diodeCheck(lowV: number, pwmRunning: boolean): boolean | null {
  if (!pwmRunning) return null;
  return lowV <= DIODE_MIN_NEGATIVE_V;
}

export interface Reading {
  state: RawPilotState;
  diodeOk: boolean | null;
}

export interface ClassifierMemory {
  /** What was last accepted (two samples agreed on the state), null before the first. */
  accepted: Reading | null;
  /** The previous sample's reading, null at start and after the EVSE output changed. */
  last: Reading | null;
}

export const FRESH_MEMORY: ClassifierMemory = { accepted: null, last: null };

/**
 * The diode to report with an accepted state. It has its own two-sample rule: it changes only when two
 * samples agree on it (and on the state); otherwise the one accepted for this state is kept, and after a
 * change of state it is unknown (null) until confirmed, so a diode seen in A (our own -12 V, no EV) never
 * carries into B. Without PWM it is null.
 */
function acceptedDiode(previous: Reading | null, last: Reading, reading: Reading): boolean | null {
  if (reading.diodeOk === null) return null;
  if (last.diodeOk === reading.diodeOk) return reading.diodeOk;
  return previous !== null && previous.state === reading.state ? previous.diodeOk : null;
}

/**
 * One sample through the two-sample rule: a state is accepted only when it equals the one before it, so a
 * single-sample glitch (A -> B -> A) never shows. The rule applies to the state alone: a negative peak that
 * flickers across the diode threshold never delays a state change (C -> B and C -> A open the contactor);
 * the diode is confirmed separately (acceptedDiode). `accepted` is set when the accepted reading changed,
 * or when `force` is set and two samples agreed on the state (a fresh confirmation after an output change).
 */
export function classify(
  memory: ClassifierMemory,
  sample: { highV: number; lowV: number; pwmRunning: boolean },
  force = false,
): { memory: ClassifierMemory; reading: Reading; accepted: Reading | null } {
  const previous = memory.accepted;
  const reading: Reading = {
    state: levelToState(sample.highV, previous?.state ?? null),
    diodeOk: diodeCheck(sample.lowV, sample.pwmRunning),
  };
  const last = memory.last;
  if (last === null || last.state !== reading.state) return { memory: { accepted: previous, last: reading }, reading, accepted: null };
  const next: Reading = { state: reading.state, diodeOk: acceptedDiode(previous, last, reading) };
  const changed = previous === null || previous.state !== next.state || previous.diodeOk !== next.diodeOk;
  return { memory: { accepted: next, last: reading }, reading, accepted: changed || force ? next : null };
}
