// GIVEN constraints on one connector WHEN they are set, changed and lifted THEN the lowest wins, the deciding
// constraint is named (ties go to the connector's own cap before shared budgets), the machine is told only
// when the amps change, and thermal derating falls linearly to 6 A at the trip temperature.

import { describe, expect, it } from 'vitest';
import { ConnectorLimitSet, thermalLimitA } from '../../../../src/charging/connector-limit.js';

function rig(max = 32) {
  const applied: number[] = [];
  const changes: string[] = [];
  const set = new ConnectorLimitSet(max, (a) => applied.push(a));
  set.onChange((l) => changes.push(`${l.amps}:${l.source}`));
  return { set, applied, changes };
}

describe('ConnectorLimitSet', () => {
  it('GIVEN only the configured maximum THEN it is the limit', () => {
    const { set } = rig(16);
    expect(set.current).toEqual({ amps: 16, source: 'connector-max' });
    expect(set.view().constraints).toEqual({ 'connector-max': 16 });
  });

  it('GIVEN several constraints THEN the lowest wins and lifting it restores the next', () => {
    const { set, applied, changes } = rig(32);
    set.set('cable', 20);
    set.set('tx-default-profile', 10);
    set.set('site', 12);
    expect(set.current).toEqual({ amps: 10, source: 'tx-default-profile' });
    set.set('tx-default-profile', null);
    expect(set.current).toEqual({ amps: 12, source: 'site' });
    expect(applied).toEqual([20, 10, 12]);
    expect(changes).toEqual(['20:cable', '10:tx-default-profile', '12:site']);
  });

  it('GIVEN a tie THEN the connector-side constraint is named, not the shared budget', () => {
    const { set } = rig(16);
    set.set('site', 16);
    expect(set.current).toEqual({ amps: 16, source: 'connector-max' });
    set.set('cable', 13);
    set.set('charge-point-max', 13);
    expect(set.current).toEqual({ amps: 13, source: 'cable' });
  });

  it('GIVEN the same value again or a change of source only THEN the machine is not told again', () => {
    const { set, applied, changes } = rig(32);
    set.set('site', 10);
    set.set('site', 10);
    set.set('tx-profile', 10);
    set.set('site', null);
    expect(applied).toEqual([10]);
    expect(changes).toEqual(['10:site', '10:tx-profile']);
  });

  it('GIVEN the configured maximum WHEN someone tries to lift it THEN it stays; capWithout ignores shared budgets', () => {
    const { set } = rig(16);
    set.set('connector-max', null);
    set.set('site', 8);
    set.set('charge-point-max', 7);
    expect(set.current.amps).toBe(7);
    expect(set.capWithout(['site', 'charge-point-max'])).toBe(16);
  });

  it('GIVEN negative or unrounded amps THEN they are clamped at 0 and rounded to 0.1', () => {
    const { set } = rig(32);
    set.set('invalid-id', -3);
    expect(set.current).toEqual({ amps: 0, source: 'invalid-id' });
    set.set('invalid-id', null);
    set.set('thermal', 12.345);
    expect(set.current.amps).toBe(12.3);
  });
});

describe('thermalLimitA', () => {
  it.each([
    [null, null],
    [59.9, null],
    [60, 32],
    [65.5, 19],
    [70.9, 6.2],
    [71, 6],
    [90, 6],
  ])('GIVEN %s °C with derating from 60 to 71 and 32 A THEN %s', (celsius, expected) => {
    expect(thermalLimitA(celsius, 32, 60, 71)).toBe(expected);
  });
});
