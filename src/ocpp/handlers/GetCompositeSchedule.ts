// GetCompositeSchedule (OCPP 1.6 section 5.7): the limits planned for a connector (0 = the charge point) from
// now for `duration` seconds, in A unless W is asked for. Rejected for an unknown connector or a unit the
// charge point does not allow (ChargingScheduleAllowedChargingRateUnit). Must not: compute schedules itself.

import type { GetCompositeScheduleRequest, GetCompositeScheduleResponse } from 'ocpp-ts';
import type { SmartCharging } from '../../charging/service.js';

export function GetCompositeSchedule(deps: { charging: Pick<SmartCharging, 'composite'> }): (req: GetCompositeScheduleRequest) => GetCompositeScheduleResponse {
  return (req) => {
    const answer = deps.charging.composite(req.connectorId, req.duration, req.chargingRateUnit ?? 'A');
    if (!answer) return { status: 'Rejected' };
    return { status: 'Accepted', connectorId: req.connectorId, scheduleStart: answer.scheduleStart, chargingSchedule: answer.chargingSchedule };
  };
}
