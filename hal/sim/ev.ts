// Simulated electric vehicle on the far end of the CP line: what it presents on the pilot and what it
// draws. Pure data and functions; the board (board.ts) couples it to the pilot and contactor.
// Must not: keep time or talk to devices.

import type { CableRating, PilotOutput, PilotSample, RawPilotState } from '../types.js';

export interface EvModel {
  plugged: boolean;
  /** The driver/EV wants energy (request charge) or not (pause). */
  wantsCharge: boolean;
  /** S2 closed: the EV presents C (or D). */
  s2Closed: boolean;
  maxCurrentA: number;
  phases: 1 | 3;
  /** Asks for ventilation: presents D instead of C. */
  needsVentilation: boolean;
  /** A well-behaved EV opens S2 when PWM stops; some (REFERENCE.md 1.3, "Kona1") stay in C. */
  opensS2OnPwmOff: boolean;
  /** Ignores PWM until it has seen state F once (REFERENCE.md 1.4 wake-up). */
  asleep: boolean;
  /** Rating coded in the (detachable) cable's plug, read through the PP (REFERENCE.md 2). */
  cableRatingA: CableRating;
}

export function defaultEv(): EvModel {
  return {
    plugged: false,
    wantsCharge: false,
    s2Closed: false,
    maxCurrentA: 32,
    phases: 3,
    needsVentilation: false,
    opensS2OnPwmOff: true,
    asleep: false,
    cableRatingA: 32,
  };
}

/** EV side reading of the duty cycle (REFERENCE.md 1.2, Fluke FEV300 table). 0 = no charging allowed. */
export function currentFromDuty(dutyPercent: number): number {
  if (dutyPercent < 8) return 0;
  if (dutyPercent < 10) return 6;
  if (dutyPercent <= 85) return dutyPercent * 0.6;
  if (dutyPercent <= 96) return (dutyPercent - 64) * 2.5;
  if (dutyPercent <= 97) return 80;
  return 0;
}

/** Updates S2 after anything changed on either side. */
export function updateS2(ev: EvModel, output: PilotOutput): void {
  if (output.mode === 'negative') ev.asleep = false; // seeing F wakes a sleeping EV
  const pwmOn = output.mode === 'pwm' && currentFromDuty(output.dutyPercent) > 0;
  if (!ev.plugged || !ev.wantsCharge || ev.asleep) {
    ev.s2Closed = false;
  } else if (pwmOn) {
    ev.s2Closed = true;
  } else if (ev.opensS2OnPwmOff) {
    ev.s2Closed = false;
  }
}

const LEVEL: Record<'A' | 'B' | 'C' | 'D', number> = { A: 12, B: 9, C: 6, D: 3 };

/** The sample a pilot front-end would measure, given the EVSE output, the EV and injected line faults. */
export function pilotSample(
  ev: EvModel,
  output: PilotOutput,
  line: { shorted: boolean; diodeMissing: boolean },
): PilotSample {
  if (output.mode === 'negative') return { state: 'F', highV: -12, lowV: -12, diodeOk: null };
  if (output.mode === 'off' || (line.shorted && ev.plugged)) {
    return { state: 'E', highV: 0, lowV: 0, diodeOk: null };
  }
  let state: RawPilotState = 'A';
  if (ev.plugged) state = ev.s2Closed ? (ev.needsVentilation ? 'D' : 'C') : 'B';
  const highV = LEVEL[state as 'A' | 'B' | 'C' | 'D'];
  if (output.mode !== 'pwm') return { state, highV, lowV: highV, diodeOk: null };
  // With PWM the negative half reaches -12 V through the EV's diode; without the diode it mirrors the
  // positive level (CB: |V+ + V-| <= 1.2 V means the diode is missing). No EV: -12 V, check passes.
  const diodeOk = !(ev.plugged && line.diodeMissing);
  return { state, highV, lowV: diodeOk ? -12 : -highV, diodeOk };
}
