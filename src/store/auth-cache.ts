// The authorization cache (OCPP 1.6 section 3.5.2, REFERENCE.md 8): the last IdTagInfo the CSMS gave for each
// idTag (Authorize.conf, StartTransaction.conf, StopTransaction.conf), persisted in the table auth_cache.
// Owns: storing, expiry on read (an Accepted entry past its expiryDate reads as Expired), the capacity
// (config auth.cacheMaxEntries: on overflow not-valid entries go first, then the oldest by updated_at),
// never storing an idTag that is in the local list (the list has priority and is never copied here),
// AuthorizationCacheEnabled (false: neither read nor written).
// Must not: decide who may charge (src/auth/authorizer.ts does) or talk to the CSMS.

import { normalizeIdTag } from '../auth/id-tag.js';
import type { AuthStatus, IdTagInfo } from '../auth/types.js';
import type { Db } from './db.js';

export interface AuthCacheOptions {
  /** Capacity (config auth.cacheMaxEntries). */
  maxEntries: number;
  /** AuthorizationCacheEnabled, read on every use. */
  enabled: () => boolean;
  /** True when the idTag is in the local authorization list (never cached then). */
  listed?: (idTag: string) => boolean;
  /** Epoch ms (the controller's clock). */
  now?: () => number;
}

export interface CacheEntry extends IdTagInfo {
  idTag: string;
  /** When the CSMS last said this (epoch ms). */
  updatedAt: number;
}

type Row = { id_tag: string; status: string; expiry_date: string | null; parent_id_tag: string | null; updated_at: number };

const STATUSES: ReadonlySet<string> = new Set<AuthStatus>(['Accepted', 'Blocked', 'Expired', 'Invalid', 'ConcurrentTx']);

/** An ISO timestamp in one comparable form (UTC, ms), or null when absent or unreadable. */
function isoOrNull(text: string | undefined | null): string | null {
  if (!text) return null;
  const t = Date.parse(text);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

export class AuthCache {
  private readonly now: () => number;
  private readonly q;

  constructor(
    private readonly db: Db,
    private readonly opts: AuthCacheOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.q = {
      get: db.prepare<[string], Row>('SELECT * FROM auth_cache WHERE id_tag = ?'),
      upsert: db.prepare(
        'INSERT INTO auth_cache (id_tag, status, expiry_date, parent_id_tag, updated_at) VALUES (?, ?, ?, ?, ?) ' +
          'ON CONFLICT(id_tag) DO UPDATE SET status = excluded.status, expiry_date = excluded.expiry_date, ' +
          'parent_id_tag = excluded.parent_id_tag, updated_at = excluded.updated_at',
      ),
      remove: db.prepare('DELETE FROM auth_cache WHERE id_tag = ?'),
      count: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM auth_cache'),
      // Not valid first (not Accepted, or Accepted but expired), then the oldest.
      victims: db.prepare<[string, number], { id_tag: string }>(
        "SELECT id_tag FROM auth_cache ORDER BY (status <> 'Accepted' OR (expiry_date IS NOT NULL AND expiry_date <= ?)) DESC, updated_at ASC LIMIT ?",
      ),
      clear: db.prepare('DELETE FROM auth_cache'),
    };
  }

  get enabled(): boolean {
    return this.opts.enabled();
  }

  /** The cached IdTagInfo with expiry applied, or null (unknown, or the cache is disabled). */
  get(idTag: string): CacheEntry | null {
    if (!this.opts.enabled()) return null;
    const row = this.q.get.get(normalizeIdTag(idTag));
    if (!row) return null;
    const status = STATUSES.has(row.status) ? (row.status as AuthStatus) : 'Invalid';
    const expired = status === 'Accepted' && row.expiry_date !== null && Date.parse(row.expiry_date) <= this.now();
    return {
      idTag: row.id_tag,
      status: expired ? 'Expired' : status,
      ...(row.expiry_date ? { expiryDate: row.expiry_date } : {}),
      ...(row.parent_id_tag ? { parentIdTag: row.parent_id_tag } : {}),
      updatedAt: row.updated_at,
    };
  }

  /**
   * Records what the CSMS said about an idTag. Returns false when nothing was stored: the cache is disabled
   * or the idTag is in the local list. Evicts (not valid first, then oldest) to stay within maxEntries.
   */
  put(idTag: string, info: IdTagInfo): boolean {
    if (!this.opts.enabled()) return false;
    const tag = normalizeIdTag(idTag);
    if (this.opts.listed?.(tag)) {
      this.q.remove.run(tag); // a stale copy from before the id was listed would shadow nothing, but go
      return false;
    }
    this.db.transaction(() => {
      if (!this.q.get.get(tag)) this.makeRoom(1);
      this.q.upsert.run(tag, info.status, isoOrNull(info.expiryDate), info.parentIdTag ? normalizeIdTag(info.parentIdTag) : null, this.now());
    })();
    return true;
  }

  /** Empties the cache (ClearCache); returns how many entries went. */
  clear(): number {
    return this.q.clear.run().changes;
  }

  size(): number {
    return this.q.count.get()?.n ?? 0;
  }

  private makeRoom(needed: number): void {
    const excess = this.size() + needed - this.opts.maxEntries;
    if (excess <= 0) return;
    const nowIso = new Date(this.now()).toISOString();
    for (const v of this.q.victims.all(nowIso, excess)) this.q.remove.run(v.id_tag);
  }
}
