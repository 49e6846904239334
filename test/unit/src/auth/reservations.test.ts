// GIVEN the reservation service on simulated time with connectors whose statuses the test sets
// WHEN the CSMS reserves, replaces, cancels, and time passes THEN the answers, the Reserved reports,
// expiry, connector-0 accounting, group matching and restore after a reopen follow OCPP 1.6 3.10 / 5.13.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../hal/sim/index.js';
import type { OcppStatus } from '../../../../state-machines/connector-logic.js';
import { ReservationService } from '../../../../src/auth/reservations.js';
import { silentLogger } from '../../../../src/log.js';
import { openDb, type Db } from '../../../../src/store/db.js';
import { ReservationStore } from '../../../../src/store/reservations.js';

const dirs: string[] = [];
const dbs: Db[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const MIN = 60_000;

function setup(opts: { connectors?: number; dir?: string; clock?: ManualClock } = {}) {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'evse-resv-svc-'));
  if (!opts.dir) dirs.push(dir);
  const db = openDb(dir);
  dbs.push(db);
  const clock = opts.clock ?? new ManualClock();
  const statuses = new Map<number, OcppStatus>();
  const ids = Array.from({ length: opts.connectors ?? 2 }, (_, i) => i + 1);
  for (const id of ids) statuses.set(id, 'Available');
  const station = { status: 'Available' as 'Available' | 'Unavailable' | 'Faulted' };
  const changed: number[] = [];
  const svc = new ReservationService({
    db,
    clock,
    log: silentLogger(),
    connectorIds: () => ids,
    status: (id) => statuses.get(id) ?? 'Unavailable',
    stationStatus: () => station.status,
    changed: (id) => changed.push(id),
  });
  svc.restore();
  const at = (ms: number) => new Date(clock.now() + ms).toISOString();
  /** A connector's own status changes (the controller then reports it). */
  const set = (id: number, s: OcppStatus) => {
    statuses.set(id, s);
    svc.connectorChanged(id);
  };
  return { svc, clock, db, dir, station, changed, at, set, reserved: () => ids.map((id) => svc.reportsReserved(id)) };
}

describe('ReservationService: ReserveNow answers', () => {
  it('GIVEN an Available connector WHEN reserved THEN Accepted, it reports Reserved and a report goes out after the reply', () => {
    const { svc, at, changed, reserved, clock } = setup();
    expect(svc.reserve({ reservationId: 1, connectorId: 1, idTag: 'AAA', expiryDate: at(10 * MIN) })).toBe('Accepted');
    expect(reserved()).toEqual([true, false]);
    expect(changed).toEqual([]); // ReserveNow.conf first, then the StatusNotification
    clock.advance(0);
    expect(changed).toEqual([1, 2]);
    expect(svc.onConnector(1)).toMatchObject({ reservationId: 1, idTag: 'AAA' });
  });

  it('GIVEN connector states WHEN reserving THEN Faulted / Unavailable / Occupied / Rejected as OCPP 1.6 5.13 says', () => {
    const { svc, at, set } = setup({ connectors: 3 });
    set(1, 'Faulted');
    set(2, 'Unavailable');
    set(3, 'Charging');
    const req = (reservationId: number, connectorId: number, idTag = 'AAA') => svc.reserve({ reservationId, connectorId, idTag, expiryDate: at(MIN) });
    expect(req(1, 1)).toBe('Faulted');
    expect(req(2, 2)).toBe('Unavailable');
    expect(req(3, 3)).toBe('Occupied');
    for (const s of ['Preparing', 'SuspendedEV', 'SuspendedEVSE', 'Finishing'] as const) {
      set(3, s);
      expect(req(3, 3)).toBe('Occupied');
    }
    expect(req(4, 4)).toBe('Rejected'); // no such connector
    expect(svc.reserve({ reservationId: 5, connectorId: 3, idTag: 'AAA', expiryDate: at(-1000) })).toBe('Rejected'); // already expired
    expect(svc.list()).toEqual([]);
  });

  it('GIVEN a connector reserved for one idTag WHEN another reservation id asks for it (same or another idTag) THEN Occupied', () => {
    const { svc, at } = setup();
    expect(svc.reserve({ reservationId: 1, connectorId: 1, idTag: 'AAA', expiryDate: at(MIN) })).toBe('Accepted');
    expect(svc.reserve({ reservationId: 2, connectorId: 1, idTag: 'BBB', expiryDate: at(MIN) })).toBe('Occupied');
    expect(svc.reserve({ reservationId: 3, connectorId: 1, idTag: 'AAA', expiryDate: at(MIN) })).toBe('Occupied');
  });

  it('GIVEN the charge point is Unavailable or Faulted THEN a reservation gets that answer', () => {
    const { svc, at, station } = setup();
    station.status = 'Unavailable';
    expect(svc.reserve({ reservationId: 1, connectorId: 1, idTag: 'AAA', expiryDate: at(MIN) })).toBe('Unavailable');
    station.status = 'Faulted';
    expect(svc.reserve({ reservationId: 1, connectorId: 0, idTag: 'AAA', expiryDate: at(MIN) })).toBe('Faulted');
  });

  it('GIVEN reservation 1 WHEN ReserveNow comes again with id 1 THEN it is replaced (same connector: new idTag and expiry; other connector: moved)', () => {
    const { svc, at, set, reserved, clock } = setup();
    svc.reserve({ reservationId: 1, connectorId: 1, idTag: 'AAA', expiryDate: at(MIN) });
    set(1, 'Preparing'); // the holder plugged in: the update still applies
    expect(svc.reserve({ reservationId: 1, connectorId: 1, idTag: 'BBB', expiryDate: at(10 * MIN) })).toBe('Accepted');
    expect(svc.list()).toEqual([expect.objectContaining({ reservationId: 1, idTag: 'BBB' })]);
    clock.advance(2 * MIN); // the first expiry has passed; the replacement's has not
    expect(svc.list()).toHaveLength(1);
    set(1, 'Available');
    set(2, 'Faulted');
    expect(svc.reserve({ reservationId: 1, connectorId: 2, idTag: 'BBB', expiryDate: at(MIN) })).toBe('Faulted');
    expect(svc.onConnector(1)?.idTag).toBe('BBB'); // a refused move leaves the earlier reservation
    set(2, 'Available');
    expect(svc.reserve({ reservationId: 1, connectorId: 2, idTag: 'BBB', expiryDate: at(MIN) })).toBe('Accepted');
    expect(reserved()).toEqual([false, true]);
    expect(svc.list()).toHaveLength(1);
  });
});

describe('ReservationService: ending reservations', () => {
  it('GIVEN two reservations WHEN simulated time reaches each expiryDate THEN each ends then, and the connector reports Available', () => {
    const { svc, at, clock, reserved, changed } = setup();
    svc.reserve({ reservationId: 1, connectorId: 1, idTag: 'AAA', expiryDate: at(5 * MIN) });
    svc.reserve({ reservationId: 2, connectorId: 2, idTag: 'BBB', expiryDate: at(2 * MIN) });
    clock.advance(2 * MIN - 1);
    expect(reserved()).toEqual([true, true]);
    changed.length = 0;
    clock.advance(1);
    expect(reserved()).toEqual([true, false]);
    expect(changed).toContain(2);
    clock.advance(3 * MIN);
    expect(reserved()).toEqual([false, false]);
    expect(svc.list()).toEqual([]);
    expect(clock.pending).toBe(0);
  });

  it('GIVEN a reservation WHEN cancelled THEN true and gone; cancelling an unknown id is false', () => {
    const { svc, at, reserved, db } = setup();
    svc.reserve({ reservationId: 9, connectorId: 2, idTag: 'AAA', expiryDate: at(MIN) });
    expect(svc.cancel(9)).toBe(true);
    expect(svc.cancel(9)).toBe(false);
    expect(reserved()).toEqual([false, false]);
    expect(new ReservationStore(db).all()).toEqual([]);
  });

  it('GIVEN reservations WHEN their connector goes Faulted or the charge point Unavailable THEN they end (3.10)', () => {
    const { svc, at, set, station } = setup({ connectors: 3 });
    svc.reserve({ reservationId: 1, connectorId: 1, idTag: 'AAA', expiryDate: at(MIN) });
    svc.reserve({ reservationId: 2, connectorId: 2, idTag: 'BBB', expiryDate: at(MIN) });
    svc.reserve({ reservationId: 3, connectorId: 0, idTag: 'CCC', expiryDate: at(MIN) });
    set(1, 'Faulted');
    expect(svc.list().map((r) => r.reservationId)).toEqual([2, 3]);
    station.status = 'Unavailable';
    svc.connectorChanged(0);
    expect(svc.list()).toEqual([]);
  });

  it('GIVEN a reservation for AAA on connector 1 WHEN AAA starts there THEN consume returns its id and it ends; elsewhere it stays', () => {
    const { svc, at } = setup();
    svc.reserve({ reservationId: 4, connectorId: 1, idTag: 'aaa', expiryDate: at(MIN) });
    expect(svc.consume(2, 'AAA')).toBeUndefined(); // a session on another connector leaves it (3.10)
    expect(svc.consume(1, 'BBB')).toBeUndefined();
    expect(svc.consume(1, 'AAA')).toBe(4); // idTags compare case-insensitively
    expect(svc.list()).toEqual([]);
  });
});

describe('ReservationService: who may use a reserved connector', () => {
  it('GIVEN a reservation with a parentIdTag THEN its idTag, the group idTag and cards of the group may use it, others not', () => {
    const { svc, at } = setup();
    svc.reserve({ reservationId: 1, connectorId: 1, idTag: 'AAA', parentIdTag: 'FLEET', expiryDate: at(MIN) });
    expect(svc.mayTry(1, 'AAA')).toBe('mine');
    expect(svc.mayTry(1, 'FLEET')).toBe('mine');
    expect(svc.mayTry(1, 'BBB')).toBe('maybe'); // its group is known only after authorization
    expect(svc.allows(1, 'BBB', 'FLEET')).toBe(true);
    expect(svc.allows(1, 'BBB', 'OTHER')).toBe(false);
    expect(svc.allows(1, 'BBB')).toBe(false);
    expect(svc.mayTry(2, 'BBB')).toBe('free');
    expect(svc.consume(1, 'BBB', 'FLEET')).toBe(1);
  });

  it('GIVEN a reservation without parentIdTag THEN another idTag is refused before authorization', () => {
    const { svc, at } = setup();
    svc.reserve({ reservationId: 1, connectorId: 1, idTag: 'AAA', expiryDate: at(MIN) });
    expect(svc.mayTry(1, 'BBB')).toBe('no');
    expect(svc.allows(1, 'BBB', 'AAA')).toBe(false); // a card whose parent is the reserved idTag is not the holder
  });
});

describe('ReservationService: connector 0', () => {
  it('GIVEN two free connectors and a connector-0 reservation for AAA THEN others may take one; the last free one is kept for AAA', () => {
    const { svc, at, set, reserved } = setup();
    expect(svc.reserve({ reservationId: 1, connectorId: 0, idTag: 'AAA', expiryDate: at(MIN) })).toBe('Accepted');
    expect(reserved()).toEqual([false, false]); // two free, one needed: nothing held yet
    set(2, 'Preparing'); // BBB plugs in on connector 2
    expect(svc.allows(2, 'BBB')).toBe(true); // connector 1 stays free for AAA
    set(2, 'Charging');
    expect(reserved()).toEqual([true, false]);
    set(1, 'Preparing'); // CCC plugs in on the last free connector
    expect(svc.mayTry(1, 'CCC')).toBe('no');
    expect(svc.allows(1, 'CCC')).toBe(false);
    expect(svc.mayTry(1, 'AAA')).toBe('mine');
    expect(svc.consume(1, 'AAA')).toBe(1);
    expect(svc.list()).toEqual([]);
  });

  it('GIVEN connector-0 reservations THEN each needs a free connector: a further one, or one on a specific connector, is Occupied', () => {
    const { svc, at, set } = setup();
    expect(svc.reserve({ reservationId: 1, connectorId: 0, idTag: 'AAA', expiryDate: at(MIN) })).toBe('Accepted');
    expect(svc.reserve({ reservationId: 2, connectorId: 0, idTag: 'BBB', expiryDate: at(MIN) })).toBe('Accepted');
    expect(svc.reserve({ reservationId: 3, connectorId: 0, idTag: 'CCC', expiryDate: at(MIN) })).toBe('Occupied');
    expect(svc.reserve({ reservationId: 4, connectorId: 1, idTag: 'DDD', expiryDate: at(MIN) })).toBe('Occupied');
    expect(svc.cancel(2)).toBe(true);
    expect(svc.reserve({ reservationId: 4, connectorId: 1, idTag: 'DDD', expiryDate: at(MIN) })).toBe('Accepted');
    expect(svc.mayTry(2, 'EEE')).toBe('no'); // connector 2 is the one kept for AAA
    set(1, 'Faulted'); // reservation 4 ends with its connector
    set(2, 'Unavailable'); // every connector unusable now: the connector-0 reservation stays until the charge point goes
    expect(svc.reserve({ reservationId: 5, connectorId: 0, idTag: 'FFF', expiryDate: at(MIN) })).toBe('Unavailable');
    set(2, 'Faulted');
    expect(svc.reserve({ reservationId: 5, connectorId: 0, idTag: 'FFF', expiryDate: at(MIN) })).toBe('Faulted');
    expect(svc.list().map((r) => r.reservationId)).toEqual([1]);
  });
});

describe('ReservationService: restore', () => {
  it('GIVEN one expired and one live reservation in the database WHEN the service restores after a reopen THEN the live one is re-armed, the expired one dropped', () => {
    const first = setup();
    first.svc.reserve({ reservationId: 1, connectorId: 1, idTag: 'AAA', expiryDate: first.at(2 * MIN) });
    first.svc.reserve({ reservationId: 2, connectorId: 2, idTag: 'BBB', expiryDate: first.at(10 * MIN) });
    first.svc.stop();
    first.db.close();
    dbs.splice(dbs.indexOf(first.db), 1);
    const clock = new ManualClock(first.clock.now() + 5 * MIN); // "reboot" 5 minutes later
    const again = setup({ dir: first.dir, clock });
    expect(again.svc.list().map((r) => r.reservationId)).toEqual([2]);
    expect(new ReservationStore(again.db).all().map((r) => r.reservationId)).toEqual([2]);
    expect(again.reserved()).toEqual([false, true]);
    clock.advance(5 * MIN);
    expect(again.svc.list()).toEqual([]);
    expect(again.reserved()).toEqual([false, false]);
  });
});
