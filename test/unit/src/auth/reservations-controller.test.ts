// GIVEN the composed controller on the simulated board and simulated time, with a reservation
// WHEN cards are tapped and EVs plug in THEN only the reservation's idTag starts on the reserved connector,
// its session records the reservationId, and the connector reports Reserved / Available as OCPP 1.6 3.10 says.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSimHal, ManualClock } from '../../../../hal/sim/index.js';
import { validateConfig } from '../../../../src/config/load.js';
import { Controller } from '../../../../src/controller.js';
import { silentLogger } from '../../../../src/log.js';
import { openDb, type Db } from '../../../../src/store/db.js';
import { Settings } from '../../../../src/store/settings.js';
import { simSteps } from '../../../helpers/sim-steps.js';

const HOLDER = '04A1B2C3';
const OTHER = '04D1E2F3';
const THIRD = '04112233';

const dirs: string[] = [];
const dbs: Db[] = [];
const ctls: Controller[] = [];
afterEach(() => {
  for (const c of ctls.splice(0)) c.stop();
  for (const db of dbs.splice(0)) db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function setup(connectors = 2) {
  const dir = mkdtempSync(join(tmpdir(), 'evse-resv-ctl-'));
  dirs.push(dir);
  const config = validateConfig({ connectors: Array.from({ length: connectors }, (_, i) => ({ id: i + 1 })), auth: { allowList: [HOLDER, OTHER, THIRD] } });
  const clock = new ManualClock();
  const hal = createSimHal({ connectors }, clock);
  const db = openDb(dir);
  dbs.push(db);
  const ctl = new Controller(config, { hal, clock, log: silentLogger(), db, settings: new Settings(db), policy: null });
  ctls.push(ctl);
  const reports: Array<[number, string]> = [];
  ctl.onReportChanged((id) => reports.push([id, ctl.report(id).status]));
  ctl.start();
  const { advance, tap } = simSteps(clock, hal);
  const at = (ms: number) => new Date(clock.now() + ms).toISOString();
  await advance(500);
  return { ctl, clock, advance, tap, at, reports, board: (id: number) => hal.control.connector(id) };
}

describe('controller with reservations', () => {
  it('GIVEN connector 1 reserved for HOLDER THEN it reports Reserved; OTHER plugged there is refused; HOLDER starts and the session carries the reservationId', async () => {
    const { ctl, advance, tap, at, reports, board } = await setup();
    expect(ctl.reservations.reserve({ reservationId: 42, connectorId: 1, idTag: HOLDER, expiryDate: at(600_000) })).toBe('Accepted');
    await advance(50);
    expect(reports).toContainEqual([1, 'Reserved']);
    expect(ctl.status().connectors.map((c) => c.status)).toEqual(['Reserved', 'Available']);
    expect(ctl.status().connectors[0]!.reservation).toMatchObject({ id: 42, idTag: HOLDER });
    board(1).plug();
    await advance(500);
    expect(ctl.report(1).status).toBe('Preparing');
    await tap(OTHER);
    expect(ctl.connector(1)!.context.session).toBe('none');
    expect(ctl.reservations.list()).toHaveLength(1);
    await tap(HOLDER);
    expect(ctl.connector(1)!.context.session).toBe('active');
    expect(ctl.transactions.store.open()[0]).toMatchObject({ connectorId: 1, idTag: HOLDER, reservationId: 42 });
    expect(ctl.reservations.list()).toEqual([]);
  });

  it('GIVEN connector 1 reserved for HOLDER and nothing plugged WHEN OTHER taps THEN connector 2 is authorized, not the reserved one', async () => {
    const { ctl, tap, at } = await setup();
    ctl.reservations.reserve({ reservationId: 1, connectorId: 1, idTag: HOLDER, expiryDate: at(600_000) });
    await tap(OTHER);
    expect(ctl.connector(1)!.context.session).toBe('none');
    expect(ctl.connector(2)!.context.session).toBe('authorized');
  });

  it('GIVEN connector 2 reserved for HOLDER and nothing plugged WHEN HOLDER taps THEN its reserved connector is authorized', async () => {
    const { ctl, tap, at } = await setup();
    ctl.reservations.reserve({ reservationId: 1, connectorId: 2, idTag: HOLDER, expiryDate: at(600_000) });
    await tap(HOLDER);
    expect(ctl.connector(1)!.context.session).toBe('none');
    expect(ctl.connector(2)!.context.session).toBe('authorized');
  });

  it('GIVEN a reservation WHEN it expires THEN the connector reports Available again (a report goes out)', async () => {
    const { ctl, advance, at, reports } = await setup(1);
    ctl.reservations.reserve({ reservationId: 3, connectorId: 1, idTag: HOLDER, expiryDate: at(5_000) });
    expect(ctl.report(1).status).toBe('Reserved');
    reports.length = 0;
    await advance(5_000);
    expect(ctl.report(1).status).toBe('Available');
    expect(reports).toContainEqual([1, 'Available']);
  });

  it('GIVEN a reservation WHEN its connector faults THEN the reservation ends', async () => {
    const { ctl, advance, at, board } = await setup(1);
    ctl.reservations.reserve({ reservationId: 5, connectorId: 1, idTag: HOLDER, expiryDate: at(600_000) });
    board(1).setFault('rcd', true);
    await advance(200);
    expect(ctl.report(1).status).toBe('Faulted');
    expect(ctl.reservations.list()).toEqual([]);
  });

  it('GIVEN a connector-0 reservation for HOLDER and connector 2 charging for OTHER THEN connector 1 reports Reserved and only HOLDER may take it', async () => {
    const { ctl, advance, tap, at, board } = await setup();
    expect(ctl.reservations.reserve({ reservationId: 7, connectorId: 0, idTag: HOLDER, expiryDate: at(600_000) })).toBe('Accepted');
    expect(ctl.status().connectors.map((c) => c.status)).toEqual(['Available', 'Available']);
    board(2).plug();
    await advance(500);
    await tap(OTHER);
    expect(ctl.connector(2)!.context.session).toBe('active');
    expect(ctl.report(1).status).toBe('Reserved');
    expect(ctl.report(0).status).toBe('Available'); // connector 0 never reports Reserved (4.9)
    board(1).plug();
    await advance(500);
    await tap(THIRD); // a listed card, but connector 1 is the last free one and kept for HOLDER
    expect(ctl.connector(1)!.context.session).toBe('none');
    await tap(HOLDER);
    expect(ctl.connector(1)!.context.session).toBe('active');
    expect(ctl.transactions.store.open().find((t) => t.connectorId === 1)).toMatchObject({ idTag: HOLDER, reservationId: 7 });
  });
});
