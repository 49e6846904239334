// What CSMS-initiated action handlers may use: services and actors, never the HAL (DESIGN.md OCPP).

import type { StopReason } from '../../../state-machines/connector.js';
import type { ChargingProfile } from '../../charging/types.js';
import type { OcppConfiguration } from '../config-keys.js';

export interface ConnectorView {
  id: number;
  plugged: boolean;
  sessionActive: boolean;
  /** A session is active or authorized and waiting for the cable. */
  busy: boolean;
  operative: boolean;
  faulted: boolean;
  hasLock: boolean;
  /** The cable stays locked after a DeAuthorized stop (its owner's card or UnlockConnector releases it). */
  cableHeld: boolean;
}

export interface HandlerContext {
  config: OcppConfiguration;
  connectorIds(): number[];
  connector(id: number): ConnectorView | undefined;
  /** Whether reservations let this idTag start on the connector before its group is known (auth/reservations.ts). */
  reservation(connectorId: number, idTag: string): 'mine' | 'free' | 'maybe' | 'no';
  /** Authorizes a session on a connector (the connector machine starts it when the cable is in). */
  authorizeOn(connectorId: number, idTag: string): void;
  /** Installs RemoteStartTransaction's TxProfile for the session about to start; false = Rejected. */
  remoteProfile(connectorId: number, profile: ChargingProfile): boolean;
  /** Removes that profile (only it) again when the remote start does not go ahead (authorization refused). */
  dropRemoteProfile(profileId: number): void;
  /** Online Authorize.req (for AuthorizeRemoteTxRequests); resolves the idTagInfo status. */
  authorizeOnline(idTag: string): Promise<string>;
  stopSession(connectorId: number, reason: StopReason): void;
  /** Connector id of the open transaction with this CSMS transactionId. */
  connectorOfTransaction(csmsTransactionId: number): number | undefined;
  /** Availability change; returns whether it applies now or after the running session(s). */
  changeAvailability(connectorId: number, operative: boolean): 'Accepted' | 'Scheduled';
  /** Stops sessions with the reset's reason, persists what must survive, restarts the process. */
  reset(type: 'Soft' | 'Hard'): void;
  /** Resolves true once the cable lock reports unlocked (false after a timeout). */
  unlocked(connectorId: number): Promise<boolean>;
  trigger: {
    boot(): void;
    heartbeat(): void;
    statusNotification(connectorId?: number): void;
    meterValues(connectorId?: number): void;
    diagnosticsStatus(): void;
    firmwareStatus(): void;
  };
  registration(): 'NotConfigured' | 'Connecting' | 'Pending' | 'Accepted' | 'Rejected';
  /** Runs work after the current reply went out. */
  afterReply(work: () => void): void;
}
