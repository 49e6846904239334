// The status snapshot served by GET /api/status and printed by `evse status`.
// Must not: change anything.

import type { Controller } from './controller.js';

export interface ConnectorView {
  id: number;
  pilot: string;
  status: string;
  errorCode: string;
  contactorClosed: boolean;
  offeredCurrentA: number;
  transaction: { id: number; ocppTransactionId: number | null; idTag: string; startedAt: string; energyWh: number } | null;
  energyWh: number;
  powerW: number;
  temperatureC: number | null;
  faults: Array<{ name: string; blocking: boolean; errorCode: string; info: string; detail?: string }>;
}

export interface StatusView {
  chargePointId: string;
  ocpp: { connected: boolean; registration: string };
  connectors: ConnectorView[];
}

export function buildStatus(ctl: Controller): StatusView {
  return {
    chargePointId: ctl.config.chargePointId,
    ocpp: ctl.ocppView(),
    connectors: ctl.connectors.map((c) => {
      const ctx = c.context;
      const reading = c.poller.last;
      const tx = ctl.transactions.current(c.id);
      const energyWh = reading?.energyImportWh ?? 0;
      return {
        id: c.id,
        pilot: ctx.pilotError === 'E' || ctx.pilotError === 'F' ? ctx.pilotError : ctx.pilot,
        status: c.status,
        errorCode: ctl.faults.errorCode(c.id),
        contactorClosed: c.hal.contactor.commandedClosed,
        offeredCurrentA: ctx.cp === 'pwm' ? ctx.appliedA : 0,
        transaction: tx
          ? {
              id: tx.localId,
              ocppTransactionId: tx.csmsId,
              idTag: tx.idTag,
              startedAt: tx.startedAt,
              energyWh: round(Math.max(0, energyWh - tx.meterStartWh)),
            }
          : null,
        energyWh: round(energyWh),
        powerW: round(reading?.powerW ?? 0),
        temperatureC: c.poller.temperatureC,
        faults: ctl.faults.list(c.id).map((f) => ({
          name: f.name,
          blocking: f.blocking,
          errorCode: f.errorCode,
          info: f.info,
          ...(f.detail ? { detail: f.detail } : {}),
        })),
      };
    }),
  };
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
