// SendLocalList (OCPP 1.6 section 5.15): the CSMS installs (Full) or changes (Differential) the local
// authorization list. Answers after the update is applied (or refused); NotSupported while
// LocalAuthListEnabled is false (as EVerest libocpp and open-ocpp do; the stored list is kept).
// Must not: hold the list rules (auth/local-list-update.ts) or the storage (store/local-list.ts).

import type { SendLocalListRequest, SendLocalListResponse } from 'ocpp-ts';
import { applyLocalListUpdate } from '../../auth/local-list-update.js';
import type { Logger } from '../../log.js';
import type { LocalListStore } from '../../store/local-list.js';
import type { OcppConfiguration } from '../config-keys.js';

export function SendLocalList(deps: {
  config: OcppConfiguration;
  localList: LocalListStore;
  log: Logger;
}): (req: SendLocalListRequest) => Promise<SendLocalListResponse> {
  return async (req) => {
    if (!deps.config.bool('LocalAuthListEnabled')) return { status: 'NotSupported' };
    const started = Date.now();
    const limits = { sendMax: deps.config.int('SendLocalListMaxLength'), listMax: deps.config.int('LocalAuthListMaxLength') };
    const outcome = await applyLocalListUpdate(deps.localList, req, limits);
    const fields = {
      updateType: req.updateType,
      listVersion: req.listVersion,
      entries: req.localAuthorizationList?.length ?? 0,
      status: outcome.status,
      ms: Date.now() - started,
    };
    if (outcome.status === 'Accepted') deps.log.info({ ...fields, size: deps.localList.size() }, 'local list updated');
    else deps.log.warn({ ...fields, reason: outcome.reason }, 'local list update refused');
    return { status: outcome.status };
  };
}
