// StatusNotification for connector 0 and every connector (OCPP 1.6 sections 4.9, 3.8): sent on every
// change of status or error code while registered, and the full picture again after each (re)acceptance.
// Connector 0 reports only Available, Unavailable or Faulted. Must not: decide statuses.

import type { StatusNotificationRequest } from 'ocpp-ts';
import type { Logger } from '../log.js';

export interface ConnectorReport {
  status: StatusNotificationRequest['status'];
  errorCode: StatusNotificationRequest['errorCode'];
  info?: string;
  vendorErrorCode?: string;
}

export interface StatusDeps {
  log: Logger;
  /** Current report of connector 0..N. */
  report: (connectorId: number) => ConnectorReport;
  connectorIds: () => number[];
  maySend: (triggered?: boolean) => boolean;
  call: <T>(action: string, payload: unknown) => Promise<T>;
  now: () => string;
}

export class StatusReporter {
  private readonly lastSent = new Map<number, string>();

  constructor(private readonly deps: StatusDeps) {}

  /** Something changed on a connector (status or faults): send if it differs from what the CSMS has. */
  changed(connectorId: number): void {
    this.send(connectorId, false, false);
    if (connectorId !== 0) this.send(0, false, false); // a station-level view may follow
  }

  /** After (re)acceptance: the CSMS may have missed changes while we were away. */
  sendAll(): void {
    for (const id of [0, ...this.deps.connectorIds()]) this.send(id, true, false);
  }

  /** TriggerMessage StatusNotification (allowed in Pending too). */
  trigger(connectorId?: number): void {
    const ids = connectorId === undefined ? [0, ...this.deps.connectorIds()] : [connectorId];
    for (const id of ids) this.send(id, true, true);
  }

  private send(connectorId: number, force: boolean, triggered: boolean): void {
    const r = this.deps.report(connectorId);
    const key = `${r.status}|${r.errorCode}|${r.info ?? ''}|${r.vendorErrorCode ?? ''}`;
    if (!force && this.lastSent.get(connectorId) === key) return;
    if (!this.deps.maySend(triggered)) return;
    this.lastSent.set(connectorId, key);
    const payload: StatusNotificationRequest = { connectorId, status: r.status, errorCode: r.errorCode, timestamp: this.deps.now() };
    if (r.info) payload.info = r.info.slice(0, 50);
    if (r.vendorErrorCode) payload.vendorErrorCode = r.vendorErrorCode.slice(0, 50);
    this.deps.call('StatusNotification', payload).catch((err: unknown) => {
      this.lastSent.delete(connectorId);
      this.deps.log.warn({ connectorId, err: String(err) }, 'StatusNotification not delivered');
    });
  }
}
