// The OCPP-mode authorization policy (OCPP 1.6 section 3.5, REFERENCE.md 8): local list, authorization cache,
// the online Authorize.req and the offline rules, as one decision per idTag.
//   - Not yet accepted by the CSMS and ocpp.chargeBeforeAccepted false: refused.
//   - Local knowledge = the local list entry (LocalAuthListEnabled) else the cache entry (the cache is
//     disabled through AuthorizationCacheEnabled inside AuthCache); an Accepted entry past its expiryDate
//     counts as Expired.
//   - Online with LocalPreAuthorize and an Accepted local entry: accepted at once, and no Authorize.req is
//     sent (3.5: "without waiting for or requesting an Authorize.conf"); StartTransaction.conf re-checks the
//     idTag (StopTransactionOnInvalidId applies to its answer).
//   - Online otherwise: Authorize.req decides; its IdTagInfo goes to the cache (not for listed idTags); a
//     listed idTag the CSMS answers differently is a LocalListConflict (reported by `conflict`), the CSMS's
//     answer wins.
//   - Offline (or Authorize.req undeliverable): a listed/cached idTag that is not Accepted (or expired) is
//     refused whatever the keys say; an Accepted one charges with LocalAuthorizeOffline; so does an idTag of
//     auth.allowList; an idTag known to neither charges only with AllowOfflineTxForUnknownId.
// Must not: start sessions, touch connectors, or store anything but through the cache.

import type { BooleanKey } from '../ocpp/config-keys.js';
import type { Logger } from '../log.js';
import { accept, refuse, type AuthSource, type AuthorizationDecision } from './refusal.js';
import type { AuthStatus, IdTagInfo, LocalListLookup } from './types.js';

export interface AuthorizerDeps {
  /** The local list (engineer A's store), or null while none exists. */
  localList: () => LocalListLookup | null;
  cache: { get(idTag: string): IdTagInfo | null; put(idTag: string, info: IdTagInfo): boolean };
  keys: { bool(key: BooleanKey): boolean };
  /** Registered (Accepted) and connected: an Authorize.req may be sent now. */
  online: () => boolean;
  /** Authorize.req; rejects when it cannot be delivered (link lost, timeout). */
  authorizeOnline: (idTag: string) => Promise<IdTagInfo>;
  /** The CSMS has accepted this charge point at least once. */
  everAccepted: () => boolean;
  /** Config ocpp.chargeBeforeAccepted. */
  chargeBeforeAccepted: boolean;
  /** Config auth.allowList, an offline source after list and cache (LocalAuthorizeOffline). */
  allowListed?: (idTag: string) => boolean;
  /** A listed idTag got a different (true) or the same (false) status from the CSMS. */
  conflict?: (idTag: string, conflicting: boolean, listed: AuthStatus, csms: AuthStatus) => void;
  now: () => number;
  log: Logger;
}

/** What the charge point knows locally about an idTag. */
export interface LocalEntry {
  info: IdTagInfo;
  source: Extract<AuthSource, 'local-list' | 'cache'>;
}

/** The status with expiry applied: an Accepted entry past its expiryDate is Expired. */
export function effectiveStatus(info: IdTagInfo, now: number): AuthStatus {
  if (info.status !== 'Accepted' || !info.expiryDate) return info.status;
  const t = Date.parse(info.expiryDate);
  return !Number.isNaN(t) && t <= now ? 'Expired' : 'Accepted';
}

export class Authorizer {
  constructor(private readonly deps: AuthorizerDeps) {}

  /** The local list entry (list enabled) else the cache entry, with expiry applied; null when unknown. */
  known(idTag: string): LocalEntry | null {
    const listed = this.listed(idTag);
    if (listed) return { info: this.withExpiry(listed), source: 'local-list' };
    const cached = this.deps.cache.get(idTag);
    return cached ? { info: this.withExpiry(cached), source: 'cache' } : null;
  }

  /** The local list entry when the list is enabled (used by the cache to never copy listed idTags). */
  listed(idTag: string): IdTagInfo | null {
    if (!this.deps.keys.bool('LocalAuthListEnabled')) return null;
    return this.deps.localList()?.lookup(idTag) ?? null;
  }

  async authorize(idTag: string): Promise<AuthorizationDecision> {
    const { deps } = this;
    if (!deps.everAccepted() && !deps.chargeBeforeAccepted) return refuse(idTag, 'NotRegistered', 'policy');
    const local = this.known(idTag);
    if (deps.online()) {
      if (local && local.info.status === 'Accepted' && deps.keys.bool('LocalPreAuthorize')) {
        return accept(idTag, local.source, local.info.parentIdTag);
      }
      try {
        const info = await deps.authorizeOnline(idTag);
        return this.fromCsms(idTag, info, local);
      } catch (err) {
        deps.log.warn({ idTag, err: String(err) }, 'Authorize not answered; using the offline policy');
      }
    }
    return this.offline(idTag, local);
  }

  /** An IdTagInfo the CSMS sent (Authorize, Start or Stop conf): cache it unless listed; report conflicts. */
  learn(idTag: string, info: IdTagInfo): void {
    const listed = this.listed(idTag);
    if (!listed) {
      this.deps.cache.put(idTag, info);
      return;
    }
    const mine = effectiveStatus(listed, this.deps.now());
    const theirs = effectiveStatus(info, this.deps.now());
    this.deps.conflict?.(idTag, mine !== theirs, mine, theirs);
  }

  private fromCsms(idTag: string, info: IdTagInfo, local: LocalEntry | null): AuthorizationDecision {
    this.learn(idTag, info);
    const status = effectiveStatus(info, this.deps.now());
    const parent = info.parentIdTag ?? (local?.source === 'local-list' ? local.info.parentIdTag : undefined);
    return status === 'Accepted' ? accept(idTag, 'csms', parent) : refuse(idTag, status, 'csms', parent);
  }

  private offline(idTag: string, local: LocalEntry | null): AuthorizationDecision {
    const { keys } = this.deps;
    const offlineLocal = keys.bool('LocalAuthorizeOffline');
    if (local) {
      const { status, parentIdTag } = local.info;
      // REFERENCE.md 8 / 3.5.4: listed ids that are not Accepted, or have expired, are refused.
      if (status !== 'Accepted') return refuse(idTag, status, local.source, parentIdTag);
      if (offlineLocal) return accept(idTag, local.source, parentIdTag);
    }
    if (offlineLocal && this.deps.allowListed?.(idTag)) return accept(idTag, 'allow-list');
    if (keys.bool('AllowOfflineTxForUnknownId')) return accept(idTag, 'offline-unknown', local?.info.parentIdTag);
    return refuse(idTag, offlineLocal ? 'OfflineUnknown' : 'OfflineDisabled', 'policy');
  }

  private withExpiry(info: IdTagInfo): IdTagInfo {
    return { ...info, status: effectiveStatus(info, this.deps.now()) };
  }
}
