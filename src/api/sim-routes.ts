// Simulator control endpoints (only with the simulated HAL): plug, unplug, EV request, cable rating, card tap,
// faults, and the site's grid connection (house load, grid meter failure).
// Must not: exist when real hardware is configured.

import type { IncomingMessage } from 'node:http';
import type { HouseLoadA } from '../../hal/config.js';
import { HOUSE_LOAD_EXPECTED, isHouseLoad, SIM_FAULTS, type SimConnectorBoard, type SimControl, type SimGrid } from '../../hal/sim/index.js';
import { CABLE_RATINGS, isCableRating } from '../../hal/sim/proximity.js';
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
    ...siteRoutes(sim, board, state),
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

/** The simulated site around the connectors: the cable in a socket, the house load and the grid meter. */
function siteRoutes(sim: SimControl, board: (id: string | undefined) => SimConnectorBoard, state: (id: number) => unknown): Route[] {
  const grid = (): SimGrid => {
    if (!sim.grid) throw new ApiError(409, 'no simulated grid meter (configure hal.gridMeter: { driver: sim })');
    return sim.grid;
  };
  return [
    {
      method: 'POST',
      pattern: /^\/api\/sim\/connectors\/(\d+)\/cable$/,
      handler: async (req: IncomingMessage, [id]) => {
        const b = board(id);
        const ratingA = field(await readJson(req), 'ratingA', isCableRating, `one of ${CABLE_RATINGS.join(', ')} (amps)`);
        if (!b.proximity) throw new ApiError(409, `connector ${id} has a tethered cable: no PP, so no cable rating to set`);
        b.setCableRating(ratingA);
        return { ok: true, cableRatingA: ratingA, connector: state(Number(id)) };
      },
    },
    { method: 'GET', pattern: /^\/api\/sim\/grid$/, handler: () => ({ grid: grid().state }) },
    {
      method: 'POST',
      pattern: /^\/api\/sim\/grid$/,
      handler: async (req: IncomingMessage) => {
        const g = grid();
        const { houseA, meterOffline } = gridChange(await readJson(req));
        if (houseA !== undefined) g.setHouseLoad(houseA);
        if (meterOffline !== undefined) g.failGridMeter(meterOffline);
        return { ok: true, grid: g.state };
      },
    },
  ];
}

/** POST /api/sim/grid body: houseA (amps, every phase or [L1, L2, L3]) and/or meterOffline; at least one. */
function gridChange(body: unknown): { houseA?: HouseLoadA; meterOffline?: boolean } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError(400, 'request body must be a JSON object');
  const given = (name: string) => (body as Record<string, unknown>)[name] !== undefined;
  if (!given('houseA') && !given('meterOffline')) {
    throw new ApiError(400, `houseA (${HOUSE_LOAD_EXPECTED}) or meterOffline (true or false) is required`, 'houseA');
  }
  return {
    ...(given('houseA') ? { houseA: field(body, 'houseA', isHouseLoad, HOUSE_LOAD_EXPECTED) } : {}),
    ...(given('meterOffline') ? { meterOffline: field(body, 'meterOffline', isBoolean, 'true or false') } : {}),
  };
}
