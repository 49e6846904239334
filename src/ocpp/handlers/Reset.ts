// Reset (OCPP 1.6 section 5.13): Accepted, then sessions end (SoftReset gracefully, HardReset at once)
// and the process restarts once the stop messages are safely queued.

import type { ResetRequest, ResetResponse } from 'ocpp-ts';
import type { HandlerContext } from './context.js';

export function Reset(ctx: HandlerContext) {
  return (req: ResetRequest): ResetResponse => {
    ctx.afterReply(() => ctx.reset(req.type));
    return { status: 'Accepted' };
  };
}
