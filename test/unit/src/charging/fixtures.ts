// Test fixtures for smart charging: compact builders of OCPP 1.6 charging profiles and installed profiles.
// Must not: hold assertions.

import type { ChargingProfile, Electrical, InstalledProfile, RateUnit } from '../../../../src/charging/types.js';

/** Monday 2025-03-03 00:00 UTC. */
export const MON = Date.parse('2025-03-03T00:00:00Z');
export const H = 3_600_000;
export const MIN = 60_000;
export const iso = (t: number): string => new Date(t).toISOString();

export const THREE_PHASE: Electrical = { voltageV: 230, phases: 3 };
export const ONE_PHASE: Electrical = { voltageV: 230, phases: 1 };

export interface ProfileSpec {
  id?: number;
  purpose?: ChargingProfile['chargingProfilePurpose'];
  stackLevel?: number;
  kind?: ChargingProfile['chargingProfileKind'];
  recurrencyKind?: 'Daily' | 'Weekly';
  transactionId?: number;
  validFrom?: number;
  validTo?: number;
  start?: number;
  durationS?: number;
  unit?: RateUnit;
  minChargingRate?: number;
  /** [startPeriod s, limit, numberPhases?] */
  periods?: Array<[number, number, number?]>;
}

let nextId = 1000;

export function profile(s: ProfileSpec = {}): ChargingProfile {
  const kind = s.kind ?? (s.start === undefined ? 'Relative' : 'Absolute');
  const p: ChargingProfile = {
    chargingProfileId: s.id ?? nextId++,
    stackLevel: s.stackLevel ?? 0,
    chargingProfilePurpose: s.purpose ?? 'TxDefaultProfile',
    chargingProfileKind: kind,
    chargingSchedule: {
      chargingRateUnit: s.unit ?? 'A',
      chargingSchedulePeriod: (s.periods ?? [[0, 16]]).map(([startPeriod, limit, numberPhases]) =>
        numberPhases === undefined ? { startPeriod, limit } : { startPeriod, limit, numberPhases },
      ),
    },
  };
  if (s.recurrencyKind !== undefined) p.recurrencyKind = s.recurrencyKind;
  if (s.transactionId !== undefined) p.transactionId = s.transactionId;
  if (s.validFrom !== undefined) p.validFrom = iso(s.validFrom);
  if (s.validTo !== undefined) p.validTo = iso(s.validTo);
  if (s.start !== undefined) p.chargingSchedule.startSchedule = iso(s.start);
  if (s.durationS !== undefined) p.chargingSchedule.duration = s.durationS;
  if (s.minChargingRate !== undefined) p.chargingSchedule.minChargingRate = s.minChargingRate;
  return p;
}

export const on = (connectorId: number, spec: ProfileSpec = {}, installedAt = MON - 24 * H): InstalledProfile => ({
  connectorId,
  profile: profile(spec),
  installedAt,
});
