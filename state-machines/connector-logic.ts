// Pure decisions of the connector machine: which outputs the connector must drive and which OCPP status it
// shows, as functions of its context. The machine (connector.ts) calls these on every event, so opening
// happens in the same event that forbids closing (DESIGN.md "The safety path").
// Must not: hold state, schedule time, or touch hardware.

import { dutyForCurrent, MIN_CURRENT_A } from './pwm.js';
import type { PilotErrorKind, ValidState } from './pilot.js';

export type OcppStatus =
  | 'Available'
  | 'Preparing'
  | 'Charging'
  | 'SuspendedEV'
  | 'SuspendedEVSE'
  | 'Finishing'
  | 'Unavailable'
  | 'Faulted';

export type SessionPhase = 'none' | 'authorized' | 'active' | 'finished';
export type LatchedFault = 'contactor-welded' | 'contactor-fails-to-close' | 'connector-lock';
export type WakeUpPhase = 'none' | 'F' | 'X1' | 'done';
export type CpMode = 'pwm' | 'steady' | 'negative';

export interface ConnectorCapabilities {
  contactorFeedback: boolean;
  lock: boolean;
  lockFeedback: boolean;
  diodeCheck: boolean;
  canDriveNegative: boolean;
}

export interface ConnectorContext {
  connectorId: number;
  caps: ConnectorCapabilities;
  ventilationAllowed: boolean;
  maxCurrentA: number;
  // inputs
  pilot: ValidState;
  pilotError: PilotErrorKind | null;
  diodeVerified: boolean;
  session: SessionPhase;
  idTag: string | null;
  operative: boolean;
  blockingFaults: string[];
  latched: LatchedFault[];
  limitA: number;
  /** After a DeAuthorized stop (OCPP 3.5.4): the cable stays locked until the owner's card, UnlockConnector or unplug. */
  cableHeld: boolean;
  // timer-driven flags (set by the machine's regions)
  pwmHold: boolean;
  c1Grace: boolean;
  graceAllowed: boolean;
  faultF: boolean;
  faultUnlock: boolean;
  wakeUp: WakeUpPhase;
  // outputs as last driven
  cp: CpMode | 'unknown';
  appliedA: number;
  contactorCmd: boolean;
  contactorFb: boolean;
  lockCmd: boolean;
  lockFb: boolean;
  wasBlocked: boolean;
  status: OcppStatus | null;
}

export const plugged = (c: ConnectorContext): boolean => c.pilot !== 'A';
export const pilotAllowsPower = (c: ConnectorContext): boolean =>
  c.pilot === 'C' || (c.pilot === 'D' && c.ventilationAllowed); // IEC 61851-1 A.3: D needs ventilation
export const blocked = (c: ConnectorContext): boolean =>
  c.blockingFaults.length > 0 || c.latched.length > 0 || c.pilotError !== null;
export const offerA = (c: ConnectorContext): number => Math.min(c.limitA, c.maxCurrentA);

function lockOk(c: ConnectorContext): boolean {
  if (!c.caps.lock) return true;
  return c.lockCmd && (c.lockFb || !c.caps.lockFeedback);
}

/** PWM may be offered: an authorized, plugged, healthy, operative connector with >= 6 A to give. */
export function pwmWanted(c: ConnectorContext): boolean {
  return (
    c.session === 'active' &&
    plugged(c) &&
    !blocked(c) &&
    c.operative &&
    lockOk(c) &&
    offerA(c) >= MIN_CURRENT_A &&
    (c.wakeUp === 'none' || c.wakeUp === 'done')
  );
}

/** The contactor may stay closed (it opens the moment this is false). */
export function mayStayClosed(c: ConnectorContext): boolean {
  return !blocked(c) && c.operative && pilotAllowsPower(c);
}

/** The contactor may close now (DESIGN.md "The safety path": every condition, PWM on, diode seen). */
export function mayClose(c: ConnectorContext, cp: CpMode): boolean {
  return pwmWanted(c) && cp === 'pwm' && mayStayClosed(c) && (c.diodeVerified || !c.caps.diodeCheck);
}

/** What the CP line must carry. */
export function cpTarget(c: ConnectorContext): CpMode {
  if (c.caps.canDriveNegative && (c.faultF || c.wakeUp === 'F')) return 'negative';
  return pwmWanted(c) ? 'pwm' : 'steady';
}

/** The current to put on the PWM now, honouring the 5 s minimum between duty changes. */
export function nextAppliedA(c: ConnectorContext, cp: CpMode): number {
  if (cp !== 'pwm') return 0;
  if (c.cp !== 'pwm' || c.appliedA === 0) return offerA(c); // starting PWM is not a duty change
  return c.pwmHold ? c.appliedA : offerA(c);
}

export function dutyFor(amps: number): number {
  return dutyForCurrent(amps) ?? 100;
}

/**
 * Cable locked while a session is active, or finished with the cable held (DeAuthorized stop); released
 * when it ends, or 5 s into a fault; never under load.
 */
export function lockTarget(c: ConnectorContext, contactorClosed: boolean): boolean {
  if (!c.caps.lock) return false;
  if (contactorClosed || c.contactorFb) return true; // never release a cable that may carry current
  const held = c.session === 'active' || (c.session === 'finished' && c.cableHeld);
  return held && plugged(c) && !c.faultUnlock;
}

export function statusOf(c: ConnectorContext): OcppStatus {
  if (blocked(c)) return 'Faulted';
  if (!c.operative && c.session !== 'active') return 'Unavailable';
  switch (c.session) {
    case 'none':
      return plugged(c) ? 'Preparing' : 'Available';
    case 'authorized':
      return 'Preparing';
    case 'finished':
      return plugged(c) ? 'Finishing' : 'Available';
    case 'active':
      return activeStatus(c);
  }
}

function activeStatus(c: ConnectorContext): OcppStatus {
  if (c.contactorCmd && pilotAllowsPower(c)) return 'Charging';
  if (!c.operative || offerA(c) < MIN_CURRENT_A) return 'SuspendedEVSE';
  if (c.wakeUp === 'F' || c.wakeUp === 'X1') return 'SuspendedEV';
  if (c.pilot === 'B') return 'SuspendedEV';
  return 'SuspendedEVSE'; // requesting but not yet allowed (lock, diode check, D without ventilation)
}

/** Everything one reconciliation decides. */
export interface Plan {
  cp: CpMode;
  appliedA: number;
  contactor: boolean;
  lock: boolean;
  c1Grace: boolean;
  faultF: boolean;
  faultUnlock: boolean;
  pwmHold: boolean;
  diodeVerified: boolean;
  wasBlocked: boolean;
  status: OcppStatus;
}

/** The outputs a connector must drive now, given everything it knows. Pure; see DESIGN.md safety path. */
export function plan(c0: ConnectorContext): Plan {
  const isBlocked = blocked(c0);
  // Table A.5 (REFERENCE.md 1.3): a fault while energy flows or PWM runs shows F for >= 300 ms first.
  const faultEdge = !c0.wasBlocked && c0.caps.canDriveNegative && (c0.contactorCmd || c0.cp === 'pwm');
  const faultF = isBlocked && (c0.faultF || faultEdge);
  const c: ConnectorContext = { ...c0, faultF, faultUnlock: isBlocked && c0.faultUnlock };
  const cp = cpTarget(c);
  const appliedA = nextAppliedA(c, cp);
  const canClose = mayClose(c, cp);
  // Seq. 10.2 (REFERENCE.md 1.3): PWM left while the EV still draws in C -> wait for B, at most 6 s.
  // An immediate stop (graceAllowed false) ends a running grace too.
  const graceStart = c.contactorCmd && c.cp === 'pwm' && cp !== 'pwm';
  const c1Grace = c.graceAllowed && !canClose && c.contactorCmd && mayStayClosed(c) && (c.c1Grace || graceStart);
  const contactor = canClose || c1Grace;
  const lock = lockTarget(c, contactor);
  const pwmHold = cp === 'pwm' && (c.pwmHold || appliedA !== c.appliedA);
  const diodeVerified = cp === 'pwm' && c.cp === 'pwm' && c.diodeVerified;
  const next: ConnectorContext = { ...c, cp, appliedA, contactorCmd: contactor, lockCmd: lock, c1Grace, pwmHold };
  return { cp, appliedA, contactor, lock, c1Grace, faultF, faultUnlock: c.faultUnlock, pwmHold, diodeVerified, wasBlocked: isBlocked, status: statusOf(next) };
}
