// UnlockConnector (OCPP 1.6 section 5.18): a running transaction on the connector is stopped
// (reason UnlockCommand) and the cable released (also one kept locked after a DeAuthorized stop); NotSupported for a tethered cable (no lock).

import type { UnlockConnectorRequest, UnlockConnectorResponse } from 'ocpp-ts';
import type { HandlerContext } from './context.js';

export function UnlockConnector(ctx: HandlerContext) {
  return async (req: UnlockConnectorRequest): Promise<UnlockConnectorResponse> => {
    const c = ctx.connector(req.connectorId);
    if (!c || !c.hasLock) return { status: 'NotSupported' };
    // Also when the session is over but its cable is kept locked (DeAuthorized stop, OCPP 3.5.4).
    if (c.sessionActive || c.plugged) ctx.stopSession(req.connectorId, 'UnlockCommand');
    return { status: (await ctx.unlocked(req.connectorId)) ? 'Unlocked' : 'UnlockFailed' };
  };
}
