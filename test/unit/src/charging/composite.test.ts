// GIVEN installed OCPP 1.6 charging profiles (stack levels, purposes, kinds, units, validity windows)
// WHEN the composite schedule of a connector is computed for a time window
// THEN OCPP 1.6 3.13 / 5.7 / REFERENCE.md 8: highest valid stack level per purpose, TxProfile over TxDefault,
// min with ChargePointMax, the connector's TxDefault over connector 0's, Recurring/Relative starts, W <-> A,
// minChargingRate as pause, merged periods, the default where nothing applies.

import { describe, expect, it } from 'vitest';
import { compositeSchedule, type CompositeInput } from '../../../../src/charging/composite.js';
import type { ActiveTx, InstalledProfile, RateUnit } from '../../../../src/charging/types.js';
import { H, MIN, MON, ONE_PHASE, THREE_PHASE, on } from './fixtures.js';

type Expected = Array<[number, number] | [number, number, number]>;

interface Case {
  name: string;
  profiles: InstalledProfile[];
  connectorId?: number;
  from?: number;
  durationS?: number;
  unit?: RateUnit;
  tx?: ActiveTx | null;
  defaultLimitA?: number;
  expected: Expected;
}

const SUN = MON - 24 * H;
const TX: ActiveTx = { transactionId: 7, startedAt: MON - 20 * MIN };

const CASES: Case[] = [
  { name: 'GIVEN no profile WHEN composed THEN the default limit all along', profiles: [], expected: [[0, 32]] },
  {
    name: 'GIVEN overlapping stack levels WHEN the higher one runs 2 h THEN it wins and the lower resumes when its duration ends',
    profiles: [on(1, { stackLevel: 0, start: MON, periods: [[0, 16]] }), on(1, { stackLevel: 1, start: MON + H, durationS: 7200, periods: [[0, 10], [3600, 8]] })],
    durationS: 4 * 3600,
    expected: [[0, 16], [3600, 10], [7200, 8], [10800, 16]],
  },
  {
    name: 'GIVEN a TxProfile and a TxDefaultProfile WHEN a transaction runs THEN the TxProfile overrides, even when higher',
    profiles: [on(1, { purpose: 'TxDefaultProfile', stackLevel: 5, periods: [[0, 10]] }), on(1, { purpose: 'TxProfile', stackLevel: 0, transactionId: 7, periods: [[0, 20]] })],
    tx: TX,
    expected: [[0, 20]],
  },
  {
    name: 'GIVEN a TxProfile for another transaction WHEN composed THEN TxDefault applies',
    profiles: [on(1, { periods: [[0, 10]] }), on(1, { purpose: 'TxProfile', transactionId: 8, periods: [[0, 20]] })],
    tx: TX,
    expected: [[0, 10]],
  },
  {
    name: 'GIVEN a TxProfile WHEN there is no transaction THEN it does not apply',
    profiles: [on(1, { periods: [[0, 10]] }), on(1, { purpose: 'TxProfile', periods: [[0, 20]] })],
    tx: null,
    expected: [[0, 10]],
  },
  {
    name: 'GIVEN a TxProfile ending after 1 h WHEN composed THEN TxDefault takes over when it ends',
    profiles: [on(1, { periods: [[0, 10]] }), on(1, { purpose: 'TxProfile', start: MON, durationS: 3600, periods: [[0, 20]] })],
    tx: TX,
    durationS: 7200,
    expected: [[0, 20], [3600, 10]],
  },
  {
    name: 'GIVEN a ChargePointMaxProfile 12 A from 01:00 to 02:00 WHEN TxDefault is 16 A THEN the min applies',
    profiles: [on(0, { purpose: 'ChargePointMaxProfile', start: MON + H, durationS: 3600, periods: [[0, 12]] }), on(1, { periods: [[0, 16]] })],
    durationS: 3 * 3600,
    expected: [[0, 16], [3600, 12], [7200, 16]],
  },
  {
    name: 'GIVEN a ChargePointMaxProfile above the TxProfile WHEN composed THEN the TxProfile limit stands',
    profiles: [on(0, { purpose: 'ChargePointMaxProfile', periods: [[0, 25]] }), on(1, { purpose: 'TxProfile', periods: [[0, 16]] })],
    tx: TX,
    expected: [[0, 16]],
  },
  {
    name: 'GIVEN a ChargePointMaxProfile only WHEN composed THEN it limits where the default would be higher',
    profiles: [on(0, { purpose: 'ChargePointMaxProfile', periods: [[0, 20]] })],
    expected: [[0, 20]],
  },
  {
    name: 'GIVEN TxDefault on connector 0 and on connector 1 WHEN connector 1 is composed THEN its own wins',
    profiles: [on(0, { stackLevel: 3, periods: [[0, 20]] }), on(1, { stackLevel: 0, periods: [[0, 10]] })],
    expected: [[0, 10]],
  },
  {
    name: 'GIVEN TxDefault on connector 0 and on connector 1 WHEN connector 2 is composed THEN connector 0 TxDefault applies',
    profiles: [on(0, { periods: [[0, 20]] }), on(1, { periods: [[0, 10]] })],
    connectorId: 2,
    expected: [[0, 20]],
  },
  {
    name: 'GIVEN a connector TxDefault covering 1 h WHEN outside it THEN the default applies (its stack replaces connector 0 TxDefault entirely)',
    profiles: [on(0, { periods: [[0, 20]] }), on(1, { start: MON, durationS: 3600, periods: [[0, 10]] })],
    durationS: 7200,
    expected: [[0, 10], [3600, 32]],
  },
  {
    name: 'GIVEN connector 0 WHEN composed THEN only ChargePointMax counts (TxDefault on 0 ignored)',
    profiles: [on(0, { purpose: 'ChargePointMaxProfile', start: MON, durationS: 3600, periods: [[0, 40]] }), on(0, { periods: [[0, 6]] })],
    connectorId: 0,
    durationS: 7200,
    defaultLimitA: 63,
    expected: [[0, 40], [3600, 63]],
  },
  {
    name: 'GIVEN a Daily profile 22:00 for 4 h WHEN composed from 21:00 for 6 h THEN it runs across midnight and stops at 02:00',
    profiles: [on(1, { kind: 'Recurring', recurrencyKind: 'Daily', start: Date.parse('2025-02-20T22:00:00Z'), durationS: 4 * 3600, periods: [[0, 10], [3600, 6]] })],
    from: SUN + 21 * H,
    durationS: 6 * 3600,
    expected: [[0, 32], [3600, 10], [7200, 6], [5 * 3600, 32]],
  },
  {
    name: 'GIVEN a Daily profile without duration WHEN composed across midnight THEN its last period runs until the next repetition',
    profiles: [on(1, { kind: 'Recurring', recurrencyKind: 'Daily', start: Date.parse('2025-03-01T06:00:00Z'), periods: [[0, 16], [16 * 3600, 8]] })],
    from: SUN + 20 * H,
    durationS: 12 * 3600,
    expected: [[0, 16], [2 * 3600, 8], [10 * 3600, 16]],
  },
  {
    name: 'GIVEN a Weekly profile Sunday 20:00 for 8 h WHEN composed a week later THEN it runs across the week boundary',
    profiles: [on(1, { kind: 'Recurring', recurrencyKind: 'Weekly', start: SUN + 20 * H, durationS: 8 * 3600, periods: [[0, 8], [6 * 3600, 12]] })],
    from: SUN + 7 * 24 * H + 18 * H,
    durationS: 12 * 3600,
    expected: [[0, 32], [2 * 3600, 8], [8 * 3600, 12], [10 * 3600, 32]],
  },
  {
    name: 'GIVEN a Weekly profile WHEN composed two weeks before its startSchedule THEN it repeats backwards as well',
    profiles: [on(1, { kind: 'Recurring', recurrencyKind: 'Weekly', start: SUN + 20 * H, durationS: 8 * 3600, periods: [[0, 8]] })],
    from: SUN - 14 * 24 * H + 19 * H,
    durationS: 4 * 3600,
    expected: [[0, 32], [3600, 8]],
  },
  {
    name: 'GIVEN a Relative TxProfile WHEN the transaction started 20 min before THEN periods count from the transaction start',
    profiles: [on(1, { purpose: 'TxProfile', durationS: 3600, periods: [[0, 16], [1800, 8]] })],
    tx: TX,
    durationS: 7200,
    expected: [[0, 16], [600, 8], [2400, 32]],
  },
  {
    name: 'GIVEN a Relative TxDefault WHEN there is no transaction THEN periods count from the composite start',
    profiles: [on(1, { durationS: 3600, periods: [[0, 16], [1800, 8]] })],
    durationS: 7200,
    expected: [[0, 16], [1800, 8], [3600, 32]],
  },
  {
    name: 'GIVEN a Relative profile valid from 01:00 WHEN there is no transaction THEN it joins mid-schedule (EVerest note)',
    profiles: [on(1, { validFrom: MON + H, periods: [[0, 32], [3600, 6]] })],
    durationS: 7200,
    defaultLimitA: 20,
    expected: [[0, 20], [3600, 6]],
  },
  {
    name: 'GIVEN a window validFrom 01:00 validTo 02:00 at stack 2 WHEN composed THEN it applies only inside',
    profiles: [on(1, { stackLevel: 0, periods: [[0, 16]] }), on(1, { stackLevel: 2, validFrom: MON + H, validTo: MON + 2 * H, periods: [[0, 6]] })],
    durationS: 3 * 3600,
    expected: [[0, 16], [3600, 6], [7200, 16]],
  },
  {
    name: 'GIVEN a profile whose validTo passed WHEN composed THEN it is ignored',
    profiles: [on(1, { validTo: MON - 1, periods: [[0, 6]] })],
    expected: [[0, 32]],
  },
  {
    name: 'GIVEN minChargingRate 6 WHEN a period limit is 5 THEN it counts as 0 (pause)',
    profiles: [on(1, { start: MON, minChargingRate: 6, periods: [[0, 10], [3600, 5], [7200, 6]] })],
    durationS: 3 * 3600,
    expected: [[0, 10], [3600, 0], [7200, 6]],
  },
  {
    name: 'GIVEN equal neighbouring limits from one and from two profiles WHEN composed THEN the periods merge',
    profiles: [on(1, { stackLevel: 0, start: MON, periods: [[0, 10], [600, 10], [1200, 12]] }), on(1, { stackLevel: 1, start: MON + H, durationS: 600, periods: [[0, 12]] })],
    durationS: 7200,
    expected: [[0, 10], [1200, 12]],
  },
  {
    name: 'GIVEN a transaction started at .500 s WHEN a Relative period starts inside a second THEN it is reported at that whole second',
    profiles: [on(1, { purpose: 'TxProfile', periods: [[0, 16], [10, 8]] })],
    tx: { transactionId: 7, startedAt: MON + 500 },
    durationS: 60,
    expected: [[0, 16], [10, 8]],
  },
  { name: 'GIVEN duration 0 WHEN composed THEN one period at 0', profiles: [on(1, { periods: [[0, 10]] })], durationS: 0, expected: [[0, 10]] },
];

function input(c: Case): CompositeInput {
  return {
    profiles: c.profiles,
    connectorId: c.connectorId ?? 1,
    from: c.from ?? MON,
    durationS: c.durationS ?? 3600,
    unit: c.unit ?? 'A',
    tx: c.tx ?? null,
    electrical: THREE_PHASE,
    defaultLimitA: c.defaultLimitA ?? 32,
  };
}

const periods = (e: Expected) => e.map(([startPeriod, limit, numberPhases]) => (numberPhases === undefined ? { startPeriod, limit } : { startPeriod, limit, numberPhases }));

describe('compositeSchedule', () => {
  it.each(CASES)('$name', (c) => {
    const out = compositeSchedule(input(c));
    expect(out.periods).toEqual(periods(c.expected));
    expect(out.startSchedule).toBe(c.from ?? MON);
    expect(out.duration).toBe(c.durationS ?? 3600);
  });

  it('GIVEN the input list WHEN composed THEN the input is not mutated', () => {
    const profiles = [on(1, { periods: [[0, 10]] })];
    const before = JSON.stringify(profiles);
    compositeSchedule(input({ name: '', profiles, expected: [] }));
    expect(JSON.stringify(profiles)).toBe(before);
  });
});

interface UnitCase {
  name: string;
  unit: RateUnit;
  profileUnit: RateUnit;
  limit: number;
  numberPhases?: number;
  electrical: typeof THREE_PHASE;
  expected: [number, number] | [number, number, number];
}

const UNIT_CASES: UnitCase[] = [
  { name: 'W 11040 on 3 phases -> 16 A', unit: 'A', profileUnit: 'W', limit: 11040, electrical: THREE_PHASE, expected: [0, 16] },
  { name: 'W 3680 with numberPhases 1 on a 3-phase connector -> 16 A', unit: 'A', profileUnit: 'W', limit: 3680, numberPhases: 1, electrical: THREE_PHASE, expected: [0, 16, 1] },
  { name: 'W 3680 on a 1-phase connector -> 16 A', unit: 'A', profileUnit: 'W', limit: 3680, electrical: ONE_PHASE, expected: [0, 16] },
  { name: 'W 11000 on 3 phases -> 15.9 A (rounded down)', unit: 'A', profileUnit: 'W', limit: 11000, electrical: THREE_PHASE, expected: [0, 15.9] },
  { name: 'A 16 on 3 phases -> 11040 W', unit: 'W', profileUnit: 'A', limit: 16, electrical: THREE_PHASE, expected: [0, 11040] },
  { name: 'A 16 on a 1-phase connector -> 3680 W', unit: 'W', profileUnit: 'A', limit: 16, electrical: ONE_PHASE, expected: [0, 3680] },
  { name: 'A 16 with numberPhases 1 on a 3-phase connector -> 3680 W', unit: 'W', profileUnit: 'A', limit: 16, numberPhases: 1, electrical: THREE_PHASE, expected: [0, 3680, 1] },
  { name: 'A 13.33 asked in A -> 13.3 A', unit: 'A', profileUnit: 'A', limit: 13.33, electrical: THREE_PHASE, expected: [0, 13.3] },
];

describe('compositeSchedule units', () => {
  it.each(UNIT_CASES)('GIVEN a profile in $profileUnit WHEN composed in $unit THEN $name', (c) => {
    const p = on(1, { unit: c.profileUnit, periods: [c.numberPhases === undefined ? [0, c.limit] : [0, c.limit, c.numberPhases]] });
    const out = compositeSchedule({ ...input({ name: '', profiles: [p], expected: [] }), unit: c.unit, electrical: c.electrical });
    expect(out.unit).toBe(c.unit);
    expect(out.periods).toEqual(periods([c.expected]));
  });

  it('GIVEN no profile WHEN composed in W THEN the default amps are converted with the connector phases', () => {
    const out = compositeSchedule({ ...input({ name: '', profiles: [], expected: [] }), unit: 'W' });
    expect(out.periods).toEqual([{ startPeriod: 0, limit: 22080 }]);
  });

  it('GIVEN ChargePointMax in W and TxDefault in A WHEN composed in A THEN the lower per-phase current wins', () => {
    const profiles = [on(0, { purpose: 'ChargePointMaxProfile', unit: 'W', start: MON + H, periods: [[0, 6900]] }), on(1, { periods: [[0, 16]] })];
    const out = compositeSchedule({ ...input({ name: '', profiles, expected: [] }), durationS: 7200 });
    expect(out.periods).toEqual([{ startPeriod: 0, limit: 16 }, { startPeriod: 3600, limit: 10 }]);
  });
});
