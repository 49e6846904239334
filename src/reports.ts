// What the CSMS and handlers are told about a connector: OCPP status with error code, info and vendor
// error code from the fault registry; connector 0 stands for the whole charge point (Available,
// Unavailable or Faulted only, OCPP 1.6 section 4.9); a reserved, otherwise Available connector is Reserved.
// Must not: change anything.

import type { ConnectorRuntime } from './connector/runtime.js';
import type { Controller } from './controller.js';
import type { FaultRegistry, OcppErrorCode } from './faults/registry.js';

export interface ConnectorReportView {
  status: 'Available' | 'Preparing' | 'Charging' | 'SuspendedEVSE' | 'SuspendedEV' | 'Finishing' | 'Reserved' | 'Unavailable' | 'Faulted';
  errorCode: OcppErrorCode;
  info?: string;
  vendorErrorCode?: string;
}

export interface ConnectorViewOf {
  id: number;
  plugged: boolean;
  sessionActive: boolean;
  busy: boolean;
  operative: boolean;
  faulted: boolean;
  hasLock: boolean;
  cableHeld: boolean;
}

export function reportOf(connectorId: number, ctl: Controller): ConnectorReportView {
  const faults = ctl.faults.list(connectorId);
  const first = faults.find((f) => f.blocking) ?? faults[0];
  const detail = first ? { info: first.detail ? `${first.info}: ${first.detail}` : first.info, ...(first.vendorErrorCode ? { vendorErrorCode: first.vendorErrorCode } : {}) } : {};
  const errorCode = ctl.faults.errorCode(connectorId);
  if (connectorId === 0) {
    const status = faults.some((f) => f.blocking) ? 'Faulted' : ctl.availability.stationOperative() ? 'Available' : 'Unavailable';
    return { status, errorCode, ...detail };
  }
  const c = ctl.connector(connectorId);
  const status = c?.status ?? 'Unavailable';
  // OCPP 1.6 3.10: a connector a reservation holds reports Reserved while it is otherwise Available.
  return { status: status === 'Available' && ctl.reservations.reportsReserved(connectorId) ? 'Reserved' : status, errorCode, ...detail };
}

export function viewOf(c: ConnectorRuntime, faults: FaultRegistry): ConnectorViewOf {
  const ctx = c.context;
  return {
    id: c.id,
    plugged: ctx.pilot !== 'A',
    sessionActive: ctx.session === 'active',
    busy: ctx.session === 'active' || ctx.session === 'authorized',
    operative: ctx.operative,
    faulted: faults.blockingNames(c.id).length > 0 || c.status === 'Faulted',
    hasLock: c.hal.lock !== null,
    cableHeld: ctx.session === 'finished' && ctx.cableHeld,
  };
}
