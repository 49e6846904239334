// RemoteStartTransaction (OCPP 1.6 section 5.11): start a session for an idTag on a connector.
// A chargingProfile is rejected until smart charging exists; with AuthorizeRemoteTxRequests the idTag is
// authorized first (after the reply), otherwise the session is authorized at once.

import type { RemoteStartTransactionRequest, RemoteStartTransactionResponse } from 'ocpp-ts';
import type { HandlerContext } from './context.js';

export function RemoteStartTransaction(ctx: HandlerContext) {
  return (req: RemoteStartTransactionRequest): RemoteStartTransactionResponse => {
    if (ctx.registration() !== 'Accepted' || req.chargingProfile) return { status: 'Rejected' };
    const target = pickConnector(ctx, req.connectorId);
    if (target === undefined) return { status: 'Rejected' };
    if (!ctx.config.bool('AuthorizeRemoteTxRequests')) {
      ctx.authorizeOn(target, req.idTag);
      return { status: 'Accepted' };
    }
    ctx.afterReply(() => {
      void ctx.authorizeOnline(req.idTag).then((status) => {
        if (status === 'Accepted') ctx.authorizeOn(target, req.idTag);
      });
    });
    return { status: 'Accepted' };
  };
}

/** The named connector if it can take a session; else a plugged idle one, else the first idle one. */
function pickConnector(ctx: HandlerContext, connectorId: number | undefined): number | undefined {
  const usable = (id: number): boolean => {
    const c = ctx.connector(id);
    return !!c && c.operative && !c.faulted && !c.busy;
  };
  if (connectorId !== undefined) return connectorId > 0 && usable(connectorId) ? connectorId : undefined;
  const ids = ctx.connectorIds().filter(usable);
  return ids.find((id) => ctx.connector(id)?.plugged) ?? ids[0];
}
