// ReserveNow (OCPP 1.6 sections 5.13, 3.10): reserve a connector, or with connectorId 0 any connector
// when ReserveConnectorZeroSupported is true (9.3; else Rejected). Owns: the protocol side of the request.
// Must not: hold reservation rules (src/auth/reservations.ts does) or touch the HAL.

import type { ReserveNowRequest, ReserveNowResponse } from 'ocpp-ts';
import type { ReservationService } from '../../auth/reservations.js';
import type { OcppConfiguration } from '../config-keys.js';

export function ReserveNow(deps: {
  config: Pick<OcppConfiguration, 'bool'>;
  reservations: Pick<ReservationService, 'reserve'>;
}): (req: ReserveNowRequest) => ReserveNowResponse {
  return (req) => {
    if (req.connectorId === 0 && !deps.config.bool('ReserveConnectorZeroSupported')) return { status: 'Rejected' };
    const { reservationId, connectorId, idTag, parentIdTag, expiryDate } = req;
    return { status: deps.reservations.reserve({ reservationId, connectorId, idTag, expiryDate, ...(parentIdTag ? { parentIdTag } : {}) }) };
  };
}
