// The meters of the `hal` section: each connector's meter (hal.connectors[].meter) and the site's grid (house)
// meter (hal.gridMeter), sharing one list of known models. Owns: their zod schemas and the grid meter's
// cross-checks (driver, bus, address). Must not: touch hardware, load drivers or hold balancing rules.

import { z } from 'zod';
import type { GridMeterConfig, MeterHwConfig, MeterModel } from '../../hal/config.js';

const error = (what: string) => ({ error: what });

const intIn = (min: number, max: number) => {
  const e = `an integer between ${min} and ${max}`;
  return z.int(error(e)).min(min, error(e)).max(max, error(e));
};

/** The models hal/modbus/maps has a register map for (a unit test keeps the two lists equal). */
export const METER_MODEL_NAMES = ['sdm630', 'sdm120', 'sdm72dm', 'abb-b23', 'em340'] as const satisfies readonly MeterModel[];

const modbusMeter = {
  driver: z.literal('modbus'),
  bus: z.string(error('the id of a hal.modbus bus')),
  model: z.enum(METER_MODEL_NAMES, error(`one of ${METER_MODEL_NAMES.join(', ')}`)),
  address: intIn(1, 247),
};

export const meterSchema = z.discriminatedUnion(
  'driver',
  [z.strictObject({ driver: z.literal('estimated') }), z.strictObject(modbusMeter)],
  error('a meter: { driver: modbus, bus, model, address } or { driver: estimated } (no meter fitted)'),
);

/** Same bound as hal/sim/grid.ts MAX_HOUSE_A (not imported: the simulator is loaded only with hal.driver sim). */
export const MAX_SIM_HOUSE_A = 250;
const HOUSE = `a number of amps 0-${MAX_SIM_HOUSE_A} for every phase, or [L1, L2, L3]`;
const amps = z.number(error(HOUSE)).min(0, error(HOUSE)).max(MAX_SIM_HOUSE_A, error(HOUSE));

export const gridMeterSchema = z.discriminatedUnion(
  'driver',
  [
    z.strictObject(modbusMeter),
    z.strictObject({ driver: z.literal('sim'), houseA: z.union([amps, z.tuple([amps, amps, amps])], error(HOUSE)).optional() }),
  ],
  error('a grid meter: { driver: modbus, bus, model, address } (hal.driver rpi) or { driver: sim, houseA } (hal.driver sim)'),
);

/** What the cross-checks read of the hal section. */
export interface GridMeterSite {
  driver: 'sim' | 'rpi';
  modbus: ReadonlyArray<{ id: string }>;
  connectors: ReadonlyArray<{ meter: MeterHwConfig }>;
  gridMeter?: GridMeterConfig | undefined;
}

type Ctx = z.core.$RefinementCtx<GridMeterSite>;

function issue(ctx: Ctx, path: (string | number)[], message: string, expected: string, found: unknown): void {
  ctx.addIssue({ code: 'custom', message, path: ['gridMeter', ...path], params: { expected, found } });
}

/**
 * The grid meter's driver matches hal.driver; on a Pi its bus exists and no connector meter on that bus has
 * its address (two meters answering one unit id garble every reply).
 */
export function checkGridMeter(hal: GridMeterSite, ctx: Ctx): void {
  const grid = hal.gridMeter;
  if (!grid) return;
  if (hal.driver === 'sim') {
    if (grid.driver !== 'sim') issue(ctx, ['driver'], 'the simulated HAL has no Modbus buses', 'sim (with hal.driver sim)', grid.driver);
    return;
  }
  if (grid.driver !== 'modbus') {
    issue(ctx, ['driver'], 'a simulated grid meter needs hal.driver sim', 'modbus (a meter on a hal.modbus bus)', grid.driver);
    return;
  }
  const ids = hal.modbus.map((b) => b.id);
  if (!ids.includes(grid.bus)) issue(ctx, ['bus'], 'no such bus', `one of the hal.modbus ids (${ids.join(', ') || 'none defined'})`, grid.bus);
  hal.connectors.forEach((c, i) => {
    if (c.meter.driver !== 'modbus' || c.meter.bus !== grid.bus || c.meter.address !== grid.address) return;
    issue(ctx, ['address'], `the meter of hal.connectors[${i}] already has this address on bus ${grid.bus}`, 'an address of its own on the bus', grid.address);
  });
}
