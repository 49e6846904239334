// The status snapshot served by GET /api/status and printed by `evse status`.
// Must not: change anything.

import type { LastAuthorization } from './auth/refusal.js';
import type { ConnectorLimitView } from './charging/connector-limit.js';
import type { SiteBalancerStatus } from './charging/site-balancer.js';
import type { Controller } from './controller.js';
import type { ActiveFault } from './faults/registry.js';

export interface FaultView {
  name: string;
  blocking: boolean;
  errorCode: string;
  info: string;
  detail?: string;
}

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
  faults: FaultView[];
  /** The reservation holding this connector (OCPP 1.6 Reservation profile), if any. */
  reservation?: { id: number; idTag: string; expiryDate: string } | null;
  /** The last card decision on this connector, with the sentence for the driver (absent from older daemons). */
  lastAuthorization?: LastAuthorization | null;
  /** The current this connector may offer now and the constraint that sets it (absent from older daemons). */
  limit?: ConnectorLimitView | null;
}

export interface StatusView {
  chargePointId: string;
  ocpp: { connected: boolean; registration: string };
  /** Faults of the charge point itself (OCPP connector 0), e.g. the shared RFID reader (absent from older daemons). */
  faults?: FaultView[];
  /** The last card decision no connector was chosen for (unreadable card, none free), absent from older daemons. */
  lastAuthorization?: LastAuthorization | null;
  /** Site load balancing (charging.site): the limit, the chargers' budget, the house load seen, a lost meter. */
  site?: SiteBalancerStatus | null;
  connectors: ConnectorView[];
}

export function buildStatus(ctl: Controller): StatusView {
  return {
    chargePointId: ctl.config.chargePointId,
    ocpp: ctl.ocppView(),
    faults: faultViews(ctl.faults.list(0)),
    lastAuthorization: ctl.lastAuthorization(0),
    site: ctl.station.view(),
    connectors: ctl.connectors.map((c) => {
      const ctx = c.context;
      const reading = c.poller.last;
      const tx = ctl.transactions.current(c.id);
      const energyWh = reading?.energyImportWh ?? 0;
      return {
        id: c.id,
        pilot: ctx.pilotError === 'E' || ctx.pilotError === 'F' ? ctx.pilotError : ctx.pilot,
        status: ctl.report(c.id).status, // Reserved included
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
        faults: faultViews(ctl.faults.list(c.id)),
        reservation: reservationView(ctl, c.id),
        lastAuthorization: ctl.lastAuthorization(c.id),
        limit: ctl.charging.view(c.id),
      };
    }),
  };
}

function reservationView(ctl: Controller, connectorId: number): ConnectorView['reservation'] {
  const r = ctl.reservations.onConnector(connectorId);
  return r ? { id: r.reservationId, idTag: r.idTag, expiryDate: r.expiryDate } : null;
}

function faultViews(faults: readonly ActiveFault[]): FaultView[] {
  return faults.map((f) => ({ name: f.name, blocking: f.blocking, errorCode: f.errorCode, info: f.info, ...(f.detail ? { detail: f.detail } : {}) }));
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
