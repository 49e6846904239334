// GetLocalListVersion (OCPP 1.6 section 5.10): the version of the local authorization list; 0 = no list
// (or an empty one), -1 = the charge point does not support local lists, answered while
// LocalAuthListEnabled is false (as EVerest libocpp and open-ocpp do).
// Must not: change the list.

import type { GetLocalListVersionResponse } from 'ocpp-ts';
import type { LocalListLookup } from '../../auth/types.js';
import type { OcppConfiguration } from '../config-keys.js';

export function GetLocalListVersion(deps: { config: OcppConfiguration; localList: LocalListLookup }): () => GetLocalListVersionResponse {
  return () => ({ listVersion: deps.config.bool('LocalAuthListEnabled') ? deps.localList.version() : -1 });
}
