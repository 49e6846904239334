// Unit tests for EV over-current supervision (state-machines/overcurrent.ts, REFERENCE.md 3 "Overcurrent"):
// limit (PWM A + 0.5) x 1.1 per phase, persisting 7 s, on a ManualClock with meter samples 1 s apart.

import { createActor } from 'xstate';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../hal/sim/manual-clock.js';
import { overCurrentLimit, overCurrentMachine, type OverCurrentEmitted } from '../../../state-machines/overcurrent.js';
import { TIMING } from '../../../state-machines/timing.js';

const SAMPLE_MS = 1000;

function startSupervisor() {
  const clock = new ManualClock();
  const actor = createActor(overCurrentMachine, { clock });
  const trips: OverCurrentEmitted[] = [];
  actor.on('OverCurrentTripped', (e) => trips.push(e));
  actor.start();
  const sample = (maxPhaseA: number, pwmA: number): void => actor.send({ type: 'CurrentSample', maxPhaseA, pwmA });
  /** Sends `count` samples 1 s apart, the first one now; time ends at the last sample. */
  const samples = (count: number, maxPhaseA: number, pwmA: number): void => {
    for (let i = 0; i < count; i++) {
      if (i > 0) clock.advance(SAMPLE_MS);
      sample(maxPhaseA, pwmA);
    }
  };
  return { clock, actor, trips, sample, samples };
}

describe('overCurrentLimit (EVerest soft over-current)', () => {
  it.each([
    [6, 7.15],
    [16, 18.15],
    [32, 35.75],
    [63, 69.85],
  ])('GIVEN %s A on the PWM WHEN the limit is computed THEN it is (A + 0.5) x 1.1 = %s A', (pwmA, limit) => {
    expect(overCurrentLimit(pwmA)).toBeCloseTo(limit, 9);
  });

  it.each([0, -1])('GIVEN %s A on the PWM (no PWM) WHEN the limit is computed THEN there is none', (pwmA) => {
    expect(overCurrentLimit(pwmA)).toBeNull();
  });
});

describe('overCurrentMachine', () => {
  it('GIVEN 16 A on the PWM WHEN 18.3 A persists THEN it trips exactly 7 s after the first over-limit sample', () => {
    const s = startSupervisor();
    s.samples(7, 18.3, 16); // t = 0 .. 6 s
    s.clock.advance(SAMPLE_MS - 1); // t = 6.999 s
    expect(s.trips).toEqual([]);
    s.clock.advance(1); // t = 7 s
    expect(s.trips).toHaveLength(1);
    expect(s.trips[0]!.maxPhaseA).toBe(18.3);
    expect(s.trips[0]!.limitA).toBeCloseTo(18.15, 9);
    expect(s.actor.getSnapshot().value).toBe('tripped');
  });

  it('GIVEN the persist time WHEN compared with TIMING THEN it is the 7 s of REFERENCE.md 3', () => {
    expect(TIMING.overCurrentPersist).toBe(7000);
  });

  it('GIVEN 16 A on the PWM WHEN the EV draws just under the limit for a minute THEN it never trips', () => {
    const s = startSupervisor();
    s.samples(60, 18.1, 16);
    s.clock.advance(TIMING.overCurrentPersist);
    expect(s.trips).toEqual([]);
  });

  it('GIVEN over-limit samples WHEN one sample is back under the limit THEN the 7 s start again', () => {
    const s = startSupervisor();
    s.samples(3, 20, 16); // over at 0, 1, 2 s
    s.clock.advance(SAMPLE_MS);
    s.sample(17, 16); // under at 3 s
    s.clock.advance(SAMPLE_MS);
    s.samples(7, 20, 16); // over again from 4 s to 10 s
    s.clock.advance(SAMPLE_MS - 1); // 10.999 s: 6.999 s after the restart
    expect(s.trips).toEqual([]);
    s.clock.advance(1); // 11 s
    expect(s.trips).toHaveLength(1);
  });

  it('GIVEN the PWM current drops WHEN the same draw exceeds the new limit THEN the new limit is used', () => {
    const s = startSupervisor();
    s.sample(17, 16); // under 18.15
    s.clock.advance(SAMPLE_MS);
    s.samples(8, 17, 10); // over 11.55 from 1 s
    expect(s.trips).toHaveLength(1);
    expect(s.trips[0]!.limitA).toBeCloseTo(11.55, 9);
  });

  it('GIVEN no PWM (pwmA 0) WHEN the EV draws 40 A for a minute THEN it never trips', () => {
    const s = startSupervisor();
    s.samples(60, 40, 0);
    s.clock.advance(TIMING.overCurrentPersist * 2);
    expect(s.trips).toEqual([]);
    expect(s.actor.getSnapshot().value).toBe('normal');
  });

  it('GIVEN an over-current being timed WHEN PWM stops (pwmA 0) THEN the timer is cancelled', () => {
    const s = startSupervisor();
    s.samples(5, 40, 32);
    s.clock.advance(SAMPLE_MS);
    s.sample(40, 0);
    s.clock.advance(TIMING.overCurrentPersist * 2);
    expect(s.trips).toEqual([]);
  });

  it('GIVEN a trip WHEN over-limit samples continue THEN it stays latched and does not trip again', () => {
    const s = startSupervisor();
    s.samples(8, 40, 32);
    s.samples(20, 40, 32);
    s.sample(10, 32);
    s.clock.advance(TIMING.overCurrentPersist * 2);
    expect(s.trips).toHaveLength(1);
    expect(s.actor.getSnapshot().value).toBe('tripped');
  });

  it('GIVEN a trip WHEN Reset is sent THEN it re-arms and trips again after another 7 s', () => {
    const s = startSupervisor();
    s.samples(8, 40, 32);
    expect(s.trips).toHaveLength(1);
    s.actor.send({ type: 'Reset' });
    expect(s.actor.getSnapshot().value).toBe('normal');
    s.samples(7, 40, 32);
    s.clock.advance(SAMPLE_MS - 1);
    expect(s.trips).toHaveLength(1);
    s.clock.advance(1);
    expect(s.trips).toHaveLength(2);
  });

  it('GIVEN an over-current being timed WHEN Reset is sent THEN the timer is cancelled', () => {
    const s = startSupervisor();
    s.samples(5, 40, 32);
    s.actor.send({ type: 'Reset' });
    s.clock.advance(TIMING.overCurrentPersist * 2);
    expect(s.trips).toEqual([]);
  });
});
