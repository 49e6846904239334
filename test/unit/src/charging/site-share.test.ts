// The pure site allocator (src/charging/site-share.ts): equal share with water-filling under each connector's cap,
// the 6 A minimum, the most recently started connector paused first, 0.1 A flooring that never sums above the
// budget, and break-before-make staging of a new split.

import { describe, expect, it } from 'vitest';
import { shareSite, stageShares, type SiteConnector } from '../../../../src/charging/site-share.js';

const c = (connectorId: number, startedAt: number, capA = 32, wantsPower = true): SiteConnector => ({
  connectorId,
  wantsPower,
  startedAt,
  capA,
});
const asObject = (m: ReadonlyMap<number, number>): Record<number, number> => Object.fromEntries(m);

describe('shareSite', () => {
  const table: { name: string; budgetA: number; connectors: SiteConnector[]; want: Record<number, number> }[] = [
    { name: 'equal split of the budget', budgetA: 32, connectors: [c(1, 0), c(2, 1)], want: { 1: 16, 2: 16 } },
    { name: 'a capped connector leaves its surplus to the others', budgetA: 32, connectors: [c(1, 0, 10), c(2, 1)], want: { 1: 10, 2: 22 } },
    { name: 'water-filling over two caps', budgetA: 40, connectors: [c(1, 0, 8), c(2, 1, 13), c(3, 2)], want: { 1: 8, 2: 13, 3: 19 } },
    { name: 'more budget than all caps: each gets its cap', budgetA: 100, connectors: [c(1, 0, 16), c(2, 1, 32)], want: { 1: 16, 2: 32 } },
    { name: 'three share 30 A', budgetA: 30, connectors: [c(1, 0), c(2, 5), c(3, 9)], want: { 1: 10, 2: 10, 3: 10 } },
    { name: 'shares floor to 0.1 A', budgetA: 20, connectors: [c(1, 0), c(2, 5), c(3, 9)], want: { 1: 6.6, 2: 6.6, 3: 6.6 } },
    { name: 'exactly 6 A each still charges all', budgetA: 18, connectors: [c(1, 0), c(2, 5), c(3, 9)], want: { 1: 6, 2: 6, 3: 6 } },
    { name: 'short of 6 A each: the last started pauses', budgetA: 17, connectors: [c(1, 0), c(2, 5), c(3, 9)], want: { 1: 8.5, 2: 8.5, 3: 0 } },
    { name: 'start order, not connector id, decides', budgetA: 11.9, connectors: [c(1, 9), c(2, 5), c(3, 0)], want: { 1: 0, 2: 0, 3: 11.9 } },
    { name: 'equal start: the higher id pauses first', budgetA: 12, connectors: [c(2, 7), c(1, 7), c(3, 7)], want: { 1: 6, 2: 6, 3: 0 } },
    { name: 'below 6 A nobody charges', budgetA: 5.9, connectors: [c(1, 0), c(2, 1)], want: { 1: 0, 2: 0 } },
    { name: 'not wanting: 0 and no share', budgetA: 20, connectors: [c(1, 0), c(2, 1, 32, false)], want: { 1: 20, 2: 0 } },
    { name: 'a cap below 6 A cannot charge and takes no share', budgetA: 12, connectors: [c(1, 0, 5), c(2, 1)], want: { 1: 0, 2: 12 } },
    { name: 'a negative budget (house above the limit) gives 0', budgetA: -4, connectors: [c(1, 0)], want: { 1: 0 } },
    { name: 'a non-finite budget gives 0', budgetA: Number.NaN, connectors: [c(1, 0)], want: { 1: 0 } },
    { name: 'no connectors, nothing to share', budgetA: 30, connectors: [], want: {} },
  ];
  for (const t of table) {
    it(`GIVEN ${t.budgetA} A for ${t.connectors.length} connector(s) WHEN shared THEN ${t.name}`, () => {
      expect(asObject(shareSite({ budgetA: t.budgetA, connectors: t.connectors }))).toEqual(t.want);
    });
  }

  it('GIVEN connectors in any order WHEN shared THEN the result iterates in priority order, idle ones last', () => {
    const out = shareSite({ budgetA: 40, connectors: [c(4, 0, 32, false), c(3, 20), c(1, 10), c(2, 10)] });
    expect([...out.keys()]).toEqual([1, 2, 3, 4]);
  });

  it('GIVEN 2000 seeded random inputs WHEN shared THEN never above budget or cap, 6 A or 0, pausing latest first', () => {
    let seed = 42;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let k = 0; k < 2000; k++) {
      const list = Array.from({ length: 1 + Math.floor(rnd() * 5) }, (_, i) =>
        c(i + 1, Math.floor(rnd() * 4), 4 + Math.floor(rnd() * 30), rnd() > 0.2),
      );
      const budgetA = rnd() * 80 - 5;
      const out = shareSite({ budgetA, connectors: list });
      const total = [...out.values()].reduce((a, b) => a + b, 0);
      expect(total).toBeLessThanOrEqual(Math.max(0, budgetA) + 1e-6);
      for (const x of list) {
        const a = out.get(x.connectorId)!;
        expect(a === 0 || (a >= 6 && a <= x.capA)).toBe(true);
        if (a > 0) {
          const earlierPaused = list.filter((y) => y.wantsPower && y.capA >= 6 && out.get(y.connectorId) === 0);
          expect(earlierPaused.every((y) => y.startedAt > x.startedAt || (y.startedAt === x.startedAt && y.connectorId > x.connectorId))).toBe(true);
        }
      }
      const charging = list.filter((x) => out.get(x.connectorId)! > 0).length;
      const able = list.filter((x) => x.wantsPower && x.capA >= 6).length;
      expect(charging).toBe(Math.min(able, Math.floor(Math.max(0, budgetA) / 6 + 1e-6)));
    }
  });
});

describe('stageShares (break before make)', () => {
  const stage = (budgetA: number, targets: [number, number][], current: [number, number][], held: [number, number][] = []) =>
    asObject(stageShares({ budgetA, targets: new Map(targets), current: new Map(current), heldA: new Map(held) }));

  it('GIVEN a lowering and a raise WHEN the lowered EV may still draw its old offer THEN the raise waits', () => {
    // A goes 20 -> 10 for B's sake; A may still draw 20 for up to 10 s, so B gets nothing yet.
    expect(stage(20, [[1, 10], [2, 10]], [[1, 20]], [[1, 20]])).toEqual({ 1: 10, 2: 0 });
  });

  it('GIVEN the old offer has settled WHEN staged THEN the raise is taken in full', () => {
    expect(stage(20, [[1, 10], [2, 10]], [[1, 10]])).toEqual({ 1: 10, 2: 10 });
  });

  it('GIVEN partial headroom WHEN a charging connector is raised THEN it gets what fits; a paused one needs 6 A', () => {
    // 2 may still draw 20 (its own old offer does not block its raise back to 15); 1 gets 30 - 20 = 10 of 15.
    expect(stage(30, [[1, 15], [2, 15]], [[1, 8], [2, 12]], [[2, 20]])).toEqual({ 1: 10, 2: 15 });
    expect(stage(30, [[1, 15], [2, 15]], [[1, 0], [2, 15]], [[2, 25]])).toEqual({ 1: 0, 2: 15 });
    expect(stage(30, [[1, 15], [2, 15]], [[1, 0], [2, 15]], [[2, 24]])).toEqual({ 1: 6, 2: 15 });
  });

  it('GIVEN a connector gone from the targets WHEN staged THEN it drops out, but its old offer still counts', () => {
    expect(stage(16, [[2, 16]], [[1, 16]], [[1, 16]])).toEqual({ 2: 0 });
  });

  it('GIVEN a lower budget WHEN staged THEN every lowering is taken at once, whatever the headroom', () => {
    expect(stage(12, [[1, 6], [2, 6]], [[1, 16], [2, 16]], [[1, 32]])).toEqual({ 1: 6, 2: 6 });
  });
});
