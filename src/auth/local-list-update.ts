// What a SendLocalList.req (OCPP 1.6 5.15, 6.45, 7.2) means for the local authorization list: the rules that
// decide Accepted / Failed / VersionMismatch, checked in full before anything is written, then the
// atomic apply through LocalListStore. NotSupported (LocalAuthListEnabled = false) is the handler's answer.
// Rules (the spec's field definitions; MicroOcpp, EVerest libocpp and open-ocpp behave the same where they agree):
//   - listVersion < 0: Failed; a Full list with entries and listVersion 0: Failed (0 means "no list" in
//     GetLocalListVersion.conf).
//   - more entries than SendLocalListMaxLength, or a result longer than LocalAuthListMaxLength: Failed.
//   - Differential with listVersion <= the current version: VersionMismatch (UpdateStatus definition).
//   - an idTag twice in one request (compared case-insensitively, CiString): Failed; an empty idTag: Failed.
//   - Full: every entry needs idTagInfo (AuthorizationData: "Required when UpdateType is Full"), else Failed;
//     an absent or empty list clears the list (version 0).
//   - Differential: an entry with idTagInfo is added or replaced, one without it is removed (absent: no-op).
//   - an update that leaves the list empty sets the version to 0.
// Must not: touch SQLite directly or know the wire (handlers/SendLocalList.ts answers).

import type { SendLocalListRequest } from 'ocpp-ts';
import type { ListEntry, LocalListStore } from '../store/local-list.js';
import { yieldToLoop } from '../store/local-list.js';
import { normalizeIdTag } from './id-tag.js';
import type { AuthStatus, IdTagInfo } from './types.js';

export type UpdateStatus = 'Accepted' | 'Failed' | 'NotSupported' | 'VersionMismatch';

export interface UpdateOutcome {
  status: UpdateStatus;
  /** Why it was not Accepted (for the log). */
  reason?: string;
}

export interface LocalListLimits {
  /** SendLocalListMaxLength: most entries in one request. */
  sendMax: number;
  /** LocalAuthListMaxLength: most entries in the list. */
  listMax: number;
}

const STATUSES = new Set<AuthStatus>(['Accepted', 'Blocked', 'Expired', 'Invalid', 'ConcurrentTx']);
/** Entries checked between two yields to the event loop. */
const CHECK_CHUNK = 1000;

type Checked = { ok: true; entries: ListEntry[] } | { ok: false; outcome: UpdateOutcome };
type RawEntry = NonNullable<SendLocalListRequest['localAuthorizationList']>[number];

const failed = (reason: string): Checked => ({ ok: false, outcome: { status: 'Failed', reason } });

/** Validates and applies one SendLocalList.req; one at a time (a second waits for the first to finish). */
export function applyLocalListUpdate(store: LocalListStore, req: SendLocalListRequest, limits: LocalListLimits): Promise<UpdateOutcome> {
  return store.exclusive(async () => {
    const checked = await checkRequest(req, store.version(), limits);
    if (!checked.ok) return checked.outcome;
    try {
      const result = req.updateType === 'Full'
        ? await store.replace(checked.entries, req.listVersion)
        : await store.patch(checked.entries, req.listVersion, limits.listMax);
      return result.ok ? { status: 'Accepted' } : { status: 'Failed', reason: result.reason };
    } catch (err) {
      return { status: 'Failed', reason: `storage error: ${err instanceof Error ? err.message : String(err)}` };
    }
  });
}

/** Everything that can be decided without the stored entries; the entries in normal form when fine. */
export async function checkRequest(req: SendLocalListRequest, currentVersion: number, limits: LocalListLimits): Promise<Checked> {
  const list = req.localAuthorizationList ?? [];
  const full = req.updateType === 'Full';
  if (!Number.isInteger(req.listVersion) || req.listVersion < 0) return failed(`listVersion ${req.listVersion} is not a version (>= 1)`);
  if (list.length > limits.sendMax) return failed(`${list.length} entries; SendLocalListMaxLength is ${limits.sendMax}`);
  if (!full && req.listVersion <= currentVersion) {
    return { ok: false, outcome: { status: 'VersionMismatch', reason: `listVersion ${req.listVersion} <= current ${currentVersion}` } };
  }
  if (full && list.length > limits.listMax) return failed(`${list.length} entries; LocalAuthListMaxLength is ${limits.listMax}`);
  if (full && list.length > 0 && req.listVersion === 0) return failed('listVersion 0 means "no list"; a list needs a version >= 1');
  const entries: ListEntry[] = new Array<ListEntry>(list.length);
  const seen = new Set<string>();
  for (let i = 0; i < list.length; i++) {
    if (i > 0 && i % CHECK_CHUNK === 0) await yieldToLoop();
    const entry = toEntry(list[i]!, full);
    if (typeof entry === 'string') return failed(`entry ${i}: ${entry}`);
    if (seen.has(entry.idTag)) return failed(`entry ${i}: idTag ${entry.idTag} appears twice`);
    seen.add(entry.idTag);
    entries[i] = entry;
  }
  return { ok: true, entries };
}

/** One AuthorizationData in normal form, or what is wrong with it. */
function toEntry(raw: RawEntry, full: boolean): ListEntry | string {
  const idTag = typeof raw.idTag === 'string' ? normalizeIdTag(raw.idTag) : '';
  if (idTag === '') return 'empty idTag';
  const given = raw.idTagInfo;
  if (given === undefined) return full ? `idTag ${idTag} has no idTagInfo (required in a Full update)` : { idTag, info: null };
  if (!STATUSES.has(given.status)) return `idTag ${idTag}: unknown status ${String(given.status)}`;
  const info: IdTagInfo = { status: given.status };
  if (given.expiryDate !== undefined) {
    if (Number.isNaN(Date.parse(given.expiryDate))) return `idTag ${idTag}: expiryDate ${given.expiryDate} is not a date`;
    info.expiryDate = given.expiryDate;
  }
  if (given.parentIdTag !== undefined) info.parentIdTag = given.parentIdTag;
  return { idTag, info };
}
