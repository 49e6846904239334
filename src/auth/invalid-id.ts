// What happens when StartTransaction.conf refuses the idTag of a transaction that runs (OCPP 1.6 3.5.4,
// REFERENCE.md 8 "AllowOfflineTxForUnknownId"): StopTransactionOnInvalidId true -> stop with DeAuthorized and
// keep the cable locked until the owner's card (or UnlockConnector, or unplug); false -> keep the
// transaction but stop energy once MaxEnergyOnInvalidId Wh were delivered since its start (0 = at once).
// Energy stops through the connector's current limit: below 6 A the machine takes PWM away and shows
// SuspendedEVSE. INVALID_ID_LIMIT_A is the only limit this module sets; it is lifted when the session ends.
// (A later limit aggregator, issue 6, should take this as one more input.)
// Must not: touch the HAL or decide authorization.

import type { IntegerKey, BooleanKey } from '../ocpp/config-keys.js';
import type { Logger } from '../log.js';

/** The current limit that suspends energy for a refused idTag (anything < 6 A stops PWM). */
export const INVALID_ID_LIMIT_A = 0;

export interface InvalidIdDeps {
  keys: { bool(key: BooleanKey): boolean; int(key: IntegerKey): number };
  /** The open transaction on a connector. */
  current(connectorId: number): { localId: number; meterStartWh: number } | null;
  /** The connector's energy register now (Wh), or null when unknown. */
  registerWh(connectorId: number): number | null;
  /** Stop with DeAuthorized, keeping the cable locked. */
  stopDeAuthorized(connectorId: number): void;
  /** Sets (amps) or lifts (null: back to the connector's maximum) the connector's current limit. */
  setLimit(connectorId: number, amps: number | null): void;
  log: Logger;
}

interface Cap {
  localId: number;
  /** Stop energy once the register reaches this. */
  untilWh: number;
  suspended: boolean;
}

export class InvalidIdPolicy {
  private readonly caps = new Map<number, Cap>();

  constructor(private readonly deps: InvalidIdDeps) {}

  /** StartTransaction.conf said `status` for the transaction `localTxId` on `connectorId`. */
  rejected(connectorId: number, localTxId: number, status: string): void {
    const { deps } = this;
    const tx = deps.current(connectorId);
    if (!tx || tx.localId !== localTxId) {
      deps.log.info({ connectorId, localTxId, status }, 'idTag refused after its transaction ended: nothing to stop');
      return;
    }
    if (deps.keys.bool('StopTransactionOnInvalidId')) {
      deps.log.warn({ connectorId, localTxId, status }, 'idTag refused by StartTransaction.conf: stopping (DeAuthorized), cable stays locked');
      deps.stopDeAuthorized(connectorId);
      return;
    }
    const maxWh = deps.keys.int('MaxEnergyOnInvalidId');
    deps.log.warn({ connectorId, localTxId, status, maxWh }, 'idTag refused by StartTransaction.conf: transaction kept, energy limited');
    this.caps.set(connectorId, { localId: localTxId, untilWh: tx.meterStartWh + maxWh, suspended: false });
    this.check(connectorId);
  }

  /** A meter reading on the connector: suspend once the allowance is used up. */
  reading(connectorId: number): void {
    if (this.caps.has(connectorId)) this.check(connectorId);
  }

  /** The session on the connector ended: lift the limit. */
  sessionEnded(connectorId: number): void {
    const cap = this.caps.get(connectorId);
    if (!cap) return;
    this.caps.delete(connectorId);
    if (cap.suspended) this.deps.setLimit(connectorId, null);
  }

  /** Whether energy is suspended on the connector because of a refused idTag. */
  suspended(connectorId: number): boolean {
    return this.caps.get(connectorId)?.suspended ?? false;
  }

  private check(connectorId: number): void {
    const cap = this.caps.get(connectorId);
    if (!cap || cap.suspended) return;
    const tx = this.deps.current(connectorId);
    if (!tx || tx.localId !== cap.localId) {
      this.caps.delete(connectorId);
      return;
    }
    const wh = this.deps.registerWh(connectorId) ?? tx.meterStartWh;
    if (wh < cap.untilWh) return;
    cap.suspended = true;
    this.deps.log.warn({ connectorId, deliveredWh: Math.round(wh - tx.meterStartWh) }, 'MaxEnergyOnInvalidId reached: energy suspended');
    this.deps.setLimit(connectorId, INVALID_ID_LIMIT_A);
  }
}
