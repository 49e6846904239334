// RemoteStopTransaction (OCPP 1.6 section 5.12): stop the transaction with that CSMS id (reason Remote).

import type { RemoteStopTransactionRequest, RemoteStopTransactionResponse } from 'ocpp-ts';
import type { HandlerContext } from './context.js';

export function RemoteStopTransaction(ctx: HandlerContext) {
  return (req: RemoteStopTransactionRequest): RemoteStopTransactionResponse => {
    if (ctx.registration() !== 'Accepted') return { status: 'Rejected' };
    const connectorId = ctx.connectorOfTransaction(req.transactionId);
    if (connectorId === undefined) return { status: 'Rejected' };
    ctx.stopSession(connectorId, 'Remote');
    return { status: 'Accepted' };
  };
}
