// Unit tests for the duty <-> current encoding (REFERENCE.md 1.2): the EVSE side (state-machines/pwm.ts)
// and the EV side reading of the duty used by the simulated EV (hal/sim/ev.ts currentFromDuty).

import { describe, expect, it } from 'vitest';
import { currentFromDuty } from '../../../hal/sim/ev.js';
import { currentForDuty, dutyForCurrent, MAX_CURRENT_A, MIN_CURRENT_A } from '../../../state-machines/pwm.js';

/** Currents from `from` to `to` A in 0.1 A steps, built from integers so no float drift accumulates. */
function tenths(from: number, to: number): number[] {
  const out: number[] = [];
  for (let t = Math.round(from * 10); t <= Math.round(to * 10); t++) out.push(t / 10);
  return out;
}

describe('dutyForCurrent (EVSE side, REFERENCE.md 1.2)', () => {
  it.each([
    [6, 10],
    [16, 26.7],
    [32, 53.3],
    [51, 85],
    [63, 89.2],
    [80, 96],
  ])('GIVEN an offered current of %s A WHEN encoded THEN the duty is %s percent', (amps, duty) => {
    expect(dutyForCurrent(amps)).toBeCloseTo(duty, 5);
  });

  it('GIVEN the 6-51 A band WHEN encoded THEN duty = I / 0.6 rounded to 0.1 %', () => {
    for (const a of tenths(6, 51)) expect(dutyForCurrent(a)).toBeCloseTo(Math.round((a / 0.6) * 10) / 10, 5);
  });

  it('GIVEN the 52.5-80 A band WHEN encoded THEN duty = I / 2.5 + 64', () => {
    for (const a of [52.5, 55, 63, 70, 75, 80]) expect(dutyForCurrent(a)).toBeCloseTo(a / 2.5 + 64, 5);
  });

  it.each([5.99, 5.9, 5, 0, -1, -Infinity])(
    'GIVEN %s A (below 6 A) WHEN encoded THEN no PWM may be offered (null)',
    (amps) => {
      expect(dutyForCurrent(amps)).toBeNull();
    },
  );

  it('GIVEN NaN WHEN encoded THEN null (never a NaN duty on the line)', () => {
    expect(dutyForCurrent(Number.NaN)).toBeNull();
  });

  it.each([51.01, 51.5, 52, 52.49])(
    'GIVEN %s A, inside the 51-52.5 A gap the standard leaves undefined, WHEN encoded THEN clamped to 51 A (85 percent)',
    (amps) => {
      expect(dutyForCurrent(amps)).toBeCloseTo(85, 5);
    },
  );

  it.each([80.1, 81, 100, 1000])('GIVEN %s A (above 80 A) WHEN encoded THEN clamped to 80 A (96 percent)', (amps) => {
    expect(dutyForCurrent(amps)).toBeCloseTo(96, 5);
  });

  it('GIVEN any current from 6 A to 80 A WHEN encoded THEN the duty is never below 10 % (a Leaf drops off) nor above 96 %', () => {
    for (const a of tenths(MIN_CURRENT_A, MAX_CURRENT_A)) {
      const d = dutyForCurrent(a);
      expect(d).not.toBeNull();
      expect(d!).toBeGreaterThanOrEqual(10);
      expect(d!).toBeLessThanOrEqual(96);
    }
  });

  it('GIVEN increasing currents WHEN encoded THEN the duty never decreases (monotonic across the gap)', () => {
    let previous = 0;
    for (const a of tenths(6, 80)) {
      const d = dutyForCurrent(a)!;
      expect(d).toBeGreaterThanOrEqual(previous);
      previous = d;
    }
  });
});

describe('currentForDuty (EVSE side inverse)', () => {
  it.each([
    [10, 6],
    [26.7, 16],
    [53.3, 32],
    [85, 51],
    [89.2, 63],
    [96, 80],
  ])('GIVEN a duty of %s percent WHEN decoded THEN it signals %s A', (duty, amps) => {
    expect(currentForDuty(duty)).toBeCloseTo(amps, 5);
  });

  it('GIVEN every 0.1 A from 6 to 51 A WHEN encoded and decoded THEN the round trip is within 0.1 A', () => {
    const off = tenths(6, 51).filter((a) => Math.abs(currentForDuty(dutyForCurrent(a)!) - a) > 0.1 + 1e-9);
    expect(off).toEqual([]);
  });

  it('GIVEN whole amps from 53 to 80 A WHEN encoded and decoded THEN the round trip is exact', () => {
    for (let a = 53; a <= 80; a++) expect(currentForDuty(dutyForCurrent(a)!)).toBeCloseTo(a, 5);
  });

  // Exposes a rounding bug at the gap edge: 52.5 < I < 52.625 A encode to I / 2.5 + 64 < 85.05 %, which
  // round1 makes exactly 85.0 %, and 85 % decodes (and the EV reads it) as 51 A. See the report.
  it('GIVEN every 0.1 A from 52.6 to 80 A WHEN encoded and decoded THEN the round trip is within 0.1 A', () => {
    const off = tenths(52.6, 80)
      .map((a) => ({ a, back: currentForDuty(dutyForCurrent(a)!) }))
      .filter(({ a, back }) => Math.abs(back - a) > 0.1 + 1e-9);
    expect(off).toEqual([]);
  });
});

describe('currentFromDuty (EV side reading, Fluke FEV300 table in REFERENCE.md 1.2)', () => {
  it.each([
    [0, 0],
    [2.9, 0], // < 3 %: E/F, no charging
    [5, 0], // 5 %: digital communication required, no analogue current
    [7.5, 0], // 7-8 %: error
    [8, 6],
    [9.9, 6],
    [10, 6],
    [26.7, 16.02],
    [53.3, 31.98],
    [85, 51],
    [89.2, 63],
    [96, 80],
    [96.5, 80],
    [97, 80],
    [98, 0],
    [100, 0], // X1: no charging allowed
  ])('GIVEN a duty of %s percent WHEN the EV reads it THEN it may draw %s A', (duty, amps) => {
    expect(currentFromDuty(duty)).toBeCloseTo(amps, 5);
  });

  it('GIVEN any duty the EVSE produces WHEN the EV reads it THEN the EV reads what the EVSE meant (within 0.1 A)', () => {
    for (const a of [...tenths(6, 51), ...Array.from({ length: 28 }, (_, i) => 53 + i)]) {
      expect(Math.abs(currentFromDuty(dutyForCurrent(a)!) - a)).toBeLessThanOrEqual(0.1 + 1e-9);
    }
  });
});
