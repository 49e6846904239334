// Session history endpoints: GET /api/sessions (JSON {sessions, total, limit, offset}; `format=csv` for CSV)
// and GET /api/sessions.csv (a CSV download). Owns: reading the query into a page (400 {"error","field"} on
// a bad value) and the CSV reply. Must not: write to the store.

import type { IncomingMessage } from 'node:http';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { csvHeader, csvRows } from '../sessions/csv.js';
import { CSV_LIMIT, JSON_LIMIT, parseSessionQuery } from '../sessions/query.js';
import type { Db } from '../store/db.js';
import { SessionStore, type SessionPage } from '../store/sessions.js';
import { ApiError, RawReply } from './http.js';
import type { Route } from './server.js';

/** Rows read per step of a CSV export; the event loop runs between steps (the control loop stays responsive). */
const CSV_STEP = 1000;

function queryOf(req: IncomingMessage): URLSearchParams {
  return new URL(req.url ?? '/', 'http://localhost').searchParams;
}

function pageOf(params: URLSearchParams, csv: boolean): SessionPage {
  const parsed = parseSessionQuery(params, csv ? CSV_LIMIT : JSON_LIMIT);
  if (!parsed.ok) throw new ApiError(400, parsed.error, parsed.field);
  return parsed.page;
}

function wantsCsv(params: URLSearchParams, csvPath: boolean): boolean {
  const format = params.get('format')?.trim() || (csvPath ? 'csv' : 'json');
  if (format !== 'json' && format !== 'csv') throw new ApiError(400, `format must be json or csv, got ${JSON.stringify(format)}`, 'format');
  if (csvPath && format !== 'csv') throw new ApiError(400, '/api/sessions.csv is always CSV (use /api/sessions for JSON)', 'format');
  return format === 'csv';
}

/** Reads in steps; a session that started meanwhile shifts the pages by one, so rows already sent are skipped. */
async function csvReply(store: SessionStore, page: SessionPage): Promise<RawReply> {
  let body = csvHeader();
  const seen = new Set<number>();
  for (let offset = page.offset; seen.size < page.limit; offset += CSV_STEP) {
    const step = store.list({ ...page, offset, limit: Math.min(CSV_STEP, page.limit - seen.size) });
    const rows = step.filter((r) => !seen.has(r.id));
    for (const r of rows) seen.add(r.id);
    body += csvRows(rows);
    if (step.length < CSV_STEP) break;
    await yieldToLoop();
  }
  return new RawReply(body, {
    'content-type': 'text/csv; charset=utf-8; header=present',
    'content-disposition': 'attachment; filename="sessions.csv"',
    'x-total-count': String(store.count(page)),
  });
}

export function sessionRoutes(db: Db): Route[] {
  const store = new SessionStore(db);
  const handler = (csvPath: boolean) => async (req: IncomingMessage) => {
    const params = queryOf(req);
    const csv = wantsCsv(params, csvPath);
    const page = pageOf(params, csv);
    if (csv) return csvReply(store, page);
    return { sessions: store.list(page), total: store.count(page), limit: page.limit, offset: page.offset };
  };
  return [
    { method: 'GET', pattern: /^\/api\/sessions$/, handler: handler(false) },
    { method: 'GET', pattern: /^\/api\/sessions\.csv$/, handler: handler(true) },
  ];
}
