// ChangeConfiguration (OCPP 1.6 section 5.3): the CSMS sets one configuration key.
// Owns: answering with the status OcppConfiguration.change decides (Accepted, Rejected, NotSupported).
// Must not: validate or apply values itself (config-keys.ts and its subscribers do), or touch the HAL.

import type { ChangeConfigurationRequest, ChangeConfigurationResponse } from 'ocpp-ts';
import type { OcppConfiguration } from '../config-keys.js';

export function ChangeConfiguration(deps: {
  config: OcppConfiguration;
}): (req: ChangeConfigurationRequest) => ChangeConfigurationResponse {
  return (req) => ({ status: deps.config.change(req.key, req.value) });
}
