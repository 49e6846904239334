// `evse sessions` run in-process through `main` against the real local API of a controller on the simulated
// HAL (real HTTP, real SQLite), and the table text of formatSessionsTable.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSimHal, ManualClock } from '../../../../hal/sim/index.js';
import { startApi } from '../../../../src/api/server.js';
import { main } from '../../../../src/cli/evse.js';
import { formatDuration, formatSessionsTable } from '../../../../src/cli/sessions.js';
import { validateConfig } from '../../../../src/config/load.js';
import { Controller } from '../../../../src/controller.js';
import { silentLogger } from '../../../../src/log.js';
import { openDb } from '../../../../src/store/db.js';
import type { SessionRecord } from '../../../../src/store/sessions.js';
import { Settings } from '../../../../src/store/settings.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const iso = (ms: number): string => new Date(ms).toISOString();
const TARIFF = { currency: 'EUR', startFee: 1, perKwh: 0.3, perMinute: 0.02 };

async function controllerApi() {
  const dir = mkdtempSync(join(tmpdir(), 'evse-cli-sessions-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const clock = new ManualClock();
  const db = openDb(dir);
  const ctl = new Controller(validateConfig({ api: { host: '127.0.0.1', port: 0 } }), { hal: createSimHal({ connectors: 1 }, clock), clock, log: silentLogger(), db, settings: new Settings(db), policy: null });
  ctl.start();
  const server = await startApi({ host: '127.0.0.1', port: 0, controller: ctl, sim: null, log: silentLogger() });
  cleanups.push(() => void db.close());
  cleanups.push(() => ctl.stop());
  cleanups.push(() => new Promise<void>((resolve) => server.server.close(() => resolve())));
  const store = ctl.transactions.store;
  const add = (idTag: string, at: number, wh = 12_345, minutes = 90): number =>
    store.stop(store.start(1, idTag, 1000, iso(at)).localId, 'Local', 1000 + wh, iso(at + minutes * 60_000), TARIFF)!.localId;
  return { url: `http://127.0.0.1:${server.port}`, add, db };
}

async function run(...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['node', 'evse', ...args], { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out, err };
}

describe('evse sessions', () => {
  it('GIVEN recorded sessions WHEN `evse sessions` THEN a table newest first with kWh, duration, reason and cost', async () => {
    const api = await controllerApi();
    api.add('04A1B2C3', T0);
    api.add('CARD-B', T0 + 86_400_000, 500, 5);
    const { code, out, err } = await run('--url', api.url, 'sessions');
    expect(err).toEqual([]);
    expect(code).toBe(0);
    const lines = out.join('\n').split('\n');
    expect(lines[0]).toMatch(/^start\s+stop\s+connector\s+idTag\s+kWh\s+duration\s+reason\s+cost$/);
    expect(lines[1]).toMatch(/^2026-01-0\d \d\d:\d\d\s+\S.*\s1\s+CARD-B\s+0\.50\s+5m 00s\s+Local\s+1\.25 EUR$/);
    expect(lines[2]).toMatch(/\s1\s+04A1B2C3\s+12\.35\s+1h 30m\s+Local\s+6\.50 EUR$/);
    expect(lines.at(-1)).toBe('2 of 2 sessions');
  });

  it('GIVEN --id-tag, --from, --to, --limit WHEN `evse sessions --json` THEN the filtered sessions and the total', async () => {
    const api = await controllerApi();
    const a = api.add('CARD-A', T0);
    api.add('CARD-B', T0 + 60_000);
    const c = api.add('card-a', T0 + 2 * 86_400_000);
    const d = api.add('CARD-A', T0 + 3 * 86_400_000);
    const { code, out } = await run('--url', api.url, 'sessions', '--json', '--id-tag', 'card-A', '--from', '2026-01-01', '--to', '2026-01-04T00:00+00:00', '--limit', '1');
    expect(code).toBe(0);
    const body = JSON.parse(out.join('\n'));
    expect(body.total).toBe(2);
    expect(body.sessions.map((s: SessionRecord) => s.id)).toEqual([c]);
    expect([a, d]).not.toContain(body.sessions[0].id);
  });

  it('GIVEN more sessions than one API page WHEN `evse sessions --csv` THEN all of them as CSV, the same as the API export', async () => {
    const api = await controllerApi();
    api.db.transaction(() => {
      for (let i = 0; i < 1100; i++) api.add(i === 5 ? 'ODD,"TAG"' : `T${i}`, T0 + i * 60_000);
    })();
    const { code, out } = await run('--url', api.url, 'sessions', '--csv');
    expect(code).toBe(0);
    const exported = await (await fetch(`${api.url}/api/sessions.csv`)).text();
    expect(`${out.join('\n')}\r\n`).toBe(exported);
    expect(exported.split('\r\n').filter(Boolean)).toHaveLength(1101);
    expect(exported).toContain(',"ODD,""TAG""",');
  });

  it('GIVEN bad options WHEN `evse sessions` THEN exit 2 with one line and no request', async () => {
    for (const args of [['--from', 'yesterday'], ['--to', '2026-02-30'], ['--limit', '0'], ['--csv', '--json'], ['--from', '2026-02-02', '--to', '2026-02-01'], ['--id-tag', 'X'.repeat(21)]]) {
      const { code, err } = await run('--url', 'http://127.0.0.1:9', 'sessions', ...args); // port 9: nothing listens
      expect(code, args.join(' ')).toBe(2);
      expect(err).toHaveLength(1);
      expect(err[0]).toMatch(/^evse: --/);
    }
  });

  it('GIVEN no controller WHEN `evse sessions` THEN exit 1 with the unreachable line', async () => {
    const { code, err } = await run('--url', 'http://127.0.0.1:9', 'sessions');
    expect(code).toBe(1);
    expect(err[0]).toMatch(/^evse: cannot reach the controller at http:\/\/127\.0\.0\.1:9/);
  });
});

describe('formatSessionsTable', () => {
  const s: SessionRecord = {
    id: 3, transactionId: 77, connectorId: 2, idTag: '04A1B2C3', parentIdTag: null, startedAt: '2026-01-01T12:00:00.000Z',
    stoppedAt: '2026-01-01T13:30:00.000Z', meterStartWh: 1000, meterStopWh: 13_345, energyWh: 12_345, durationS: 5400,
    stopReason: 'EVDisconnected', cost: 6.5, currency: 'EUR', reservationId: null,
  };
  it('GIVEN a stopped, a running and a cross-midnight session WHEN formatted in UTC THEN aligned columns and a count line', () => {
    const running: SessionRecord = { ...s, id: 4, idTag: 'FLEET-1', startedAt: '2026-01-02T23:50:00.000Z', stoppedAt: null, meterStopWh: null, energyWh: 800, durationS: null, stopReason: null, cost: null, currency: null };
    const overnight: SessionRecord = { ...s, id: 2, startedAt: '2025-12-31T23:00:00.000Z', stoppedAt: '2026-01-01T01:00:00.000Z', durationS: 7200 };
    expect(formatSessionsTable({ sessions: [running, s, overnight], total: 5 }, { timeZone: 'UTC' })).toBe(
      [
        'start             stop              connector  idTag       kWh  duration  reason              cost',
        '2026-01-02 23:50  running                   2  FLEET-1    0.80         -  -                      -',
        '2026-01-01 12:00  13:30                     2  04A1B2C3  12.35    1h 30m  EVDisconnected  6.50 EUR',
        '2025-12-31 23:00  2026-01-01 01:00          2  04A1B2C3  12.35    2h 00m  EVDisconnected  6.50 EUR',
        '',
        '3 of 5 sessions (newest first; use --limit for more)',
      ].join('\n'),
    );
    expect(formatSessionsTable({ sessions: [], total: 0 }, {})).toBe('No sessions');
    expect([formatDuration(45), formatDuration(750), formatDuration(5400)]).toEqual(['45s', '12m 30s', '1h 30m']);
  });
});
