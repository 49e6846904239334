// GIVEN the real controller process, accepted by a strict CSMS on loopback
// WHEN the CSMS manages the local authorization list (SendLocalList Full / Differential, GetLocalListVersion)
// THEN the answers follow OCPP 1.6 sections 5.10 / 5.15, the stored list (read from the controller's SQLite
// file) is exactly what was accepted, a 100,000-entry list is accepted and survives a restart.

import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalListStore } from '../../src/store/local-list.js';
import { startCsms, type TestCsms } from '../helpers/csms.js';
import { usePeers } from '../helpers/peers.js';
import { ocppConfig, startController, type Controller } from '../helpers/process.js';

const peers = usePeers();

async function accepted(): Promise<{ s: TestCsms; c: Controller }> {
  const s = (peers.csms = await startCsms());
  const c = (peers.ctl = await startController(ocppConfig(s.url)));
  await s.waitFor('BootNotification');
  await s.waitFor('StatusNotification', (p) => p.connectorId === 1);
  return { s, c };
}

/** The list as stored in the controller's database file right now (a read-only second connection). */
function stored(c: Controller, ids: string[]): { version: number; size: number; entries: Array<[string, unknown]> } {
  const db = new Database(join(c.dir, 'data', 'evse.db'), { readonly: true });
  try {
    const list = new LocalListStore(db);
    return { version: list.version(), size: list.size(), entries: ids.map((id) => [id, list.lookup(id)]) };
  } finally {
    db.close();
  }
}

const version = async (s: TestCsms): Promise<number> => ((await s.call('GetLocalListVersion', {})) as { listVersion: number }).listVersion;
const send = async (s: TestCsms, req: unknown): Promise<string> => ((await s.call('SendLocalList', req)) as { status: string }).status;

describe('OCPP Local Auth List Management', () => {
  it('Full, Differential, VersionMismatch and Failed over the wire; GetLocalListVersion; NotSupported / -1 while LocalAuthListEnabled is false', async () => {
    const { s, c } = await accepted();
    expect(await version(s)).toBe(0);

    expect(await send(s, { listVersion: 3, updateType: 'Full', localAuthorizationList: [
      { idTag: '04A1B2C3', idTagInfo: { status: 'Accepted', parentIdTag: 'FLEET-1' } },
      { idTag: 'blocked-1', idTagInfo: { status: 'Blocked' } },
      { idTag: 'GONE', idTagInfo: { status: 'Accepted', expiryDate: '2031-01-01T00:00:00.000Z' } },
    ] })).toBe('Accepted');
    expect(await version(s)).toBe(3);

    expect(await send(s, { listVersion: 3, updateType: 'Differential', localAuthorizationList: [{ idTag: 'LATE', idTagInfo: { status: 'Accepted' } }] })).toBe('VersionMismatch');
    expect(await send(s, { listVersion: 4, updateType: 'Differential', localAuthorizationList: [
      { idTag: 'NEW-1', idTagInfo: { status: 'Accepted' } },
      { idTag: 'BLOCKED-1', idTagInfo: { status: 'Accepted' } },
      { idTag: 'gone' },
    ] })).toBe('Accepted');
    expect(await send(s, { listVersion: 9, updateType: 'Full', localAuthorizationList: [{ idTag: 'X', idTagInfo: { status: 'Accepted' } }, { idTag: 'NO-INFO' }] })).toBe('Failed');
    expect(await send(s, { listVersion: 9, updateType: 'Full', localAuthorizationList: [{ idTag: 'DUP', idTagInfo: { status: 'Accepted' } }, { idTag: 'dup', idTagInfo: { status: 'Blocked' } }] })).toBe('Failed');
    expect(await version(s)).toBe(4);
    expect(stored(c, ['04a1b2c3', 'BLOCKED-1', 'GONE', 'NEW-1', 'LATE', 'X', 'DUP'])).toEqual({
      version: 4,
      size: 3,
      entries: [
        ['04a1b2c3', { status: 'Accepted', parentIdTag: 'FLEET-1' }], ['BLOCKED-1', { status: 'Accepted' }], ['GONE', null],
        ['NEW-1', { status: 'Accepted' }], ['LATE', null], ['X', null], ['DUP', null],
      ],
    });

    expect(await s.call('ChangeConfiguration', { key: 'LocalAuthListEnabled', value: 'false' })).toEqual({ status: 'Accepted' });
    expect(await version(s)).toBe(-1);
    expect(await send(s, { listVersion: 5, updateType: 'Full', localAuthorizationList: [] })).toBe('NotSupported');
    expect(await s.call('ChangeConfiguration', { key: 'LocalAuthListEnabled', value: 'true' })).toEqual({ status: 'Accepted' });
    expect(await version(s)).toBe(4);

    expect(await send(s, { listVersion: 5, updateType: 'Full' })).toBe('Accepted'); // no list: clears it
    expect(await version(s)).toBe(0);
    expect(stored(c, ['NEW-1']).size).toBe(0);
    expect(s.validationFailures).toEqual([]);
  });

  it('a 100,000-entry Full list is accepted within the default call timeout, the API keeps answering, and the list survives a restart', async () => {
    const { s, c } = await accepted();
    const list = Array.from({ length: 100_000 }, (_, i) => ({ idTag: `C${i.toString(16).padStart(8, '0')}`, idTagInfo: { status: i % 10 === 0 ? 'Blocked' : 'Accepted' } }));
    let polls = 0;
    let failedPolls = 0;
    let worstGap = 0;
    let applying = true;
    const poller = (async () => {
      let last = Date.now();
      while (applying) {
        const res = await c.get('/api/status').catch(() => ({ status: 0 }));
        if (res.status === 200) polls++;
        else failedPolls++;
        worstGap = Math.max(worstGap, Date.now() - last);
        last = Date.now();
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const started = Date.now();
    const status = await send(s, { listVersion: 77, updateType: 'Full', localAuthorizationList: list });
    const took = Date.now() - started;
    applying = false;
    await poller;
    console.log(`local list 100k over the wire: ${took} ms to Accepted; ${polls} status polls, worst gap ${worstGap} ms`);
    expect(status).toBe('Accepted');
    expect(failedPolls).toBe(0);
    expect(await version(s)).toBe(77);
    expect((await c.get('/api/status')).status).toBe(200);
    const beats = s.count('Heartbeat');
    expect(await s.call('TriggerMessage', { requestedMessage: 'Heartbeat' })).toEqual({ status: 'Accepted' });
    await s.waitFor('Heartbeat', () => s.count('Heartbeat') > beats);

    await c.stop({ keep: true });
    const again = (peers.ctl = await startController(ocppConfig(s.url), { dir: c.dir }));
    await s.waitFor('BootNotification', () => s.count('BootNotification') >= 2);
    expect(await version(s)).toBe(77);
    expect(stored(again, ['C00000000', 'c0001869f', 'C000186a0'])).toEqual({
      version: 77,
      size: 100_000,
      entries: [['C00000000', { status: 'Blocked' }], ['c0001869f', { status: 'Accepted' }], ['C000186a0', null]],
    });
    expect(s.validationFailures).toEqual([]);
  }, 60_000);
});
