// ClearChargingProfile (OCPP 1.6 section 5.5): remove the profile with an id, or every profile matching the
// given connectorId, purpose and stack level (none given: all). Accepted when at least one was removed, else
// Unknown. Must not: hold profile rules or touch the HAL.

import type { ClearChargingProfileRequest, ClearChargingProfileResponse } from 'ocpp-ts';
import type { SmartCharging } from '../../charging/service.js';

export function ClearChargingProfile(deps: { charging: Pick<SmartCharging, 'clear'> }): (req: ClearChargingProfileRequest) => ClearChargingProfileResponse {
  return (req) => ({ status: deps.charging.clear(req) > 0 ? 'Accepted' : 'Unknown' });
}
