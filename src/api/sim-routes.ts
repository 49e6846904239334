// Simulator control endpoints (only with the simulated HAL): plug, unplug, EV request, card tap, faults.
// Must not: exist when real hardware is configured.

import type { IncomingMessage } from 'node:http';
import { SIM_FAULTS, type SimControl } from '../../hal/sim/index.js';
import { parseUidHex } from '../auth/id-tag.js';
import type { Controller } from '../controller.js';
import { ApiError, field, isBoolean, isPositiveInt, isString, oneOf, readJson } from './http.js';
import type { Route } from './server.js';

export function simRoutes(ctl: Controller, sim: SimControl): Route[] {
  const board = (idText: string | undefined) => {
    const id = Number(idText);
    if (!ctl.connector(id)) throw new ApiError(404, `no connector ${idText} (connectors are 1-${ctl.connectors.length})`);
    return sim.connector(id);
  };
  const state = (id: number) => ctl.status().connectors[id - 1];
  return [
    {
      method: 'POST',
      pattern: /^\/api\/sim\/connectors\/(\d+)\/plug$/,
      handler: (_req, [id]) => {
        board(id).plug();
        return { ok: true, connector: state(Number(id)) };
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/sim\/connectors\/(\d+)\/unplug$/,
      handler: (_req, [id]) => {
        board(id).unplug();
        return { ok: true, connector: state(Number(id)) };
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/sim\/connectors\/(\d+)\/ev$/,
      handler: async (req: IncomingMessage, [id]) => {
        const b = board(id);
        const request = field(await readJson(req), 'request', oneOf(['charge', 'pause'] as const), '"charge" or "pause"');
        if (!b.ev.plugged) throw new ApiError(409, `connector ${id}: no EV plugged in (plug first)`);
        b.request(request);
        return { ok: true, connector: state(Number(id)) };
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/sim\/rfid$/,
      handler: async (req: IncomingMessage) => {
        const uidText = field(await readJson(req), 'uid', isString, 'a hex string such as "04A1B2C3"');
        const parsed = parseUidHex(uidText);
        if (!parsed.ok) throw new ApiError(400, parsed.error, 'uid');
        sim.rfid.present(parsed.uid);
        return { ok: true, status: ctl.status().connectors };
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/sim\/faults$/,
      handler: async (req: IncomingMessage) => {
        const body = await readJson(req);
        const connector = field(body, 'connector', isPositiveInt, 'a connector id (integer >= 1)');
        const fault = field(body, 'fault', oneOf(SIM_FAULTS), `one of ${SIM_FAULTS.join(', ')}`);
        const active = field(body, 'active', isBoolean, 'true or false');
        board(String(connector)).setFault(fault, active);
        return { ok: true, connector: state(connector) };
      },
    },
  ];
}
