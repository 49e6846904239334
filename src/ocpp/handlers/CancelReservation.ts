// CancelReservation (OCPP 1.6 Reservation profile): Accepted when the reservation existed (it ends and
// its connector reports Available again), Rejected when there is no reservation with that id.
// Must not: hold reservation rules (src/auth/reservations.ts does) or touch the HAL.

import type { CancelReservationRequest, CancelReservationResponse } from 'ocpp-ts';
import type { ReservationService } from '../../auth/reservations.js';

export function CancelReservation(deps: {
  reservations: Pick<ReservationService, 'cancel'>;
}): (req: CancelReservationRequest) => CancelReservationResponse {
  return (req) => ({ status: deps.reservations.cancel(req.reservationId) ? 'Accepted' : 'Rejected' });
}
