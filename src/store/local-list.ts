// The local authorization list (OCPP 1.6 3.5.1) in SQLite: two slot tables local_list_0 / local_list_1, meta
// 'localList.active' names the live one, 'localList.version' / 'localList.size' describe it.
// Owns: lookups by normalized idTag (one prepared PK lookup), the cached version and size, and applying
// an already validated update atomically without stalling the event loop:
//   replace (Full)       fill the inactive slot in chunks, then flip active+version+size in one tiny transaction;
//   patch (Differential) small: one transaction on the live slot; large: copy live -> inactive in chunks,
//                        apply the changes there in chunks, flip.
// A failure or crash before the flip leaves the old list live (the inactive slot is garbage, cleared by the
// next update). One update at a time: callers go through exclusive().
// Must not: decide what a SendLocalList means (src/auth/local-list-update.ts validates it) or read OCPP keys.

import type Database from 'better-sqlite3';
import { normalizeIdTag } from '../auth/id-tag.js';
import type { AuthStatus, IdTagInfo, LocalListLookup } from '../auth/types.js';
import type { Db } from './db.js';

/** One change: idTag in normal form (normalizeIdTag); info null = remove it (Differential only). */
export interface ListEntry {
  idTag: string;
  info: IdTagInfo | null;
}

export type StoreResult = { ok: true } | { ok: false; reason: string };

export interface LocalListOptions {
  /** Rows per SQLite transaction in bulk work (default 1000). */
  chunkRows?: number;
  /** Differentials with more changes than this go through the inactive slot (default 2000). */
  smallPatch?: number;
}

type Slot = 0 | 1;
type Row = { status: string; expiry_date: string | null; parent_id_tag: string | null };
type Statement = Database.Statement;

const META_ACTIVE = 'localList.active';
const META_VERSION = 'localList.version';
const META_SIZE = 'localList.size';

/** Work per bulk-write transaction before the event loop gets a turn (the stall goal is 20 ms). */
const SLICE_MS = 6;

/** Lets timers, I/O and the control loop run between chunks. */
export const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

class SlotStatements {
  readonly get: Statement;
  readonly has: Statement;
  readonly upsert: Statement;
  readonly remove: Statement;
  readonly clearChunk: Statement;
  readonly count: Statement;
  readonly maxKey: Statement;

  constructor(db: Db, readonly table: string) {
    this.get = db.prepare(`SELECT status, expiry_date, parent_id_tag FROM ${table} WHERE id_tag = ?`);
    this.has = db.prepare(`SELECT 1 FROM ${table} WHERE id_tag = ?`).pluck();
    this.upsert = db.prepare(
      `INSERT INTO ${table} (id_tag, status, expiry_date, parent_id_tag) VALUES (?, ?, ?, ?)
       ON CONFLICT(id_tag) DO UPDATE SET status = excluded.status, expiry_date = excluded.expiry_date, parent_id_tag = excluded.parent_id_tag`,
    );
    this.remove = db.prepare(`DELETE FROM ${table} WHERE id_tag = ?`);
    this.clearChunk = db.prepare(`DELETE FROM ${table} WHERE id_tag IN (SELECT id_tag FROM ${table} LIMIT ?)`);
    this.count = db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck();
    this.maxKey = db.prepare(`SELECT MAX(id_tag) FROM ${table}`).pluck();
  }
}

export class LocalListStore implements LocalListLookup {
  private readonly slots: [SlotStatements, SlotStatements];
  private readonly copyChunk: [Statement, Statement];
  private readonly getMeta: Statement;
  private readonly setMeta: Statement;
  private readonly chunkRows: number;
  private readonly smallPatch: number;
  private active: Slot;
  private listVersion: number;
  private count: number;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: Db,
    opts: LocalListOptions = {},
  ) {
    this.chunkRows = opts.chunkRows ?? 1000;
    this.smallPatch = opts.smallPatch ?? 2000;
    this.slots = [new SlotStatements(db, 'local_list_0'), new SlotStatements(db, 'local_list_1')];
    const copy = (from: string, to: string): Statement =>
      db.prepare(`INSERT INTO ${to} SELECT id_tag, status, expiry_date, parent_id_tag FROM ${from} WHERE id_tag > ? ORDER BY id_tag LIMIT ?`);
    this.copyChunk = [copy('local_list_1', 'local_list_0'), copy('local_list_0', 'local_list_1')];
    this.getMeta = db.prepare('SELECT value FROM meta WHERE key = ?').pluck();
    this.setMeta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
    this.active = this.meta(META_ACTIVE) === '1' ? 1 : 0;
    this.listVersion = Number(this.meta(META_VERSION) ?? 0);
    const size = this.meta(META_SIZE);
    this.count = size === undefined ? (this.slots[this.active].count.get() as number) : Number(size);
  }

  lookup(idTag: string): IdTagInfo | null {
    const row = this.slots[this.active].get.get(normalizeIdTag(idTag)) as Row | undefined;
    if (!row) return null;
    const info: IdTagInfo = { status: row.status as AuthStatus };
    if (row.expiry_date !== null) info.expiryDate = row.expiry_date;
    if (row.parent_id_tag !== null) info.parentIdTag = row.parent_id_tag;
    return info;
  }

  /** 0 when no list is installed or the list is empty (OCPP 1.6 GetLocalListVersion.conf). */
  version(): number {
    return this.count === 0 ? 0 : this.listVersion;
  }

  size(): number {
    return this.count;
  }

  /** Runs `work` once every earlier exclusive() work has finished: one update at a time, in arrival order. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Full update: `entries` (unique, each with info) become the list with `version`. Throws on I/O errors
   * (nothing changed then). Call inside exclusive().
   */
  async replace(entries: readonly ListEntry[], version: number): Promise<StoreResult> {
    const target = this.inactive();
    await this.clear(target);
    const { upsert } = this.slots[target];
    await this.chunked(entries, (e) => void upsert.run(...rowOf(e)));
    this.flip(target, version, entries.length);
    return { ok: true };
  }

  /**
   * Differential update of unique changes (removing an absent idTag is no change); not ok, and nothing
   * changed, when the result would exceed `maxSize`. Throws on I/O errors. Call inside exclusive().
   */
  async patch(changes: readonly ListEntry[], version: number, maxSize: number): Promise<StoreResult> {
    if (changes.length <= this.smallPatch) return this.patchInPlace(changes, version, maxSize);
    const target = this.inactive();
    await this.clear(target);
    await this.copy(target);
    let size = this.count;
    const slot = this.slots[target];
    await this.chunked(changes, (e) => (size += applyChange(slot, e)));
    if (size > maxSize) return tooLarge(size, maxSize);
    this.flip(target, version, size);
    return { ok: true };
  }

  private patchInPlace(changes: readonly ListEntry[], version: number, maxSize: number): StoreResult {
    const slot = this.slots[this.active];
    let size = this.count;
    const tx = this.db.transaction(() => {
      for (const e of changes) size += applyChange(slot, e);
      if (size > maxSize) throw new TooLarge(size, maxSize);
      this.writeMeta(this.active, version, size);
    });
    try {
      tx();
    } catch (err) {
      if (err instanceof TooLarge) return tooLarge(err.size, err.max);
      throw err;
    }
    this.setCached(this.active, version, size);
    return { ok: true };
  }

  private inactive(): Slot {
    return this.active === 0 ? 1 : 0;
  }

  /** Empties a slot, one chunk per statement. */
  private async clear(slot: Slot): Promise<void> {
    const { clearChunk } = this.slots[slot];
    while (clearChunk.run(this.chunkRows).changes > 0) await yieldToLoop();
  }

  /** Copies every row of the live slot into the empty slot `to`, in key order, one chunk per statement. */
  private async copy(to: Slot): Promise<void> {
    const statement = this.copyChunk[to];
    let after = '';
    while (statement.run(after, this.chunkRows).changes === this.chunkRows) {
      after = this.slots[to].maxKey.get() as string;
      await yieldToLoop();
    }
  }

  /**
   * Runs `each` over the items in SQLite transactions of at most `chunkRows` rows and about SLICE_MS of work
   * (checked every 64 rows: a slow card or a first fill of a new file takes longer per row), yielding between.
   */
  private async chunked<T>(items: readonly T[], each: (item: T) => void): Promise<void> {
    const chunk = this.db.transaction((from: number): number => {
      const until = performance.now() + SLICE_MS;
      const end = Math.min(items.length, from + this.chunkRows);
      let i = from;
      while (i < end) {
        each(items[i++]!);
        if ((i & 63) === 0 && performance.now() > until) break;
      }
      return i;
    });
    for (let from = 0; from < items.length; ) {
      from = chunk(from);
      await yieldToLoop();
    }
  }

  /** The one small transaction that makes a filled slot the live list. */
  private flip(slot: Slot, version: number, size: number): void {
    this.db.transaction(() => this.writeMeta(slot, version, size))();
    this.setCached(slot, version, size);
  }

  private writeMeta(slot: Slot, version: number, size: number): void {
    this.setMeta.run(META_ACTIVE, String(slot));
    this.setMeta.run(META_VERSION, String(size === 0 ? 0 : version));
    this.setMeta.run(META_SIZE, String(size));
  }

  private setCached(slot: Slot, version: number, size: number): void {
    this.active = slot;
    this.listVersion = size === 0 ? 0 : version;
    this.count = size;
  }

  private meta(key: string): string | undefined {
    return this.getMeta.get(key) as string | undefined;
  }
}

class TooLarge extends Error {
  constructor(
    readonly size: number,
    readonly max: number,
  ) {
    super('local list too large');
  }
}

function tooLarge(size: number, max: number): StoreResult {
  return { ok: false, reason: `the list would hold ${size} entries; LocalAuthListMaxLength is ${max}` };
}

function rowOf(e: ListEntry): [string, string, string | null, string | null] {
  const info = e.info!;
  return [e.idTag, info.status, info.expiryDate ?? null, info.parentIdTag ?? null];
}

/** Applies one change to a slot; returns the change in the number of entries (-1, 0 or +1). */
function applyChange(slot: SlotStatements, e: ListEntry): number {
  if (e.info === null) return -slot.remove.run(e.idTag).changes;
  const existed = slot.has.get(e.idTag) !== undefined;
  slot.upsert.run(...rowOf(e));
  return existed ? 0 : 1;
}
