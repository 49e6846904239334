// SetChargingProfile (OCPP 1.6 sections 5.16, 3.13): install a charging profile on a connector (0 = the charge
// point). Accepted once it is stored and the limits are recomputed; Rejected with the reason in the log when
// the profile breaks a rule (src/charging/profile-check.ts). Must not: hold profile rules or touch the HAL.

import type { SetChargingProfileRequest, SetChargingProfileResponse } from 'ocpp-ts';
import type { SmartCharging } from '../../charging/service.js';

export function SetChargingProfile(deps: { charging: Pick<SmartCharging, 'install'> }): (req: SetChargingProfileRequest) => SetChargingProfileResponse {
  return (req) => ({ status: deps.charging.install(req.connectorId, req.csChargingProfiles).ok ? 'Accepted' : 'Rejected' });
}
