// GetConfiguration (OCPP 1.6 section 5.8): the CSMS reads configuration keys.
// Owns: turning the request into the report of known and unknown keys.
// Must not: hold key rules or values (config-keys.ts does), or touch the HAL.

import type { GetConfigurationRequest, GetConfigurationResponse } from 'ocpp-ts';
import type { OcppConfiguration } from '../config-keys.js';

/** No key list (or an empty one) = every key; see OcppConfiguration.describe for GetConfigurationMaxKeys. */
export function GetConfiguration(deps: {
  config: OcppConfiguration;
}): (req: GetConfigurationRequest) => GetConfigurationResponse {
  return (req) => {
    const { configurationKey, unknownKey } = deps.config.describe(req.key);
    return unknownKey.length > 0 ? { configurationKey, unknownKey } : { configurationKey };
  };
}
