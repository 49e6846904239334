// RemoteStartTransaction (OCPP 1.6 section 5.11): start a session for an idTag on a connector.
// A chargingProfile must be a TxProfile without transactionId (5.11); it is installed for the session about to
// start (Rejected when it breaks a rule). With AuthorizeRemoteTxRequests the idTag is authorized first (after
// the reply), otherwise the session is authorized at once. A reserved connector
// (5.13) takes only the reservation's idTag or group's idTag: the request carries no parentIdTag, so a
// card of the group uses its reservation by tapping, not remotely.

import type { RemoteStartTransactionRequest, RemoteStartTransactionResponse } from 'ocpp-ts';
import type { HandlerContext } from './context.js';

export function RemoteStartTransaction(ctx: HandlerContext) {
  return (req: RemoteStartTransactionRequest): RemoteStartTransactionResponse => {
    if (ctx.registration() !== 'Accepted') return { status: 'Rejected' };
    const target = pickConnector(ctx, req.connectorId, req.idTag);
    if (target === undefined) return { status: 'Rejected' };
    if (req.chargingProfile && !ctx.remoteProfile(target, req.chargingProfile)) return { status: 'Rejected' };
    if (!ctx.config.bool('AuthorizeRemoteTxRequests')) {
      ctx.authorizeOn(target, req.idTag);
      return { status: 'Accepted' };
    }
    ctx.afterReply(() => {
      void ctx.authorizeOnline(req.idTag).then((status) => {
        if (status === 'Accepted') ctx.authorizeOn(target, req.idTag);
        else if (req.chargingProfile) ctx.dropRemoteProfile(req.chargingProfile.chargingProfileId);
      });
    });
    return { status: 'Accepted' };
  };
}

/**
 * The named connector if it can take a session for this idTag; else a plugged idle one, else the idle one
 * reserved for this idTag, else the first idle one. Connectors reserved for others, and a connector whose
 * cable is held after a DeAuthorized stop, are never picked.
 */
function pickConnector(ctx: HandlerContext, connectorId: number | undefined, idTag: string): number | undefined {
  const usable = (id: number): boolean => {
    const c = ctx.connector(id);
    const standing = ctx.reservation(id, idTag);
    return !!c && c.operative && !c.faulted && !c.busy && !c.cableHeld && (standing === 'mine' || standing === 'free');
  };
  if (connectorId !== undefined) return connectorId > 0 && usable(connectorId) ? connectorId : undefined;
  const ids = ctx.connectorIds().filter(usable);
  return ids.find((id) => ctx.connector(id)?.plugged) ?? ids.find((id) => ctx.reservation(id, idTag) === 'mine') ?? ids[0];
}
