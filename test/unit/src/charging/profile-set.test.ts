// GIVEN a set of installed charging profiles
// WHEN a profile is installed, the count is checked, profiles are cleared or a transaction ends
// THEN OCPP 1.6 3.13.2 / 5.5: replacement by chargingProfileId (anywhere) and by stackLevel + purpose on the same
// connector; ClearChargingProfile by id alone or by every given field; TxProfiles of the connector removed.

import { describe, expect, it } from 'vitest';
import { clearProfiles, installProfile, removeTxProfiles, wouldExceed, type ClearFilter } from '../../../../src/charging/profile-set.js';
import type { InstalledProfile } from '../../../../src/charging/types.js';
import { MON, on, profile } from './fixtures.js';

// id: connector / purpose / stackLevel
const SET: InstalledProfile[] = [
  on(0, { id: 1, purpose: 'ChargePointMaxProfile', stackLevel: 0 }),
  on(0, { id: 2, purpose: 'TxDefaultProfile', stackLevel: 0 }),
  on(1, { id: 3, purpose: 'TxDefaultProfile', stackLevel: 1 }),
  on(1, { id: 4, purpose: 'TxProfile', stackLevel: 1 }),
  on(2, { id: 5, purpose: 'TxProfile', stackLevel: 1 }),
  on(2, { id: 6, purpose: 'TxDefaultProfile', stackLevel: 2 }),
];
const ids = (list: readonly InstalledProfile[]): number[] => list.map((p) => p.profile.chargingProfileId);

describe('installProfile', () => {
  it.each([
    { name: 'a new id at a free stack level -> added, nothing replaced', connector: 1, spec: { id: 10, stackLevel: 5 }, replaced: [], left: [1, 2, 3, 4, 5, 6, 10] },
    { name: 'an existing id on another connector -> the old one is replaced', connector: 2, spec: { id: 3, stackLevel: 7 }, replaced: [3], left: [1, 2, 4, 5, 6, 3] },
    { name: 'the same stackLevel and purpose on the same connector -> replaced', connector: 1, spec: { id: 11, purpose: 'TxProfile' as const, stackLevel: 1 }, replaced: [4], left: [1, 2, 3, 5, 6, 11] },
    { name: 'the same stackLevel and purpose on another connector -> both stay', connector: 1, spec: { id: 12, purpose: 'TxDefaultProfile' as const, stackLevel: 2 }, replaced: [], left: [1, 2, 3, 4, 5, 6, 12] },
    { name: 'the same stackLevel, another purpose -> both stay', connector: 2, spec: { id: 13, purpose: 'TxProfile' as const, stackLevel: 2 }, replaced: [], left: [1, 2, 3, 4, 5, 6, 13] },
    { name: 'an id and a stack slot of two different profiles -> both replaced', connector: 0, spec: { id: 6, purpose: 'ChargePointMaxProfile' as const, stackLevel: 0 }, replaced: [1, 6], left: [2, 3, 4, 5, 6] },
  ])('GIVEN $name', (c) => {
    const p = profile(c.spec);
    const out = installProfile(SET, c.connector, p, MON);
    expect(out.replaced).toEqual(c.replaced);
    expect(ids(out.list)).toEqual(c.left);
    expect(out.list.at(-1)).toEqual({ connectorId: c.connector, profile: p, installedAt: MON });
    expect(ids(SET)).toEqual([1, 2, 3, 4, 5, 6]); // input untouched
  });
});

describe('wouldExceed', () => {
  it.each([
    { name: 'a new profile with 6 installed and max 6', spec: { id: 20, stackLevel: 9 }, max: 6, exceeds: true },
    { name: 'a new profile with 6 installed and max 7', spec: { id: 20, stackLevel: 9 }, max: 7, exceeds: false },
    { name: 'a replacing profile with 6 installed and max 6', spec: { id: 3, stackLevel: 9 }, max: 6, exceeds: false },
    { name: 'one replacing two with 6 installed and max 5', spec: { id: 6, purpose: 'TxDefaultProfile' as const, stackLevel: 1 }, max: 5, exceeds: false },
  ])('GIVEN $name THEN $exceeds', (c) => {
    expect(wouldExceed(SET, 1, profile(c.spec), c.max)).toBe(c.exceeds);
  });
});

describe('clearProfiles', () => {
  it.each<{ name: string; filter: ClearFilter; removed: number[] }>([
    { name: 'id 4 (other fields ignored)', filter: { id: 4, connectorId: 2, stackLevel: 9 }, removed: [4] },
    { name: 'an unknown id', filter: { id: 99 }, removed: [] },
    { name: 'purpose TxDefaultProfile', filter: { chargingProfilePurpose: 'TxDefaultProfile' }, removed: [2, 3, 6] },
    { name: 'stack level 1', filter: { stackLevel: 1 }, removed: [3, 4, 5] },
    { name: 'connector 2', filter: { connectorId: 2 }, removed: [5, 6] },
    { name: 'connector 0 (only profiles installed on 0)', filter: { connectorId: 0 }, removed: [1, 2] },
    { name: 'connector 1 + TxProfile + stack level 1', filter: { connectorId: 1, chargingProfilePurpose: 'TxProfile', stackLevel: 1 }, removed: [4] },
    { name: 'purpose + stack level matching nothing together', filter: { chargingProfilePurpose: 'ChargePointMaxProfile', stackLevel: 1 }, removed: [] },
    { name: 'no field (all)', filter: {}, removed: [1, 2, 3, 4, 5, 6] },
  ])('GIVEN a filter by $name THEN exactly those are removed', (c) => {
    const out = clearProfiles(SET, c.filter);
    expect(ids(out.removed)).toEqual(c.removed);
    expect(ids(out.list)).toEqual(ids(SET).filter((id) => !c.removed.includes(id)));
  });
});

describe('removeTxProfiles', () => {
  it('GIVEN TxProfiles on connectors 1 and 2 WHEN the transaction on 1 ends THEN only connector 1 TxProfile goes', () => {
    const out = removeTxProfiles(SET, 1);
    expect(ids(out.removed)).toEqual([4]);
    expect(ids(out.list)).toEqual([1, 2, 3, 5, 6]);
  });

  it('GIVEN no TxProfile on connector 0 WHEN asked for it THEN nothing is removed', () => {
    expect(removeTxProfiles(SET, 0).removed).toEqual([]);
  });
});
