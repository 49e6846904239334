// GIVEN the ReserveNow and CancelReservation handlers over a real reservation service and OCPP key table
// WHEN the CSMS reserves connector 0 or cancels THEN the answers follow OCPP 1.6 5.13 / 9.3 and the
// Reservation profile's CancelReservation.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../../hal/sim/index.js';
import { ReservationService } from '../../../../../src/auth/reservations.js';
import { silentLogger } from '../../../../../src/log.js';
import { OcppConfiguration } from '../../../../../src/ocpp/config-keys.js';
import { CancelReservation } from '../../../../../src/ocpp/handlers/CancelReservation.js';
import { ReserveNow } from '../../../../../src/ocpp/handlers/ReserveNow.js';
import { openDb, type Db } from '../../../../../src/store/db.js';
import { Settings } from '../../../../../src/store/settings.js';

const dirs: string[] = [];
const dbs: Db[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** `zeroSupported` false stands for a charge point whose read-only ReserveConnectorZeroSupported is false. */
function setup(zeroSupported = true) {
  const dir = mkdtempSync(join(tmpdir(), 'evse-resv-h-'));
  dirs.push(dir);
  const db = openDb(dir);
  dbs.push(db);
  const clock = new ManualClock();
  const keys = new OcppConfiguration(new Settings(db), { numberOfConnectors: 2 });
  const config = { bool: (key: Parameters<OcppConfiguration['bool']>[0]) => (key === 'ReserveConnectorZeroSupported' ? zeroSupported : keys.bool(key)) };
  const reservations = new ReservationService({
    db,
    clock,
    log: silentLogger(),
    connectorIds: () => [1, 2],
    status: () => 'Available',
    stationStatus: () => 'Available',
    changed: () => {},
  });
  const expiryDate = new Date(clock.now() + 60_000).toISOString();
  return { reserve: ReserveNow({ config, reservations }), cancel: CancelReservation({ reservations }), reservations, expiryDate };
}

describe('ReserveNow / CancelReservation handlers', () => {
  it('GIVEN the key table THEN ReserveConnectorZeroSupported is read-only true', () => {
    const db = openDb(':memory:');
    dbs.push(db);
    expect(new OcppConfiguration(new Settings(db), { numberOfConnectors: 2 }).bool('ReserveConnectorZeroSupported')).toBe(true);
  });

  it('GIVEN ReserveConnectorZeroSupported=true (default) THEN connector 0 is Accepted with its parentIdTag kept', () => {
    const { reserve, reservations, expiryDate } = setup();
    expect(reserve({ reservationId: 1, connectorId: 0, idTag: 'AAA', parentIdTag: 'FLEET', expiryDate })).toEqual({ status: 'Accepted' });
    expect(reservations.list()).toEqual([{ reservationId: 1, connectorId: 0, idTag: 'AAA', parentIdTag: 'FLEET', expiryDate }]);
  });

  it('GIVEN ReserveConnectorZeroSupported=false THEN connector 0 is Rejected and a connector > 0 still Accepted', () => {
    const { reserve, reservations, expiryDate } = setup(false);
    expect(reserve({ reservationId: 1, connectorId: 0, idTag: 'AAA', expiryDate })).toEqual({ status: 'Rejected' });
    expect(reservations.list()).toEqual([]);
    expect(reserve({ reservationId: 2, connectorId: 2, idTag: 'AAA', expiryDate })).toEqual({ status: 'Accepted' });
  });

  it('GIVEN reservation 5 THEN CancelReservation 5 is Accepted once, then Rejected', () => {
    const { reserve, cancel, expiryDate } = setup();
    reserve({ reservationId: 5, connectorId: 1, idTag: 'AAA', expiryDate });
    expect(cancel({ reservationId: 5 })).toEqual({ status: 'Accepted' });
    expect(cancel({ reservationId: 5 })).toEqual({ status: 'Rejected' });
  });
});
