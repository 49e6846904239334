// TriggerMessage (OCPP 1.6 section 5.17): Accepted, then the requested message goes out after the reply
// (allowed in Pending too). A connectorId that does not exist is Rejected.

import type { TriggerMessageRequest, TriggerMessageResponse } from 'ocpp-ts';
import type { HandlerContext } from './context.js';

export function TriggerMessage(ctx: HandlerContext) {
  return (req: TriggerMessageRequest): TriggerMessageResponse => {
    const id = req.connectorId;
    if (id !== undefined && id !== 0 && !ctx.connector(id)) return { status: 'Rejected' };
    const t = ctx.trigger;
    const work: Record<TriggerMessageRequest['requestedMessage'], () => void> = {
      BootNotification: () => t.boot(),
      DiagnosticsStatusNotification: () => t.diagnosticsStatus(),
      FirmwareStatusNotification: () => t.firmwareStatus(),
      Heartbeat: () => t.heartbeat(),
      MeterValues: () => t.meterValues(id === 0 ? undefined : id),
      StatusNotification: () => t.statusNotification(id),
    };
    ctx.afterReply(work[req.requestedMessage]);
    return { status: 'Accepted' };
  };
}
