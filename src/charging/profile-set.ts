// The set of installed charging profiles as pure operations (OCPP 1.6 sections 3.13.2, 5.5, 5.16): install with
// replacement, the installed-count check, ClearChargingProfile filters and the removal of TxProfiles at the end
// of a transaction. Every function returns a new list and leaves its input untouched.
// Must not: validate a profile (profile-check.ts), persist (store/charging-profiles.ts) or read clocks.

import type { ChargingProfile, InstalledProfile, ProfilePurpose } from './types.js';

export interface InstallResult {
  list: InstalledProfile[];
  /** chargingProfileIds of the profiles the new one replaced. */
  replaced: number[];
}

export interface RemoveResult {
  list: InstalledProfile[];
  removed: InstalledProfile[];
}

/** ClearChargingProfile.req fields (OCPP 1.6 6.5); structurally the same as ocpp-ts ClearChargingProfileRequest. */
export interface ClearFilter {
  id?: number;
  connectorId?: number;
  chargingProfilePurpose?: ProfilePurpose;
  stackLevel?: number;
}

/**
 * Whether installing `profile` on `connectorId` replaces `old`: the same chargingProfileId wherever it is
 * installed, or the same stackLevel and purpose on the same connector (OCPP 1.6 3.13.2).
 */
function replaces(old: InstalledProfile, connectorId: number, profile: ChargingProfile): boolean {
  if (old.profile.chargingProfileId === profile.chargingProfileId) return true;
  return (
    old.connectorId === connectorId &&
    old.profile.stackLevel === profile.stackLevel &&
    old.profile.chargingProfilePurpose === profile.chargingProfilePurpose
  );
}

function partition(list: readonly InstalledProfile[], drop: (p: InstalledProfile) => boolean): RemoveResult {
  const kept: InstalledProfile[] = [];
  const removed: InstalledProfile[] = [];
  for (const p of list) (drop(p) ? removed : kept).push(p);
  return { list: kept, removed };
}

/** Installs `profile` (installedAt = now), removing every profile it replaces; the new one goes last. */
export function installProfile(list: readonly InstalledProfile[], connectorId: number, profile: ChargingProfile, now: number): InstallResult {
  const { list: kept, removed } = partition(list, (old) => replaces(old, connectorId, profile));
  kept.push({ connectorId, profile, installedAt: now });
  return { list: kept, replaced: removed.map((p) => p.profile.chargingProfileId) };
}

/** True when installing `profile` would leave more than `max` profiles installed (after replacement). */
export function wouldExceed(list: readonly InstalledProfile[], connectorId: number, profile: ChargingProfile, max: number): boolean {
  let kept = 0;
  for (const old of list) if (!replaces(old, connectorId, profile)) kept++;
  return kept + 1 > max;
}

function matches(p: InstalledProfile, f: ClearFilter): boolean {
  if (f.connectorId !== undefined && p.connectorId !== f.connectorId) return false;
  if (f.chargingProfilePurpose !== undefined && p.profile.chargingProfilePurpose !== f.chargingProfilePurpose) return false;
  return f.stackLevel === undefined || p.profile.stackLevel === f.stackLevel;
}

/**
 * ClearChargingProfile (OCPP 1.6 5.5): with `id`, that profile only (other fields ignored); otherwise every
 * profile matching all given fields (connectorId 0 = profiles installed on connector 0 only); no field = all.
 */
export function clearProfiles(list: readonly InstalledProfile[], filter: ClearFilter): RemoveResult {
  if (filter.id !== undefined) return partition(list, (p) => p.profile.chargingProfileId === filter.id);
  return partition(list, (p) => matches(p, filter));
}

/** End of a transaction on `connectorId`: its TxProfiles are deleted (OCPP 1.6 3.13.2). */
export function removeTxProfiles(list: readonly InstalledProfile[], connectorId: number): RemoveResult {
  return partition(list, (p) => p.connectorId === connectorId && p.profile.chargingProfilePurpose === 'TxProfile');
}
