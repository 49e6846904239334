// CP volts -> raw pilot state (hal/rpi/pilot-classify.ts): every band edge, every hysteresis gap, the
// -11..-10 V rule, the PilotFault ranges (REFERENCE.md 1.1, CB voltage_to_state), the diode check and the
// two-sample rule that drops single-sample glitches (CB check_for_cp_state_changes), applied to the state
// alone: a diode reading flickering at the -10 V threshold never delays a state change.

import { describe, expect, it } from 'vitest';
import { classify, diodeCheck, FRESH_MEMORY, levelToState, type ClassifierMemory, type Reading } from '../../../hal/rpi/pilot-classify.js';
import type { RawPilotState } from '../../../hal/types.js';

describe('pilot-classify: bands (IEC 61851-1 Table A.4 as CB implements it)', () => {
  // [volts, previous accepted state, expected]; previous null = nothing accepted yet.
  const bandEdges: Array<[number, RawPilotState | null, RawPilotState]> = [
    [13.01, 'A', 'invalid'], // > 13 V: PilotFault
    [13, null, 'A'],
    [12, null, 'A'],
    [11, null, 'A'],
    [9.99, null, 'B'],
    [8, null, 'B'],
    [6.99, null, 'C'],
    [5, null, 'C'],
    [3.99, null, 'D'],
    [2, null, 'D'],
    [1.99, null, 'E'],
    [0, null, 'E'],
    [-1, null, 'E'],
    [-2.01, 'E', 'invalid'], // -10..-2: PilotFault
    [-5, 'F', 'invalid'],
    [-10, 'F', 'invalid'],
    [-11.01, null, 'F'],
    [-11, null, 'invalid'], // -11 itself belongs to the -11..-10 rule (CB: x >= -11 V)
    [-11, 'F', 'F'],
    [-12, null, 'F'],
    [-13, null, 'F'],
    [-13.01, 'F', 'invalid'], // < -13 V: PilotFault
    [Number.NaN, 'A', 'invalid'],
    [Number.POSITIVE_INFINITY, 'A', 'invalid'],
  ];
  it.each(bandEdges)('GIVEN %s V after %s THEN %s', (volts, previous, expected) => {
    expect(levelToState(volts, previous)).toBe(expected);
  });
});

describe('pilot-classify: hysteresis in the gaps', () => {
  const gaps: Array<[number, RawPilotState | null, RawPilotState]> = [
    // 10..11 V, between B and A
    [10.5, 'A', 'A'], // a neighbour keeps its state
    [10.5, 'B', 'B'],
    [10.99, 'B', 'B'],
    [10, 'A', 'A'],
    [10.5, 'C', 'B'], // from below: the lower neighbour
    [10.5, 'F', 'B'],
    [10.5, 'invalid', 'B'],
    [10.5, null, 'B'],
    // 7..8 V, between C and B
    [7.5, 'B', 'B'],
    [7.5, 'C', 'C'],
    [7, 'B', 'B'],
    [7.99, 'C', 'C'],
    [7.5, 'A', 'B'], // from above: the upper neighbour (CB), not C
    [7.5, 'D', 'C'],
    [7.5, 'E', 'C'],
    [7.5, null, 'C'],
    // 4..5 V, between D and C
    [4.5, 'C', 'C'],
    [4.5, 'D', 'D'],
    [4, 'C', 'C'],
    [4.99, 'D', 'D'],
    [4.5, 'A', 'C'], // from above: the upper neighbour (CB)
    [4.5, 'B', 'C'],
    [4.5, 'E', 'D'],
    [4.5, 'F', 'D'],
    [4.5, null, 'D'],
    // -2..-1 V (not standard): E when it came from A-E, else PilotFault
    [-1.5, 'E', 'E'],
    [-1.5, 'A', 'E'],
    [-2, 'D', 'E'],
    [-1.5, 'F', 'invalid'],
    [-1.5, 'invalid', 'invalid'],
    [-1.5, null, 'invalid'],
    // -11..-10 V (not standard): F only if it already was F
    [-10.5, 'F', 'F'],
    [-10.01, 'F', 'F'],
    [-10.5, 'E', 'invalid'],
    [-10.5, 'A', 'invalid'],
    [-10.5, null, 'invalid'],
  ];
  it.each(gaps)('GIVEN %s V after %s THEN %s', (volts, previous, expected) => {
    expect(levelToState(volts, previous)).toBe(expected);
  });
});

describe('pilot-classify: diode check from the negative peak', () => {
  it.each<[number, boolean, boolean | null]>([
    [-12, true, true],
    [-10, true, true],
    [-9.9, true, false],
    [-6, true, false], // no diode under C: the negative half mirrors +6 V
    [0, true, false],
    [-12, false, null], // no PWM: not measurable
    [9, false, null],
  ])('GIVEN low peak %s V and PWM running=%s THEN diodeOk=%s', (lowV, pwm, expected) => {
    expect(diodeCheck(lowV, pwm)).toBe(expected);
  });
});

describe('pilot-classify: two-sample rule', () => {
  const run = (volts: number[], pwm = false, start: ClassifierMemory = FRESH_MEMORY): { accepted: Array<Reading | null>; memory: ClassifierMemory } => {
    let memory = start;
    const accepted: Array<Reading | null> = [];
    for (const v of volts) {
      const step = classify(memory, { highV: v, lowV: pwm ? -12 : v, pwmRunning: pwm });
      memory = step.memory;
      accepted.push(step.accepted);
    }
    return { accepted, memory };
  };
  const states = (r: Array<Reading | null>): Array<RawPilotState | null> => r.map((a) => a?.state ?? null);

  it('GIVEN nothing yet WHEN the first sample arrives THEN nothing is accepted until a second agrees', () => {
    expect(states(run([12, 12, 12]).accepted)).toEqual([null, 'A', null]);
  });

  it('GIVEN A WHEN a single B sample appears between A samples THEN the glitch is dropped', () => {
    expect(states(run([12, 12, 9, 12, 12]).accepted)).toEqual([null, 'A', null, null, null]);
  });

  it('GIVEN A WHEN two B samples follow THEN B is accepted on the second', () => {
    expect(states(run([12, 12, 9, 9, 9]).accepted)).toEqual([null, 'A', null, 'B', null]);
  });

  it('GIVEN alternating levels WHEN no two neighbours agree THEN nothing new is accepted', () => {
    expect(states(run([12, 12, 9, 6, 9, 6]).accepted)).toEqual([null, 'A', null, null, null, null]);
  });

  it('GIVEN B accepted WHEN readings hover in the 10-11 V gap THEN B holds, and from A the gap holds A', () => {
    expect(states(run([9, 9, 10.5, 10.6, 10.4]).accepted)).toEqual([null, 'B', null, null, null]);
    expect(states(run([12, 12, 10.5, 10.6, 10.4]).accepted)).toEqual([null, 'A', null, null, null]);
  });

  it('GIVEN F accepted WHEN the level rises to -10.5 V THEN it stays F; from nothing -10.5 V is invalid', () => {
    expect(states(run([-12, -12, -10.5, -10.5]).accepted)).toEqual([null, 'F', null, null]);
    expect(states(run([-10.5, -10.5]).accepted)).toEqual([null, 'invalid']);
  });

  it('GIVEN PWM with the diode seen WHEN the negative half stops reaching -12 V for two samples THEN diodeOk=false is accepted', () => {
    let memory = run([9, 9], true).memory;
    expect(memory.accepted).toEqual({ state: 'B', diodeOk: true });
    const lows = [-9, -9];
    const out: Array<Reading | null> = [];
    for (const lowV of lows) {
      const step = classify(memory, { highV: 9, lowV, pwmRunning: true });
      memory = step.memory;
      out.push(step.accepted);
    }
    expect(out).toEqual([null, { state: 'B', diodeOk: false }]);
  });

  it('GIVEN an accepted reading WHEN forced (output changed) and two samples agree THEN the same reading is accepted again', () => {
    const memory = { ...run([9, 9]).memory, last: null };
    const first = classify(memory, { highV: 9, lowV: 9, pwmRunning: false }, true);
    const second = classify(first.memory, { highV: 9, lowV: 9, pwmRunning: false }, true);
    expect([first.accepted, second.accepted]).toEqual([null, { state: 'B', diodeOk: null }]);
  });
});

describe('pilot-classify: a flickering diode never delays a state change', () => {
  /** Accepted under PWM: C with the diode seen, two agreeing samples. */
  const chargingC: ClassifierMemory = { accepted: { state: 'C', diodeOk: true }, last: { state: 'C', diodeOk: true } };
  const inA: ClassifierMemory = { accepted: { state: 'A', diodeOk: true }, last: { state: 'A', diodeOk: true } };
  const FLICKER = [-9.9, -10.1, -9.9, -10.1]; // the negative peak hovering at DIODE_MIN_NEGATIVE_V
  type Row = [string, ClassifierMemory, Array<[number, number]>, Array<Reading | null>];
  const rows: Row[] = [
    ['C -> B (opens the contactor) with the diode flickering', chargingC, FLICKER.slice(0, 3).map((l) => [9, l]), [null, { state: 'B', diodeOk: null }, null]],
    ['C -> A (unplug) with the diode flickering', chargingC, [[12, -9.9], [12, -10.1]], [null, { state: 'A', diodeOk: null }]],
    ['C -> E (short) with the diode flickering', chargingC, [[0, -9.9], [0, -10.1]], [null, { state: 'E', diodeOk: null }]],
    ['C -> B, then the diode settles and is confirmed by two samples', chargingC, [[9, -9.9], [9, -10.1], [9, -9.9], [9, -12], [9, -12]], [null, { state: 'B', diodeOk: null }, null, null, { state: 'B', diodeOk: true }]],
    ['C -> B, the diode agreeing on both samples', chargingC, [[9, -12], [9, -12]], [null, { state: 'B', diodeOk: true }]],
    ['C holding while the diode flickers: nothing changes, the confirmed diode is kept', chargingC, FLICKER.map((l) => [6, l]), [null, null, null, null]],
    ['C holding, the diode lost on two samples: reported', chargingC, [[6, -9], [6, -9]], [null, { state: 'C', diodeOk: false }]],
    ['A -> B: the diode seen in A (our own -12 V) is not carried into B', inA, [[9, -12], [9, -9], [9, -9]], [null, { state: 'B', diodeOk: null }, { state: 'B', diodeOk: false }]],
    ['a single B sample between C samples is still dropped', chargingC, [[9, -9.9], [6, -10.1], [6, -12]], [null, null, null]],
  ];
  it.each(rows)('GIVEN %s THEN the accepted readings are as listed', (_name, start, samples, expected) => {
    let memory = start;
    const accepted: Array<Reading | null> = [];
    for (const [highV, lowV] of samples) {
      const step = classify(memory, { highV, lowV, pwmRunning: true });
      memory = step.memory;
      accepted.push(step.accepted);
    }
    expect(accepted).toEqual(expected);
  });

  it('GIVEN the output changed (forced) under PWM WHEN two samples agree on the state but not on the diode THEN the state is re-confirmed with the diode confirmed before', () => {
    const memory: ClassifierMemory = { accepted: { state: 'C', diodeOk: true }, last: null };
    const first = classify(memory, { highV: 6, lowV: -9.9, pwmRunning: true }, true);
    const second = classify(first.memory, { highV: 6, lowV: -10.1, pwmRunning: true }, true);
    expect([first.accepted, second.accepted]).toEqual([null, { state: 'C', diodeOk: true }]);
  });

  it('GIVEN PWM stopped WHEN two samples agree THEN the diode is null whatever was confirmed under PWM', () => {
    const memory: ClassifierMemory = { accepted: { state: 'B', diodeOk: true }, last: null };
    const first = classify(memory, { highV: 9, lowV: 9, pwmRunning: false }, true);
    const second = classify(first.memory, { highV: 9, lowV: 9, pwmRunning: false }, true);
    expect(second.accepted).toEqual({ state: 'B', diodeOk: null });
  });
});
