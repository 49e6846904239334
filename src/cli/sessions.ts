// `evse sessions`: the session history from the controller's local API (GET /api/sessions), as a table, as
// JSON or as CSV. Owns: the command's options and their validation (exit 2), paging through the API and the
// table text. Must not: read the database (the API does) or print anything but the result.

import type { Command } from 'commander';
import { sessionsCsv } from '../sessions/csv.js';
import { JSON_LIMIT, parseInstant } from '../sessions/query.js';
import type { SessionRecord } from '../store/sessions.js';
import type { ApiClient } from './client.js';
import { UsageError, type CliIo } from './evse.js';

export interface SessionsResponse {
  sessions: SessionRecord[];
  total: number;
}

interface SessionsOptions {
  idTag?: string;
  from?: string;
  to?: string;
  limit?: string;
  csv?: boolean;
  json?: boolean;
}

/** Sessions shown without --limit (the table and --json); --csv without --limit exports all. */
export const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 1_000_000;

export function addSessionsCommand(program: Command, io: CliIo, clientFor: (cmd: Command) => ApiClient): void {
  program
    .command('sessions')
    .description('show the session history, newest first (energy, duration, stop reason, cost)')
    .option('--id-tag <idTag>', 'only sessions of this idTag (case-insensitive)')
    .option('--from <date>', 'sessions that started at or after this ISO 8601 date (UTC) or date-time with zone')
    .option('--to <date>', 'sessions that started before this ISO 8601 date (UTC) or date-time with zone')
    .option('--limit <n>', `how many sessions (default ${DEFAULT_LIMIT}; all with --csv)`)
    .option('--csv', 'print CSV (RFC 4180, header row)')
    .option('--json', 'print JSON {sessions, total}')
    .action(async (opts: SessionsOptions, cmd: Command) => {
      const query = sessionsQuery(opts);
      const limit = parseLimit(opts.limit, opts.csv ? MAX_LIMIT : DEFAULT_LIMIT);
      const result = await fetchSessions(clientFor(cmd), query, limit);
      if (opts.csv) io.out(sessionsCsv(result.sessions).replace(/\r\n$/, ''));
      else if (opts.json) io.out(JSON.stringify(result, null, 2));
      else io.out(formatSessionsTable(result, {}));
    });
}

/** The filter part of the API query, checked before any request. */
export function sessionsQuery(opts: SessionsOptions): URLSearchParams {
  if (opts.csv && opts.json) throw new UsageError('--csv and --json cannot be combined');
  const query = new URLSearchParams();
  if (opts.idTag !== undefined) {
    if (opts.idTag.trim() === '' || opts.idTag.length > 20) throw new UsageError(`--id-tag must be 1 to 20 characters, got "${opts.idTag}"`);
    query.set('idTag', opts.idTag);
  }
  for (const key of ['from', 'to'] as const) {
    const text = opts[key];
    if (text === undefined) continue;
    const at = parseInstant(text);
    if (at === null) throw new UsageError(`--${key} must be an ISO 8601 date (2024-05-01, UTC) or date-time with zone (2024-05-01T08:00+02:00), got "${text}"`);
    query.set(key, at);
  }
  const from = query.get('from');
  const to = query.get('to');
  if (from !== null && to !== null && to <= from) throw new UsageError('--to must be after --from (sessions that started within [from, to))');
  return query;
}

function parseLimit(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > MAX_LIMIT) throw new UsageError(`--limit must be an integer between 1 and ${MAX_LIMIT}, got "${text}"`);
  return n;
}

/** Pages through GET /api/sessions until `limit` sessions or the end; a session listed twice (a new one shifted the pages) counts once. */
export async function fetchSessions(client: ApiClient, query: URLSearchParams, limit: number): Promise<SessionsResponse> {
  const sessions: SessionRecord[] = [];
  const seen = new Set<number>();
  let total = 0;
  for (let offset = 0; sessions.length < limit; offset += JSON_LIMIT.max) {
    const page = new URLSearchParams(query);
    page.set('limit', String(Math.min(JSON_LIMIT.max, limit - sessions.length)));
    page.set('offset', String(offset));
    const answer = await client.get<SessionsResponse>(`/api/sessions?${page.toString()}`);
    if (typeof answer !== 'object' || answer === null || !Array.isArray(answer.sessions) || typeof answer.total !== 'number') {
      throw new Error('unexpected answer from /api/sessions (is the controller older than this CLI?)');
    }
    total = answer.total;
    for (const s of answer.sessions) {
      if (seen.has(s.id) || sessions.length >= limit) continue;
      seen.add(s.id);
      sessions.push(s);
    }
    if (answer.sessions.length < JSON_LIMIT.max) break;
  }
  return { sessions, total };
}

export interface TableOptions {
  /** IANA zone for times; the system zone when omitted. */
  timeZone?: string;
}

const COLUMNS = ['start', 'stop', 'connector', 'idTag', 'kWh', 'duration', 'reason', 'cost'] as const;
const RIGHT = new Set<string>(['connector', 'kWh', 'duration', 'cost']);

/** A padded text table, one line per session, and a count line. */
export function formatSessionsTable(result: SessionsResponse, options: TableOptions): string {
  if (result.sessions.length === 0) return result.total === 0 ? 'No sessions' : `No sessions on this page (${result.total} match)`;
  const rows = result.sessions.map((s) => sessionCells(s, options));
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, i) => (RIGHT.has(COLUMNS[i]!) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd();
  const more = result.total > result.sessions.length ? ' (newest first; use --limit for more)' : '';
  return [line(COLUMNS), ...rows.map(line), '', `${result.sessions.length} of ${result.total} sessions${more}`].join('\n');
}

function sessionCells(s: SessionRecord, options: TableOptions): string[] {
  const start = dateTime(s.startedAt, options.timeZone);
  const stop = s.stoppedAt === null ? 'running' : dateTime(s.stoppedAt, options.timeZone);
  const sameDay = stop.slice(0, 10) === start.slice(0, 10) && stop.length === 16;
  return [
    start,
    sameDay ? stop.slice(11) : stop,
    String(s.connectorId),
    s.idTag,
    (s.energyWh / 1000).toFixed(2),
    s.durationS === null ? '-' : formatDuration(s.durationS),
    s.stopReason ?? '-',
    s.cost === null ? '-' : `${s.cost.toFixed(2)} ${s.currency ?? ''}`.trimEnd(),
  ];
}

/** "2024-05-01 12:03" in the zone; the raw text when unparseable. */
function dateTime(iso: string, timeZone: string | undefined): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const day = new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit', timeZone }).format(d);
  const time = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone }).format(d);
  return `${day} ${time}`;
}

/** 45 -> "45s", 750 -> "12m 30s", 5400 -> "1h 30m". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
