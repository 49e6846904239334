// Builds the OCPP Smart Charging service for the controller: profiles stored in the controller's database,
// limits fed to its runtime limits, TxProfiles removed when a session ends or its authorization lapses, and the
// configuration keys of section 9.4. Must not: hold profile rules (src/charging/ does).

import { SmartCharging } from '../charging/service.js';
import type { RateUnit } from '../charging/types.js';
import type { Controller } from '../controller.js';
import type { Logger } from '../log.js';
import type { OcppConfiguration } from './config-keys.js';

export function createSmartCharging(controller: Controller, config: OcppConfiguration, log: Logger, now: () => number): SmartCharging {
  const phases = (id: number): number => (id === 0 ? Math.max(...controller.config.connectors.map((c) => c.phases)) : (controller.config.connectors[id - 1]?.phases ?? 3));
  const smart = new SmartCharging({
    store: controller.profileStore,
    log,
    now,
    connectorIds: () => controller.connectors.map((c) => c.id),
    activeTx: (id) => {
      const tx = controller.transactions.current(id);
      return tx ? { transactionId: tx.csmsId, startedAt: Date.parse(tx.startedAt) } : null;
    },
    electrical: (id) => ({ voltageV: controller.config.charging.nominalVoltageV, phases: phases(id) }),
    defaultLimitA: (id) =>
      id === 0 ? Math.max(...controller.config.connectors.map((c) => c.maxCurrentA)) : (controller.config.connectors[id - 1]?.maxCurrentA ?? 6),
    keys: {
      maxStackLevel: () => config.int('ChargeProfileMaxStackLevel'),
      allowedUnits: () => config.list('ChargingScheduleAllowedChargingRateUnit').map((u): RateUnit => (u === 'Power' ? 'W' : 'A')),
      maxPeriods: () => config.int('ChargingScheduleMaxPeriods'),
      maxProfiles: () => config.int('MaxChargingProfilesInstalled'),
    },
    changed: () => controller.charging.recompute(),
  });
  for (const c of controller.connectors) {
    c.onEvent((e) => {
      if (e.type === 'SessionStopped' || e.type === 'AuthorizationExpired') smart.transactionEnded(c.id);
    });
  }
  controller.charging.attachProfiles(smart);
  return smart;
}
