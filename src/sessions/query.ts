// Reading the session-history query (GET /api/sessions, its CSV form and `evse sessions`): idTag, from, to,
// limit, offset. Owns: what a valid value is and the limits. Must not: touch the store or know HTTP
// (the API turns a problem into 400 {"error","field"}).
//
// from / to: ISO 8601, either a date (YYYY-MM-DD = 00:00 UTC that day) or a date and time with a zone
// (Z or +-HH:MM; seconds and fractions optional). Sessions that STARTED within [from, to) are returned.

import type { SessionPage } from '../store/sessions.js';

/** JSON answers: default and largest page. */
export const JSON_LIMIT = { default: 100, max: 1000 } as const;
/** CSV export: one request may export this many (the default keeps all of a default-sized history). */
export const CSV_LIMIT = { default: 100_000, max: 100_000 } as const;
const MAX_OFFSET = 1_000_000_000;
const ID_TAG_MAX = 20;
const PARAMS = ['idTag', 'from', 'to', 'limit', 'offset', 'format'] as const;

export type QueryResult = { ok: true; page: SessionPage } | { ok: false; field: string; error: string };

const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+\- ]\d{2}:?\d{2}))?$/i;

/** A from/to value as the canonical UTC form the store compares (Date.toISOString()), or null when invalid. */
export function parseInstant(text: string): string | null {
  const m = INSTANT.exec(text.trim());
  if (!m) return null;
  const [, y, mo, d, hh = '00', mi = '00', ss = '00', frac = '', zone = 'Z'] = m;
  if (Number(hh) > 23 || Number(mi) > 59 || Number(ss) > 59) return null;
  const day = new Date(`${y}-${mo}-${d}T00:00:00Z`);
  if (Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== `${y}-${mo}-${d}`) return null;
  // A "+" not encoded as %2B in a query string arrives as a space.
  const z = zone.toUpperCase() === 'Z' ? 'Z' : `${zone[0] === '-' ? '-' : '+'}${zone.slice(1, 3)}:${zone.slice(-2)}`;
  if (z !== 'Z' && (Number(z.slice(1, 3)) > 14 || Number(z.slice(-2)) > 59)) return null;
  const ms = Date.parse(`${y}-${mo}-${d}T${hh}:${mi}:${ss}.${frac.padEnd(3, '0').slice(0, 3)}${z}`);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

function parseCount(text: string, min: number, max: number): number | null {
  if (!/^\d{1,10}$/.test(text)) return null;
  const n = Number(text);
  return n >= min && n <= max ? n : null;
}

/** Validates the query; an empty value counts as not given (HTML forms send `idTag=`). */
export function parseSessionQuery(params: URLSearchParams, limits: { default: number; max: number }): QueryResult {
  for (const key of new Set(params.keys())) {
    if (!(PARAMS as readonly string[]).includes(key)) return { ok: false, field: key, error: `unknown parameter ${key} (allowed: ${PARAMS.join(', ')})` };
    if (params.getAll(key).length > 1) return { ok: false, field: key, error: `${key} given more than once` };
  }
  const value = (key: string): string | undefined => {
    const v = params.get(key)?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const page: SessionPage = { limit: limits.default, offset: 0 };
  const idTag = value('idTag');
  if (idTag !== undefined) {
    if (idTag.length > ID_TAG_MAX) return { ok: false, field: 'idTag', error: `idTag must be at most ${ID_TAG_MAX} characters` };
    page.idTag = idTag;
  }
  for (const key of ['from', 'to'] as const) {
    const text = value(key);
    if (text === undefined) continue;
    const at = parseInstant(text);
    if (at === null) return { ok: false, field: key, error: `${key} must be an ISO 8601 date (2024-05-01) or date-time with zone (2024-05-01T08:00:00Z), got ${JSON.stringify(text)}` };
    page[key] = at;
  }
  if (page.from !== undefined && page.to !== undefined && page.to <= page.from) return { ok: false, field: 'to', error: `to must be after from (sessions that started within [from, to))` };
  const limit = value('limit');
  if (limit !== undefined) {
    const n = parseCount(limit, 1, limits.max);
    if (n === null) return { ok: false, field: 'limit', error: `limit must be an integer between 1 and ${limits.max}, got ${JSON.stringify(limit)}` };
    page.limit = n;
  }
  const offset = value('offset');
  if (offset !== undefined) {
    const n = parseCount(offset, 0, MAX_OFFSET);
    if (n === null) return { ok: false, field: 'offset', error: `offset must be an integer between 0 and ${MAX_OFFSET}, got ${JSON.stringify(offset)}` };
    page.offset = n;
  }
  return { ok: true, page };
}
