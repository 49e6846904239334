// The stateful site balancer (src/charging/site-balancer.ts) on a ManualClock: config refusal of a reaction time
// that cannot be met, budget = limit without a meter, house load = grid - our draw per phase, lowering at once and
// raising only after the hold, stale meter -> fallback (0 A) and back, break-before-make between connectors, and
// the change listener.

import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../hal/sim/manual-clock.js';
import {
  SiteBalancer,
  siteConfigProblems,
  worstCaseReactionMs,
  type SiteBalancerConfig,
  type SiteConnectorState,
} from '../../../../src/charging/site-balancer.js';

const ev = (connectorId: number, startedAt: number, drawPhasesA: number[] = [0, 0, 0], capA = 32): SiteConnectorState => ({
  connectorId,
  wantsPower: true,
  startedAt,
  capA,
  drawPhasesA,
});
const asObject = (m: ReadonlyMap<number, number>): Record<number, number> => Object.fromEntries(m);

function grid(config: Partial<SiteBalancerConfig> = {}): { clock: ManualClock; b: SiteBalancer; read: (a: number[]) => void } {
  const clock = new ManualClock();
  const b = new SiteBalancer({ limitA: 40, meter: 'grid', ...config }, clock);
  return { clock, b, read: (a) => b.onGridReading(a, clock.now()) };
}

/** Reads the same phase currents every 2 s for ms. */
function readFor(clock: ManualClock, read: (a: number[]) => void, amps: number[], ms: number): void {
  for (let t = 0; t < ms; t += 2_000) {
    clock.advance(2_000);
    read(amps);
  }
}

describe('site balancer config', () => {
  it('GIVEN the defaults WHEN checked THEN a 15 s reaction time is just met (5 s stale + 5 s PWM hold + 5 s EV)', () => {
    expect(worstCaseReactionMs({ limitA: 40, meter: 'grid' })).toBe(15_000);
    expect(siteConfigProblems({ limitA: 40, meter: 'grid' })).toEqual([]);
  });

  it('GIVEN a reaction time below the worst case WHEN constructed THEN it is refused with the arithmetic', () => {
    const cfg: SiteBalancerConfig = { limitA: 40, meter: 'grid', reactionTimeMs: 12_000 };
    expect(siteConfigProblems(cfg)).toEqual([
      'reactionTimeMs: 12000 ms cannot be met; the worst case is 15000 ms (meter detection 5000 + PWM hold 5000 + EV response 5000)',
    ]);
    expect(() => new SiteBalancer(cfg, new ManualClock())).toThrow(/reactionTimeMs: 12000 ms cannot be met/);
  });

  it('GIVEN no meter WHEN checked THEN only the PWM hold and the EV response count', () => {
    expect(siteConfigProblems({ limitA: 40, meter: 'none', reactionTimeMs: 10_000 })).toEqual([]);
    expect(siteConfigProblems({ limitA: 40, meter: 'none', reactionTimeMs: 9_000 })).toHaveLength(1);
  });

  it('GIVEN nonsense values WHEN checked THEN each gets its own line', () => {
    const problems = siteConfigProblems({ limitA: 0, meter: 'grid', marginA: -1, staleMs: 1_000, raiseHoldMs: 0, fallbackA: 99 });
    expect(problems.map((p) => p.split(':')[0])).toEqual(['limitA', 'marginA', 'staleMs', 'raiseHoldMs', 'fallbackA']);
  });
});

describe('SiteBalancer without a meter', () => {
  it('GIVEN two sessions WHEN updated THEN they share the limit, the later one waiting for the first to settle', () => {
    const clock = new ManualClock();
    const b = new SiteBalancer({ limitA: 20, meter: 'none' }, clock);
    b.update([ev(1, 0)]);
    expect(asObject(b.budgets())).toEqual({ 1: 20 });
    b.update([ev(1, 0), ev(2, 1)]);
    expect(asObject(b.budgets())).toEqual({ 1: 10, 2: 0 }); // 1 may draw 20 for up to 5 s PWM hold + 5 s EV
    clock.advance(9_999);
    expect(b.budgets().get(2)).toBe(0);
    clock.advance(1);
    expect(asObject(b.budgets())).toEqual({ 1: 10, 2: 10 });
    expect(b.limitFor(2)).toEqual({ amps: 10, source: 'site' });
    expect(b.limitFor(7)).toEqual({ amps: 0, source: 'site' });
  });

  it('GIVEN a session ends WHEN updated THEN the other is raised only after the ended one may have stopped drawing', () => {
    const clock = new ManualClock();
    const b = new SiteBalancer({ limitA: 20, meter: 'none' }, clock);
    b.update([ev(1, 0), ev(2, 1)]);
    clock.advance(60_000);
    b.update([ev(2, 1)]);
    expect(asObject(b.budgets())).toEqual({ 2: 10 });
    clock.advance(10_000);
    expect(asObject(b.budgets())).toEqual({ 2: 20 });
  });
});

describe('SiteBalancer with a grid meter', () => {
  it('GIVEN grid and draws per phase WHEN read THEN house = worst phase of grid - our draw; budget = limit - margin - house', () => {
    const { b, read } = grid();
    b.update([ev(1, 0, [10, 10, 10]), ev(2, 1, [0, 8, 0])]);
    read([22, 30, 14]); // house per phase 12, 12, 4
    expect(b.status()).toEqual({ limitA: 40, budgetA: 0, houseA: 12, meterStale: false }); // first reading: hold
  });

  it('GIVEN no reading yet WHEN a session starts THEN it gets the fallback (0 A) and charges after the raise hold', () => {
    const { clock, b, read } = grid();
    b.update([ev(1, 0)]);
    expect(b.status().meterStale).toBe(true);
    expect(b.budgets().get(1)).toBe(0);
    readFor(clock, read, [5, 5, 5], 12_000); // readings from t = 2 s; the hold ends at 14 s
    expect(b.budgets().get(1)).toBe(0);
    readFor(clock, read, [5, 5, 5], 2_000);
    expect(b.budgets().get(1)).toBe(32);
  });

  it('GIVEN steady charging WHEN the house steps up THEN the budget drops with the reading that confirms it', () => {
    const { clock, b, read } = grid();
    b.update([ev(1, 0, [16, 16, 16]), ev(2, 0, [16, 16, 16])]);
    readFor(clock, read, [36, 36, 36], 20_000); // house 4 -> budget 35
    expect(asObject(b.budgets())).toEqual({ 1: 17.5, 2: 17.5 });
    const seen: Record<number, number>[] = [];
    b.onChange((m) => seen.push(asObject(m)));
    clock.advance(1_000);
    read([36, 50, 36]); // house 18 on L2 -> budget 21, once: could be our own EV seen early by the grid meter
    expect(seen).toEqual([]);
    clock.advance(2_000);
    read([36, 50, 36]); // confirmed: lowered in the same call
    expect(seen).toEqual([{ 1: 10.5, 2: 10.5 }]);
  });

  it('GIVEN one reading that shows more load WHEN the next is back to normal THEN nothing changes (no flapping)', () => {
    const { clock, b, read } = grid();
    b.update([ev(1, 0, [16, 16, 16]), ev(2, 0, [16, 16, 16])]);
    readFor(clock, read, [36, 36, 36], 20_000);
    const seen: Record<number, number>[] = [];
    b.onChange((m) => seen.push(asObject(m)));
    clock.advance(2_000);
    read([44, 44, 44]);
    clock.advance(2_000);
    read([36, 36, 36]);
    readFor(clock, read, [36, 36, 36], 20_000);
    expect(seen).toEqual([]);
  });

  it('GIVEN the house drops WHEN readings stay low THEN the raise waits the hold; a dip in between restarts it', () => {
    const { clock, b, read } = grid();
    b.update([ev(1, 0, [0, 0, 0])]);
    readFor(clock, read, [20, 20, 20], 20_000); // budget 19
    expect(b.budgets().get(1)).toBe(19);
    readFor(clock, read, [10, 10, 10], 10_000); // candidate 29, still held back
    expect(b.budgets().get(1)).toBe(19);
    readFor(clock, read, [14, 14, 14], 4_000); // a smaller step (two readings: confirmed) just before the hold ends
    expect(b.budgets().get(1)).toBe(25);
    readFor(clock, read, [10, 10, 10], 10_000);
    expect(b.budgets().get(1)).toBe(25);
    readFor(clock, read, [10, 10, 10], 2_000);
    expect(b.budgets().get(1)).toBe(29);
  });

  it('GIVEN the meter goes silent WHEN staleMs passes THEN all chargers get the fallback without any further input', () => {
    const { clock, b, read } = grid();
    b.update([ev(1, 0), ev(2, 5)]);
    readFor(clock, read, [10, 10, 10], 20_000);
    expect(asObject(b.budgets())).toEqual({ 1: 14.5, 2: 14.5 });
    clock.advance(4_999);
    expect(b.status().meterStale).toBe(false);
    clock.advance(1);
    expect(asObject(b.budgets())).toEqual({ 1: 0, 2: 0 });
    expect(b.status()).toMatchObject({ budgetA: 0, meterStale: true });
  });

  it('GIVEN a stale meter with a fallback WHEN it answers again THEN the fallback holds for the raise hold', () => {
    const { clock, b, read } = grid({ fallbackA: 12 });
    b.update([ev(1, 0), ev(2, 5)]);
    readFor(clock, read, [10, 10, 10], 20_000);
    clock.advance(30_000);
    expect(asObject(b.budgets())).toEqual({ 1: 6, 2: 6 });
    readFor(clock, read, [10, 10, 10], 12_000); // back from the first of these readings; held until 12 s after it
    expect(asObject(b.budgets())).toEqual({ 1: 6, 2: 6 });
    readFor(clock, read, [10, 10, 10], 2_000);
    expect(asObject(b.budgets())).toEqual({ 1: 14.5, 2: 14.5 });
  });

  it('GIVEN bad or out-of-order readings WHEN sent THEN they are dropped and the meter still goes stale', () => {
    const { clock, b, read } = grid();
    b.update([ev(1, 0)]);
    readFor(clock, read, [10, 10, 10], 20_000);
    const t = clock.now();
    clock.advance(3_000);
    read([Number.NaN, 1, 1]);
    b.onGridReading([1, 1, 1], t - 1_000);
    clock.advance(2_000);
    expect(b.status().meterStale).toBe(true);
    expect(b.budgets().get(1)).toBe(0);
  });

  it('GIVEN the house alone above the limit WHEN read THEN every charger is paused at once', () => {
    const { clock, b, read } = grid();
    b.update([ev(1, 0, [10, 10, 10])]);
    readFor(clock, read, [20, 20, 20], 20_000);
    clock.advance(1_000);
    read([20, 55, 20]);
    clock.advance(1_000);
    read([20, 55, 20]);
    expect(asObject(b.budgets())).toEqual({ 1: 0 });
    expect(b.status().houseA).toBe(45);
  });

  it('GIVEN a listener WHEN unsubscribed or stopped THEN it is no longer called and no timer is left', () => {
    const { clock, b, read } = grid();
    const calls: number[] = [];
    const off = b.onChange((m) => calls.push(m.get(1) ?? -1));
    b.update([ev(1, 0)]);
    readFor(clock, read, [10, 10, 10], 14_000);
    off();
    read([30, 30, 30]);
    expect(calls).toEqual([0, 29]);
    b.stop();
    expect(clock.pending).toBe(0);
  });
});
