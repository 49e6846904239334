// CSV form of the session history (RFC 4180): a header row, then one record per session, CRLF line ends,
// a field quoted when it holds a comma, a double quote, CR or LF (quotes doubled). Used by the API export
// and `evse sessions --csv`. Must not: do I/O or change values (no spreadsheet-formula escaping: the
// idTag is exported as stored).

import { SESSION_FIELDS, type SessionRecord } from '../store/sessions.js';

/** One field: empty for null, numbers as JavaScript prints them, text quoted when needed. */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvHeader(): string {
  return `${SESSION_FIELDS.join(',')}\r\n`;
}

/** The records of `sessions`, each ending in CRLF (no header). */
export function csvRows(sessions: readonly SessionRecord[]): string {
  return sessions.map((s) => `${SESSION_FIELDS.map((f) => csvField(s[f])).join(',')}\r\n`).join('');
}

/** A whole CSV document: header and one line per session. */
export function sessionsCsv(sessions: readonly SessionRecord[]): string {
  return csvHeader() + csvRows(sessions);
}
