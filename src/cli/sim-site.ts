// `evse sim house | cable | grid-meter`: the simulated site around the connectors (the house load the grid
// meter sees, the cable plugged into a socket, the grid meter failing) through the local API.
// Owns: these commands' argument validation (exit 2) and confirmation lines. Must not: import the HAL (the
// CLI stays light; the API validates again) or hold charging logic.

import type { Command } from 'commander';
import type { ApiClient } from './client.js';
import { parseConnector, UsageError, type CliIo } from './evse.js';

/** PP-coded cable ratings (hal/types.ts CableRating), amps. */
export const CABLE_RATINGS = [13, 20, 32, 63] as const;
export type CableRatingA = (typeof CABLE_RATINGS)[number];

/** The simulator's largest house load per phase (hal/sim/grid.ts MAX_HOUSE_A). */
export const MAX_HOUSE_A = 250;

export const GRID_METER_STATES = ['online', 'offline'] as const;

/** One value (every phase) or three (L1 L2 L3), each 0-250 A with decimals allowed. */
export function parseHouseLoad(values: string[]): number | [number, number, number] {
  if (values.length !== 1 && values.length !== 3) {
    throw new UsageError(`house load must be one value (every phase) or three (L1 L2 L3), got ${values.length}`);
  }
  const amps = values.map((text) => {
    const a = Number(text);
    if (!/^\d+(\.\d+)?$/.test(text) || a > MAX_HOUSE_A) throw new UsageError(`house load must be amps between 0 and ${MAX_HOUSE_A}, got "${text}"`);
    return a;
  });
  return amps.length === 1 ? amps[0]! : [amps[0]!, amps[1]!, amps[2]!];
}

export function parseCableRating(text: string): CableRatingA {
  const rating = CABLE_RATINGS.find((r) => String(r) === text);
  if (rating === undefined) throw new UsageError(`cable rating must be one of ${CABLE_RATINGS.join(', ')} (amps), got "${text}"`);
  return rating;
}

export function parseGridMeterState(text: string): boolean {
  if (text !== 'online' && text !== 'offline') throw new UsageError(`grid meter state must be one of ${GRID_METER_STATES.join(', ')}, got "${text}"`);
  return text === 'offline';
}

const describeLoad = (load: number | number[]): string =>
  typeof load === 'number' ? `${load} A on every phase` : `L1 ${load[0]} A, L2 ${load[1]} A, L3 ${load[2]} A`;

export function addSimSiteCommands(sim: Command, io: CliIo, clientFor: (cmd: Command) => ApiClient): void {
  sim
    .command('house')
    .description('set the house load the simulated grid meter sees (besides the chargers)')
    .argument('<amps...>', 'amps on every phase, or three values L1 L2 L3')
    .action(async (amps: string[], _opts: unknown, cmd: Command) => {
      const houseA = parseHouseLoad(amps);
      await clientFor(cmd).post('/api/sim/grid', { houseA });
      io.out(`House load now ${describeLoad(houseA)}`);
    });
  sim
    .command('cable')
    .description("set the rating of the simulated EV's cable (read through the socket's PP)")
    .argument('<connector>', 'connector id, from 1')
    .argument('<ratingA>', CABLE_RATINGS.join(' | '))
    .action(async (connector: string, rating: string, _opts: unknown, cmd: Command) => {
      const id = parseConnector(connector);
      const ratingA = parseCableRating(rating);
      await clientFor(cmd).post(`/api/sim/connectors/${id}/cable`, { ratingA });
      io.out(`Cable on connector ${id} now rated ${ratingA} A`);
    });
  sim
    .command('grid-meter')
    .description('make the simulated grid meter stop answering, or answer again')
    .argument('<state>', GRID_METER_STATES.join(' | '))
    .action(async (state: string, _opts: unknown, cmd: Command) => {
      const meterOffline = parseGridMeterState(state);
      await clientFor(cmd).post('/api/sim/grid', { meterOffline });
      io.out(meterOffline ? 'Simulated grid meter offline (its reads fail)' : 'Simulated grid meter online');
    });
}
