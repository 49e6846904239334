// ChangeAvailability (OCPP 1.6 section 5.2): connector 0 means the whole charge point. Becoming
// Inoperative while a transaction runs is Scheduled (applied when it ends); the state survives reboots.

import type { ChangeAvailabilityRequest, ChangeAvailabilityResponse } from 'ocpp-ts';
import type { HandlerContext } from './context.js';

export function ChangeAvailability(ctx: HandlerContext) {
  return (req: ChangeAvailabilityRequest): ChangeAvailabilityResponse => {
    if (req.connectorId !== 0 && !ctx.connector(req.connectorId)) return { status: 'Rejected' };
    return { status: ctx.changeAvailability(req.connectorId, req.type === 'Operative') };
  };
}
