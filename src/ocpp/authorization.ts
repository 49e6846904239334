// OCPP-mode authorization wired to the charge point: the persisted cache, the authorizer (policy in
// src/auth/authorizer.ts) with the local list, the OCPP keys, the online Authorize.req and the registration
// state; the StartTransaction.conf invalid-id policy; LocalListConflict on connector 0.
// Must not: hold policy rules itself (authorizer.ts / invalid-id.ts do) or touch the HAL.

import type { AuthorizeResponse } from 'ocpp-ts';
import type { Clock } from '../../hal/clock.js';
import { Authorizer } from '../auth/authorizer.js';
import { normalizeIdTag } from '../auth/id-tag.js';
import { InvalidIdPolicy } from '../auth/invalid-id.js';
import type { AuthorizationDecision } from '../auth/refusal.js';
import type { AuthStatus, IdTagInfo } from '../auth/types.js';
import type { Config } from '../config/schema.js';
import type { Controller } from '../controller.js';
import type { Logger } from '../log.js';
import { AuthCache } from '../store/auth-cache.js';
import type { OcppConfiguration } from './config-keys.js';

export interface OcppAuthDeps {
  controller: Controller;
  keys: OcppConfiguration;
  chargeBeforeAccepted: boolean;
  clock: Clock;
  log: Logger;
  /** Registered and connected: an Authorize.req may go out. */
  online: () => boolean;
  everAccepted: () => boolean;
  call: <T>(action: string, payload: unknown) => Promise<T>;
}

export class OcppAuthorization {
  readonly cache: AuthCache;
  readonly authorizer: Authorizer;
  readonly invalidId: InvalidIdPolicy;
  /** Listed idTags the CSMS answered differently; LocalListConflict is raised while any is here. */
  private readonly conflicts = new Set<string>();

  constructor(private readonly deps: OcppAuthDeps) {
    const { controller, keys, clock, log } = deps;
    const now = (): number => clock.now();
    const config: Config = controller.config;
    this.cache = new AuthCache(controller.transactions.store.db, {
      maxEntries: config.auth.cacheMaxEntries,
      enabled: () => keys.bool('AuthorizationCacheEnabled'),
      listed: (idTag) => this.authorizer.listed(idTag) !== null,
      now,
    });
    const allowed = new Set(config.auth.allowList.map(normalizeIdTag));
    this.authorizer = new Authorizer({
      localList: () => controller.localList,
      cache: this.cache,
      keys,
      online: deps.online,
      authorizeOnline: async (idTag) => (await deps.call<AuthorizeResponse>('Authorize', { idTag })).idTagInfo as IdTagInfo,
      everAccepted: deps.everAccepted,
      chargeBeforeAccepted: deps.chargeBeforeAccepted,
      allowListed: (idTag) => allowed.has(normalizeIdTag(idTag)),
      conflict: (idTag, conflicting, listed, csms) => this.onConflict(idTag, conflicting, listed, csms),
      now,
      log: log.child({ module: 'auth' }),
    });
    this.invalidId = new InvalidIdPolicy({
      keys,
      current: (id) => controller.transactions.current(id),
      registerWh: (id) => controller.connector(id)?.poller.last?.energyImportWh ?? null,
      stopDeAuthorized: (id) => controller.stopSession(id, 'DeAuthorized', { keepLocked: true }),
      setLimit: (id, amps) => controller.charging.set(id, 'invalid-id', amps),
      log: log.child({ module: 'auth' }),
    });
    for (const c of controller.connectors) {
      c.onReading(() => this.invalidId.reading(c.id));
      c.onEvent((e) => {
        if (e.type === 'SessionStopped') this.invalidId.sessionEnded(c.id);
      });
    }
  }

  authorize(idTag: string): Promise<AuthorizationDecision> {
    return this.authorizer.authorize(idTag);
  }

  /** idTagInfo of a StartTransaction.conf / StopTransaction.conf. */
  learn(idTag: string, info: IdTagInfo): void {
    this.authorizer.learn(idTag, info);
  }

  /** ClearCache (OCPP 5.4): Rejected while AuthorizationCacheEnabled is false (there is no cache to clear). */
  clearCache(): 'Accepted' | 'Rejected' {
    if (!this.cache.enabled) return 'Rejected';
    try {
      const n = this.cache.clear();
      this.deps.log.info({ entries: n }, 'authorization cache cleared');
      return 'Accepted';
    } catch (err) {
      this.deps.log.error({ err: String(err) }, 'authorization cache could not be cleared');
      return 'Rejected';
    }
  }

  private onConflict(idTag: string, conflicting: boolean, listed: AuthStatus, csms: AuthStatus): void {
    const { faults } = this.deps.controller;
    const tag = normalizeIdTag(idTag);
    if (conflicting) {
      this.deps.log.warn({ idTag, listed, csms }, 'local list conflict: the CSMS answered differently (reported on connector 0)');
      this.conflicts.add(tag);
      faults.raise(0, 'local-list-conflict', `${idTag}: list ${listed}, CSMS ${csms}`);
      return;
    }
    if (this.conflicts.delete(tag) && this.conflicts.size === 0) faults.clear(0, 'local-list-conflict');
  }
}
