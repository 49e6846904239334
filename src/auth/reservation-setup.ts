// Builds the reservation service for the controller: reservations see the connectors' own statuses (a blocking
// fault counts as Faulted), their changes reach the report listeners (StatusNotification), and a session that
// starts uses the reservation its idTag or group holds. Must not: hold reservation rules (reservations.ts does).

import type { Clock } from '../../hal/clock.js';
import type { Controller } from '../controller.js';
import type { Logger } from '../log.js';
import { reportOf } from '../reports.js';
import type { Db } from '../store/db.js';
import { ReservationService } from './reservations.js';

export function createReservations(ctl: Controller, deps: { db: Db; clock: Clock; log: Logger; now: () => number }): ReservationService {
  const reservations = new ReservationService({
    db: deps.db,
    clock: deps.clock,
    log: deps.log.child({ module: 'reservations' }),
    now: deps.now,
    connectorIds: () => ctl.connectors.map((c) => c.id),
    status: (id) => (ctl.faults.blockingNames(id).length > 0 ? 'Faulted' : (ctl.connector(id)?.status ?? 'Unavailable')),
    stationStatus: () => reportOf(0, ctl).status as 'Available' | 'Unavailable' | 'Faulted',
    changed: (id) => ctl.reportChanged(id),
  });
  ctl.consumeReservation = (connectorId, idTag, parentIdTag) => reservations.consume(connectorId, idTag, parentIdTag);
  ctl.onReportChanged((id) => reservations.connectorChanged(id));
  return reservations;
}
