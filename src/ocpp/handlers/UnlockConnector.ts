// UnlockConnector (OCPP 1.6 section 5.18): a running transaction on the connector is stopped
// (reason UnlockCommand) and the cable released; NotSupported for a tethered cable (no lock).

import type { UnlockConnectorRequest, UnlockConnectorResponse } from 'ocpp-ts';
import type { HandlerContext } from './context.js';

export function UnlockConnector(ctx: HandlerContext) {
  return async (req: UnlockConnectorRequest): Promise<UnlockConnectorResponse> => {
    const c = ctx.connector(req.connectorId);
    if (!c || !c.hasLock) return { status: 'NotSupported' };
    if (c.sessionActive) ctx.stopSession(req.connectorId, 'UnlockCommand');
    return { status: (await ctx.unlocked(req.connectorId)) ? 'Unlocked' : 'UnlockFailed' };
  };
}
