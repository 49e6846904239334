// OCPP smart charging (Smart Charging profile, OCPP 1.6 sections 3.13, 5.5, 5.7, 5.16): the installed charging
// profiles (in memory and in SQLite), SetChargingProfile / ClearChargingProfile / GetCompositeSchedule answers,
// TxProfiles of RemoteStartTransaction and their removal at the end of the transaction, and the profile limits
// the runtime limits (limits.ts) ask for.
// Must not: hold schedule rules (composite.ts, schedule.ts), validation rules (profile-check.ts) or drive outputs.

import type { Logger } from '../log.js';
import type { ChargingProfileStore } from '../store/charging-profiles.js';
import { compositeSchedule, limitNow } from './composite.js';
import type { ProfileLimits } from './limits.js';
import { checkProfile, type CheckResult } from './profile-check.js';
import { clearProfiles, installProfile, removeTxProfiles, wouldExceed, type ClearFilter } from './profile-set.js';
import type { ActiveTx, ChargingProfile, ChargingSchedule, Electrical, InstalledProfile, RateUnit } from './types.js';

export interface SmartChargingDeps {
  store: ChargingProfileStore;
  log: Logger;
  /** Wall-clock epoch ms (the CSMS's time once known). */
  now: () => number;
  connectorIds: () => number[];
  activeTx: (connectorId: number) => ActiveTx | null;
  electrical: (connectorId: number) => Electrical;
  /** Amps per phase where no profile limits a connector (its configured maximum; connector 0: the largest). */
  defaultLimitA: (connectorId: number) => number;
  keys: { maxStackLevel: () => number; allowedUnits: () => RateUnit[]; maxPeriods: () => number; maxProfiles: () => number };
  /** Installed profiles changed: the runtime limits recompute. */
  changed: () => void;
}

export interface CompositeAnswer {
  scheduleStart: string;
  chargingSchedule: ChargingSchedule;
}

export class SmartCharging implements ProfileLimits {
  private profiles: InstalledProfile[];

  constructor(private readonly deps: SmartChargingDeps) {
    this.profiles = deps.store.load((problem) => deps.log.warn(problem));
    // No transaction outlives a restart (the last run's are stopped at start), so neither do their TxProfiles.
    const stale = this.profiles.filter((p) => p.profile.chargingProfilePurpose === 'TxProfile');
    if (stale.length > 0) this.drop(this.profiles.filter((p) => !stale.includes(p)), stale, 'transaction ended before the restart');
  }

  get installed(): readonly InstalledProfile[] {
    return this.profiles;
  }

  /** SetChargingProfile: checks, replaces per OCPP 3.13.2, persists, then recomputes the limits. */
  install(connectorId: number, profile: ChargingProfile): CheckResult {
    const checked = checkProfile({ connectorId, csChargingProfiles: profile }, this.checkContext(() => null));
    return checked.ok ? this.put(connectorId, profile) : this.refuse(connectorId, profile, checked.reason);
  }

  /**
   * RemoteStartTransaction's chargingProfile (5.11): a TxProfile without transactionId for the session about to
   * start on the connector; installed now, removed with the session (or when the authorization lapses).
   */
  installForRemoteStart(connectorId: number, profile: ChargingProfile): CheckResult {
    if (profile.chargingProfilePurpose !== 'TxProfile') return this.refuse(connectorId, profile, 'RemoteStartTransaction takes only a TxProfile');
    if (profile.transactionId !== undefined) return this.refuse(connectorId, profile, 'RemoteStartTransaction profile must not name a transactionId');
    const upcoming = (id: number): ActiveTx | null => (id === connectorId ? { transactionId: null, startedAt: this.deps.now() } : null);
    const checked = checkProfile({ connectorId, csChargingProfiles: profile }, this.checkContext(upcoming));
    return checked.ok ? this.put(connectorId, profile) : this.refuse(connectorId, profile, checked.reason);
  }

  /** ClearChargingProfile: the number of profiles removed (0 -> Unknown). */
  clear(filter: ClearFilter): number {
    const { list, removed } = clearProfiles(this.profiles, filter);
    return this.drop(list, removed, 'cleared by the CSMS');
  }

  /** The session on the connector ended (or its authorization lapsed): its TxProfiles go (3.13.2). */
  transactionEnded(connectorId: number): void {
    const { list, removed } = removeTxProfiles(this.profiles, connectorId);
    this.drop(list, removed, 'transaction ended');
  }

  /** GetCompositeSchedule: null (Rejected) for an unknown connector or a unit that is not allowed. */
  composite(connectorId: number, durationS: number, unit: RateUnit): CompositeAnswer | null {
    if (connectorId !== 0 && !this.deps.connectorIds().includes(connectorId)) return null;
    if (!this.deps.keys.allowedUnits().includes(unit)) return null;
    const from = Math.floor(this.deps.now() / 1000) * 1000;
    const s = compositeSchedule({ ...this.input(connectorId, from), durationS, unit });
    const chargingSchedulePeriod = s.periods.map((p) => ({ startPeriod: p.startPeriod, limit: p.limit, ...(p.numberPhases ? { numberPhases: p.numberPhases } : {}) }));
    const scheduleStart = new Date(from).toISOString();
    return { scheduleStart, chargingSchedule: { duration: durationS, startSchedule: scheduleStart, chargingRateUnit: unit, chargingSchedulePeriod } };
  }

  connectorLimit(connectorId: number, at: number): ReturnType<ProfileLimits['connectorLimit']> {
    const input = this.input(connectorId, at);
    const r = limitNow({ ...input, profiles: input.profiles.filter((p) => p.profile.chargingProfilePurpose !== 'ChargePointMaxProfile') }, at);
    return { amps: r.source ? r.amps : null, source: r.source, nextChangeAt: r.nextChangeAt };
  }

  stationLimit(at: number): ReturnType<ProfileLimits['stationLimit']> {
    const r = limitNow(this.input(0, at), at);
    return { amps: r.source ? r.amps : null, nextChangeAt: r.nextChangeAt };
  }

  private input(connectorId: number, from: number) {
    return {
      profiles: this.profiles,
      connectorId,
      from,
      unit: 'A' as const,
      tx: connectorId === 0 ? null : this.deps.activeTx(connectorId),
      electrical: this.deps.electrical(connectorId),
      defaultLimitA: this.deps.defaultLimitA(connectorId),
    };
  }

  private checkContext(extraTx: (id: number) => ActiveTx | null) {
    const { keys } = this.deps;
    return {
      connectorCount: this.deps.connectorIds().length,
      activeTx: (id: number) => extraTx(id) ?? this.deps.activeTx(id),
      maxStackLevel: keys.maxStackLevel(),
      allowedUnits: keys.allowedUnits(),
      maxPeriods: keys.maxPeriods(),
    };
  }

  private put(connectorId: number, profile: ChargingProfile): CheckResult {
    const max = this.deps.keys.maxProfiles();
    if (wouldExceed(this.profiles, connectorId, profile, max)) return this.refuse(connectorId, profile, `MaxChargingProfilesInstalled (${max}) reached`);
    const { list, replaced } = installProfile(this.profiles, connectorId, profile, this.deps.now());
    const added = list.find((p) => p.profile === profile)!;
    try {
      this.deps.store.change(replaced, [added]);
    } catch (err) {
      return this.refuse(connectorId, profile, `storage error: ${err instanceof Error ? err.message : String(err)}`);
    }
    this.profiles = list;
    this.deps.log.info({ connector: connectorId, id: profile.chargingProfileId, purpose: profile.chargingProfilePurpose, stackLevel: profile.stackLevel, replaced }, 'charging profile installed');
    this.deps.changed();
    return { ok: true };
  }

  private drop(list: InstalledProfile[], removed: InstalledProfile[], why: string): number {
    if (removed.length === 0) return 0;
    this.deps.store.change(removed.map((p) => p.profile.chargingProfileId), []);
    this.profiles = list;
    this.deps.log.info({ ids: removed.map((p) => p.profile.chargingProfileId), why }, 'charging profiles removed');
    this.deps.changed();
    return removed.length;
  }

  private refuse(connectorId: number, profile: ChargingProfile, reason: string): CheckResult {
    this.deps.log.warn({ connector: connectorId, id: profile.chargingProfileId, reason }, 'charging profile rejected');
    return { ok: false, reason };
  }
}
