// Types and initial context of the connector machine (connector.ts): its input events, the events it
// emits, its context. Must not: contain behaviour beyond building the initial context.

import type { ConnectorCapabilities, ConnectorContext, LatchedFault, OcppStatus } from './connector-logic.js';
import type { PilotEvent } from './pilot.js';
import { TIMING } from './timing.js';

export type StopReason =
  | 'Local'
  | 'EVDisconnected'
  | 'Remote'
  | 'HardReset'
  | 'SoftReset'
  | 'PowerLoss'
  | 'Reboot'
  | 'DeAuthorized'
  | 'UnlockCommand'
  | 'EmergencyStop'
  | 'Other';

/** Stops that must cut power at once instead of asking the EV first (no C1 grace). */
export const IMMEDIATE_STOPS: ReadonlySet<StopReason> = new Set(['DeAuthorized', 'EmergencyStop', 'HardReset', 'PowerLoss']);

export type ConnectorInput =
  | PilotEvent
  | { type: 'Authorize'; idTag: string }
  /**
   * immediate: cut power at once whatever the reason (the process is going away: shutdown, reset).
   * keepLocked: the cable stays locked after the stop until ReleaseCable, an UnlockCommand stop or unplug
   * (OCPP 1.6 3.5.4: StopTransactionOnInvalidId).
   */
  | { type: 'StopSession'; reason: StopReason; immediate?: boolean; keepLocked?: boolean }
  | { type: 'ReleaseCable' }
  | { type: 'SetCurrentLimit'; amps: number }
  /** afterSession: an Inoperative change that waits for the running session to end (OCPP Scheduled). */
  | { type: 'SetOperative'; operative: boolean; afterSession?: boolean }
  | { type: 'SetConnectionTimeout'; ms: number }
  | { type: 'FaultsChanged'; blocking: string[] }
  | { type: 'ContactorFeedback'; closed: boolean }
  | { type: 'LockFeedback'; locked: boolean };

export type Internal = { type: 'ContactorCommanded' } | { type: 'LockCommanded' };

export type ConnectorEmitted =
  | { type: 'StatusChanged'; status: OcppStatus }
  | { type: 'SessionStarted'; idTag: string }
  | { type: 'SessionStopped'; idTag: string; reason: StopReason }
  | { type: 'AuthorizationExpired'; idTag: string }
  | { type: 'FaultDetected'; fault: LatchedFault; detail: string };

export interface ConnectorMachineInput {
  connectorId: number;
  caps: ConnectorCapabilities;
  maxCurrentA: number;
  ventilationAllowed: boolean;
  connectionTimeoutMs?: number;
  operative?: boolean;
}

export type ConnectorMachineContext = ConnectorContext & { inoperativeAfterSession: boolean; notices: ConnectorEmitted[]; cpDuty: number; connectionTimeoutMs: number; fbAwaiting: boolean; lockAwaiting: boolean };

export const latch = (c: ConnectorMachineContext, fault: LatchedFault): Partial<ConnectorMachineContext> => ({ latched: c.latched.includes(fault) ? c.latched : [...c.latched, fault] });

/** Queues a notification; `reconcile` emits it after driving the outputs. */
export function notify(enqueue: { assign: (f: (a: { context: ConnectorMachineContext }) => Partial<ConnectorMachineContext>) => void }, e: ConnectorEmitted): void {
  enqueue.assign(({ context }) => ({ notices: [...context.notices, e] }));
}


export function initialContext(input: ConnectorMachineInput): ConnectorMachineContext {
  return {
    connectorId: input.connectorId,
    caps: input.caps,
    ventilationAllowed: input.ventilationAllowed,
    maxCurrentA: input.maxCurrentA,
    connectionTimeoutMs: input.connectionTimeoutMs ?? TIMING.connectionTimeout,
    pilot: 'A',
    pilotError: null,
    diodeVerified: false,
    session: 'none',
    idTag: null,
    operative: input.operative ?? true,
    blockingFaults: [],
    latched: [],
    limitA: input.maxCurrentA,
    cableHeld: false,
    pwmHold: false,
    c1Grace: false,
    graceAllowed: true,
    faultF: false,
    faultUnlock: false,
    wakeUp: 'none',
    cp: 'unknown',
    appliedA: 0,
    cpDuty: 100,
    contactorCmd: false,
    contactorFb: false,
    lockCmd: false,
    lockFb: false,
    wasBlocked: false,
    status: null,
    notices: [],
    inoperativeAfterSession: false,
    fbAwaiting: false,
    lockAwaiting: false,
  };
}
