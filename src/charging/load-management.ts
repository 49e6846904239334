// Builds load management for the controller: the per-connector limits (limits.ts) and the station budget (site
// balancer with its grid meter, ChargePointMax share; station.ts), wired to each other. OCPP smart charging
// attaches its profile limits later (src/ocpp/smart-charging.ts). Must not: hold rules of its own.

import type { Clock } from '../../hal/clock.js';
import type { Hal } from '../../hal/types.js';
import type { Config } from '../config/schema.js';
import type { ConnectorRuntime } from '../connector/runtime.js';
import type { Logger } from '../log.js';
import { ChargingLimits } from './limits.js';
import { SiteBalancer } from './site-balancer.js';
import { StationBudget } from './station.js';

export interface LoadManagementDeps {
  config: Config;
  hal: Hal;
  clock: Clock;
  log: Logger;
  connectors: readonly ConnectorRuntime[];
  /** Wall-clock epoch ms (the CSMS's time once known). */
  now: () => number;
  /** Start (epoch ms) of the transaction running on a connector. */
  startedAt: (connectorId: number) => number | null;
}

export function createLoadManagement(deps: LoadManagementDeps): { limits: ChargingLimits; station: StationBudget } {
  const { config, hal, clock, log, connectors } = deps;
  const limits = new ChargingLimits({
    clock,
    log: log.child({ module: 'charging' }),
    now: deps.now,
    connectors,
    maxCurrentA: (id) => config.connectors[id - 1]?.maxCurrentA ?? 6,
    thermal: { fromC: config.temperature.derateFromC, tripC: config.temperature.tripC },
  });
  const site = config.charging.site;
  const station = new StationBudget({
    clock,
    log: log.child({ module: 'site' }),
    connectors,
    site: site ? new SiteBalancer(site, clock) : null,
    gridMeter: site?.meter === 'grid' ? hal.gridMeter : null,
    meterIntervalMs: site?.meterIntervalMs ?? 2000,
    capA: (id) => limits.capA(id),
    phases: (id) => config.connectors[id - 1]?.phases ?? 3,
    startedAt: deps.startedAt,
    changed: () => limits.recompute(),
  });
  limits.attachStation(station);
  return { limits, station };
}
