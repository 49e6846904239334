// GIVEN installed OCPP 1.6 charging profiles
// WHEN the runtime asks for the limit now (limitNow)
// THEN it names the purpose that sets it (or null for the default), converts to amps per phase, gives the next
// instant the limit can change, and agrees with compositeSchedule at every instant.

import { describe, expect, it } from 'vitest';
import { compositeSchedule, limitNow, type CompositeInput } from '../../../../src/charging/composite.js';
import type { InstalledProfile } from '../../../../src/charging/types.js';
import { H, MIN, MON, THREE_PHASE, on } from './fixtures.js';

const base = (profiles: InstalledProfile[], over: Partial<CompositeInput> = {}): Omit<CompositeInput, 'durationS'> => ({
  profiles,
  connectorId: 1,
  from: MON,
  unit: 'A',
  tx: null,
  electrical: THREE_PHASE,
  defaultLimitA: 32,
  ...over,
});

const TX = { transactionId: 7, startedAt: MON - 10 * MIN };

describe('limitNow', () => {
  it.each([
    { name: 'no profile -> default, source null, no change ever', profiles: [], tx: null, amps: 32, source: null, next: null },
    { name: 'TxDefault 16 A -> tx-default-profile', profiles: [on(1, { periods: [[0, 16]] })], tx: null, amps: 16, source: 'tx-default-profile', next: null },
    {
      name: 'TxProfile 10 A over TxDefault -> tx-profile',
      profiles: [on(1, { periods: [[0, 16]] }), on(1, { purpose: 'TxProfile', periods: [[0, 10]] })],
      tx: TX,
      amps: 10,
      source: 'tx-profile',
      next: null,
    },
    {
      name: 'ChargePointMax 8 A below TxProfile -> charge-point-max',
      profiles: [on(0, { purpose: 'ChargePointMaxProfile', periods: [[0, 8]] }), on(1, { purpose: 'TxProfile', periods: [[0, 10]] })],
      tx: TX,
      amps: 8,
      source: 'charge-point-max',
      next: null,
    },
    {
      name: 'ChargePointMax equal to TxDefault -> the transaction side is named',
      profiles: [on(0, { purpose: 'ChargePointMaxProfile', periods: [[0, 10]] }), on(1, { periods: [[0, 10]] })],
      tx: null,
      amps: 10,
      source: 'tx-default-profile',
      next: null,
    },
    {
      name: 'TxDefault in W 7360 on 3 phases -> 10.6 A',
      profiles: [on(1, { unit: 'W', periods: [[0, 7360]] })],
      tx: null,
      amps: 10.6,
      source: 'tx-default-profile',
      next: null,
    },
    {
      name: 'Relative TxProfile [0: 16, 1800: 8] from a transaction 10 min old -> 16 A until 20 min from now',
      profiles: [on(1, { purpose: 'TxProfile', periods: [[0, 16], [1800, 8]] })],
      tx: TX,
      amps: 16,
      source: 'tx-profile',
      next: MON + 20 * MIN,
    },
    {
      name: 'TxDefault now, a higher stack level starting at 02:00 -> next change at 02:00',
      profiles: [on(1, { stackLevel: 0, periods: [[0, 16]] }), on(1, { stackLevel: 3, start: MON + 2 * H, periods: [[0, 6]] })],
      tx: null,
      amps: 16,
      source: 'tx-default-profile',
      next: MON + 2 * H,
    },
    {
      name: 'a profile valid until 01:00 -> next change at validTo',
      profiles: [on(1, { validTo: MON + H, periods: [[0, 12]] })],
      tx: null,
      amps: 12,
      source: 'tx-default-profile',
      next: MON + H,
    },
  ])('GIVEN $name', (c) => {
    const out = limitNow(base(c.profiles as InstalledProfile[], { tx: c.tx }), MON);
    expect(out).toEqual({ amps: c.amps, source: c.source, nextChangeAt: c.next });
  });

  it('GIVEN a Daily profile for 8 h WHEN outside its hours THEN the default applies until it starts again', () => {
    const profiles = [on(1, { kind: 'Recurring', recurrencyKind: 'Daily', start: MON - 7 * 24 * H + 22 * H, durationS: 8 * 3600, periods: [[0, 6]] })];
    expect(limitNow(base(profiles), MON + 12 * H)).toEqual({ amps: 32, source: null, nextChangeAt: MON + 22 * H });
    expect(limitNow(base(profiles), MON + 23 * H)).toEqual({ amps: 6, source: 'tx-default-profile', nextChangeAt: MON + 30 * H });
  });
});

describe('limitNow agrees with compositeSchedule', () => {
  const profiles: InstalledProfile[] = [
    on(0, { purpose: 'ChargePointMaxProfile', kind: 'Recurring', recurrencyKind: 'Daily', start: MON + 17 * H, durationS: 4 * 3600, periods: [[0, 20], [3600, 14]] }),
    on(0, { purpose: 'ChargePointMaxProfile', stackLevel: 1, unit: 'W', start: MON + 30 * H, durationS: 2 * 3600, periods: [[0, 6900]] }),
    on(0, { stackLevel: 0, kind: 'Recurring', recurrencyKind: 'Weekly', start: MON - 7 * 24 * H + 8 * H, periods: [[0, 24], [10 * 3600, 18]] }),
    on(1, { purpose: 'TxProfile', stackLevel: 2, durationS: 5 * 3600, periods: [[0, 32], [1800, 16], [7200, 10]] }),
    on(1, { purpose: 'TxProfile', stackLevel: 1, validFrom: MON + 3 * H, validTo: MON + 40 * H, durationS: 8 * 3600, minChargingRate: 8, periods: [[0, 12], [3600, 7]] }),
  ];
  const input = { ...base(profiles, { tx: { transactionId: null, startedAt: MON + 90 * MIN } }), durationS: 2 * 24 * 3600 };
  const composite = compositeSchedule(input);
  const valueAt = (t: number): number => {
    const s = (t - MON) / 1000;
    return composite.periods.filter((p) => p.startPeriod <= s).at(-1)!.limit;
  };

  it('GIVEN the mixed set WHEN composed over 2 days THEN every purpose, kind, unit and minChargingRate shows (hand-computed)', () => {
    // TxDefault (conn 0, Weekly): 24 on Monday 08-18, else 18. CPMax Daily 17-18 20, 18-21 14; CPMax W 6900 = 10 A
    // Tue 06-08. Tx started 01:30: stack 2 32/16/10 until 06:30, then stack 1 (7 A < minChargingRate 8 -> 0) until 09:30.
    const hours = [[0, 18], [1.5, 32], [2, 16], [3.5, 10], [6.5, 0], [9.5, 24], [17, 20], [18, 14], [21, 18], [30, 10], [32, 18], [42, 14], [45, 18]];
    expect(composite.periods).toEqual(hours.map(([h, limit]) => ({ startPeriod: h! * 3600, limit })));
  });

  it('GIVEN every 5 minutes over 2 days WHEN limitNow is asked THEN it equals the composite value there', () => {
    for (let t = MON; t < MON + 48 * H; t += 5 * MIN) expect([t, limitNow(input, t).amps]).toEqual([t, valueAt(t)]);
  });

  it('GIVEN any instant WHEN nextChangeAt is given THEN the limit holds until just before it and the composite changes only there', () => {
    const changes = new Set(composite.periods.map((p) => MON + p.startPeriod * 1000));
    for (let t = MON; t < MON + 48 * H; t += 7 * MIN) {
      const now = limitNow(input, t);
      const next = now.nextChangeAt ?? MON + 48 * H;
      expect(next).toBeGreaterThan(t);
      for (const probe of [t, (t + next) / 2, next - 1]) if (probe < MON + 48 * H) expect(limitNow(input, probe).amps).toBe(now.amps);
      for (const c of changes) if (c > t && c < next) expect.fail(`composite changes at ${c}, before nextChangeAt ${next}`);
    }
  });
});
