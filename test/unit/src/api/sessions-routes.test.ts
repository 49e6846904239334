// GET /api/sessions (JSON and CSV) and GET /api/sessions.csv over real HTTP: the local API of a controller on
// the simulated HAL, with sessions recorded in its real SQLite store.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSimHal, ManualClock } from '../../../../hal/sim/index.js';
import { startApi } from '../../../../src/api/server.js';
import { validateConfig } from '../../../../src/config/load.js';
import { Controller } from '../../../../src/controller.js';
import { silentLogger } from '../../../../src/log.js';
import { sessionsCsv } from '../../../../src/sessions/csv.js';
import { openDb } from '../../../../src/store/db.js';
import { SESSION_FIELDS } from '../../../../src/store/sessions.js';
import { Settings } from '../../../../src/store/settings.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const iso = (ms: number): string => new Date(ms).toISOString();

async function api() {
  const dir = mkdtempSync(join(tmpdir(), 'evse-api-sessions-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const config = validateConfig({ connectors: [{ id: 1 }], api: { host: '127.0.0.1', port: 0 }, tariff: { currency: 'EUR', startFee: 1, perKwh: 0.3, perMinute: 0.02 } });
  const clock = new ManualClock();
  const db = openDb(dir);
  const ctl = new Controller(config, { hal: createSimHal({ connectors: 1 }, clock), clock, log: silentLogger(), db, settings: new Settings(db), policy: null });
  ctl.start();
  const server = await startApi({ host: '127.0.0.1', port: 0, controller: ctl, sim: null, log: silentLogger() });
  cleanups.push(() => void db.close());
  cleanups.push(() => ctl.stop());
  cleanups.push(() => new Promise<void>((resolve) => server.server.close(() => resolve())));
  const store = ctl.transactions.store;
  /** A stopped one-hour, 2 kWh session priced by the configured tariff. */
  const add = (idTag: string, at: number): number =>
    store.stop(store.start(1, idTag, 0, iso(at)).localId, 'EVDisconnected', 2000, iso(at + 3_600_000), config.tariff ?? null)!.localId;
  const get = (path: string) => fetch(`http://127.0.0.1:${server.port}${path}`);
  const json = async (path: string): Promise<any> => (await get(path)).json();
  return { add, get, json, db };
}

describe('GET /api/sessions', () => {
  it('GIVEN sessions of several idTags WHEN filtered by idTag, from, to, limit, offset THEN the matching page newest first with the total', async () => {
    const { add, json } = await api();
    const a1 = add('CARD-A', T0);
    const b1 = add('CARD-B', T0 + 3_600_000);
    const a2 = add('card-a', T0 + 2 * 3_600_000);
    const a3 = add('CARD-A', T0 + 86_400_000);

    const all = await json('/api/sessions');
    expect(all.total).toBe(4);
    expect(all.sessions.map((s: { id: number }) => s.id)).toEqual([a3, a2, b1, a1]);
    expect(Object.keys(all.sessions[0])).toEqual([...SESSION_FIELDS]);
    // 1 + 0.30 x 2 + 0.02 x 60 = 2.80
    expect(all.sessions[0]).toMatchObject({ idTag: 'CARD-A', energyWh: 2000, durationS: 3600, cost: 2.8, currency: 'EUR', stopReason: 'EVDisconnected' });

    const byTag = await json('/api/sessions?idTag=Card-A');
    expect(byTag).toMatchObject({ total: 3, limit: 100, offset: 0 });
    expect(byTag.sessions.map((s: { id: number }) => s.id)).toEqual([a3, a2, a1]);

    const window = await json(`/api/sessions?idTag=CARD-A&from=2026-01-01&to=${encodeURIComponent('2026-01-01T14:00:00+00:00')}`);
    expect(window.sessions.map((s: { id: number }) => s.id)).toEqual([a1]); // a2 starts at 14:00: outside [from, to)

    const page = await json('/api/sessions?limit=2&offset=1');
    expect(page).toMatchObject({ total: 4, limit: 2, offset: 1 });
    expect(page.sessions.map((s: { id: number }) => s.id)).toEqual([a2, b1]);
  });

  it('GIVEN bad query values WHEN requested THEN 400 {"error","field"} naming the parameter', async () => {
    const { get } = await api();
    for (const [query, field] of [
      ['from=yesterday', 'from'],
      ['to=2026-02-30', 'to'],
      ['from=2026-02-02&to=2026-02-01', 'to'],
      ['limit=0', 'limit'],
      ['limit=1001', 'limit'],
      ['offset=x', 'offset'],
      ['format=xml', 'format'],
      ['idTag=ABCDEFGHIJKLMNOPQRSTU', 'idTag'],
      ['user=1', 'user'],
    ] as const) {
      const res = await get(`/api/sessions?${query}`);
      expect(res.status, query).toBe(400);
      const body = (await res.json()) as { field?: string; error?: string };
      expect(body.field, query).toBe(field);
      expect(typeof body.error).toBe('string');
    }
    const csvAsJson = await get('/api/sessions.csv?format=json');
    expect(csvAsJson.status).toBe(400);
    expect(((await csvAsJson.json()) as { field?: string }).field).toBe('format');
    expect((await fetch((await get('/api/sessions')).url, { method: 'POST' })).status).toBe(405);
  });
});

describe('CSV export', () => {
  it('GIVEN sessions WHEN GET /api/sessions.csv or ?format=csv THEN a text/csv attachment with a header and one line per session, filtered alike', async () => {
    const { add, get, json } = await api();
    add('A,"odd"', T0);
    add('PLAIN', T0 + 60_000);
    const listed = await json('/api/sessions');
    const res = await get('/api/sessions.csv');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv; charset=utf-8/);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="sessions.csv"');
    expect(res.headers.get('x-total-count')).toBe('2');
    const text = await res.text();
    expect(text).toBe(sessionsCsv(listed.sessions));
    expect(text.split('\r\n')).toHaveLength(4); // header, 2 sessions, '' after the last CRLF
    expect(text).toContain(',"A,""odd""",');

    const filtered = await (await get('/api/sessions?format=csv&idTag=plain')).text();
    expect(filtered.split('\r\n').filter(Boolean)).toHaveLength(2);
    expect(filtered).toContain(',PLAIN,');
  });

  it('GIVEN more sessions than one read step WHEN exported THEN every session once, newest first, and limit/offset apply', async () => {
    const { add, get, db } = await api();
    const ids = db.transaction(() => Array.from({ length: 2500 }, (_, i) => add(`T${i}`, T0 + i * 60_000)))();
    const text = await (await get('/api/sessions.csv')).text();
    const lines = text.split('\r\n').filter(Boolean).slice(1);
    expect(lines.map((l) => Number(l.split(',')[0]))).toEqual([...ids].reverse());
    const part = (await (await get('/api/sessions.csv?limit=1500&offset=700')).text()).split('\r\n').filter(Boolean).slice(1);
    expect(part.map((l) => Number(l.split(',')[0]))).toEqual([...ids].reverse().slice(700, 2200));
  });
});
