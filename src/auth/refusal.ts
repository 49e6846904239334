// What a driver is told about an authorization: the decision every authorizer returns, the reason for a
// refusal, one plain sentence per reason (status API, log) and the LED signal per reason (indicator.ts
// plays it). Must not: decide anything (authorizer.ts, standalone.ts, controller.ts do).

import type { AuthStatus } from './types.js';

/**
 * Why a card or remote start was refused. The first four are OCPP AuthorizationStatus values (from the
 * CSMS, the local list or the cache); the rest are the charge point's own.
 */
export type RefusalReason =
  | 'Blocked'
  | 'Expired'
  | 'Invalid'
  | 'ConcurrentTx'
  /** Offline, the idTag is in neither list nor cache, and AllowOfflineTxForUnknownId is false. */
  | 'OfflineUnknown'
  /** Offline, LocalAuthorizeOffline is false and AllowOfflineTxForUnknownId is false. */
  | 'OfflineDisabled'
  /** Never accepted by the CSMS and ocpp.chargeBeforeAccepted is false. */
  | 'NotRegistered'
  /** Standalone mode: not in auth.allowList. */
  | 'NotAllowListed'
  /** No connector can take a session (all busy, faulted or unavailable). */
  | 'NoConnector'
  /** The connector is reserved for another idTag or group. */
  | 'Reserved'
  /** The UID could not be turned into an idTag. */
  | 'BadCard';

/** Where a decision came from. */
export type AuthSource = 'csms' | 'local-list' | 'cache' | 'allow-list' | 'offline-unknown' | 'free-vend' | 'policy';

export interface AuthorizationDecision {
  accepted: boolean;
  idTag: string;
  /** Accepted, or the AuthorizationStatus behind the refusal (charge-point refusals map to Invalid). */
  status: AuthStatus;
  parentIdTag?: string;
  source: AuthSource;
  /** Set when refused. */
  reason?: RefusalReason;
  /** For drivers: the status API and the log show it. */
  sentence: string;
}

/** The last card decision as the status API shows it. */
export interface LastAuthorization {
  idTag: string;
  accepted: boolean;
  status: AuthStatus;
  reason?: RefusalReason;
  sentence: string;
  /** ISO timestamp. */
  at: string;
}

const SENTENCE: Record<RefusalReason, (idTag: string) => string> = {
  Blocked: (t) => `Card ${t} is blocked by the operator`,
  Expired: (t) => `Card ${t} has expired`,
  Invalid: (t) => `Card ${t} is not known`,
  ConcurrentTx: (t) => `Card ${t} is already charging at another connector`,
  OfflineUnknown: (t) => `Card ${t} cannot be checked: the CSMS cannot be reached and unknown cards are not allowed offline`,
  OfflineDisabled: (t) => `Card ${t} cannot be checked: the CSMS cannot be reached and offline authorization is switched off`,
  NotRegistered: (t) => `Card ${t} cannot be checked: the CSMS has not accepted this charge point yet`,
  NotAllowListed: (t) => `Card ${t} is not in the allow-list of this charge point`,
  NoConnector: (t) => `Card ${t} cannot start: no connector is free (all busy, faulted or unavailable)`,
  Reserved: (t) => `Card ${t} cannot start: the connector is reserved for another card`,
  BadCard: () => 'The card could not be read; hold it still on the reader',
};

/** The driver sentence for a refusal. */
export function refusalSentence(reason: RefusalReason, idTag: string): string {
  return SENTENCE[reason](idTag);
}

export function acceptedSentence(idTag: string): string {
  return `Card ${idTag} accepted`;
}

/** The AuthorizationStatus a charge-point refusal is reported as. */
function statusOf(reason: RefusalReason): AuthStatus {
  return reason === 'Blocked' || reason === 'Expired' || reason === 'ConcurrentTx' ? reason : 'Invalid';
}

export function accept(idTag: string, source: AuthSource, parentIdTag?: string): AuthorizationDecision {
  return { accepted: true, idTag, status: 'Accepted', source, ...(parentIdTag ? { parentIdTag } : {}), sentence: acceptedSentence(idTag) };
}

export function refuse(idTag: string, reason: RefusalReason, source: AuthSource, parentIdTag?: string): AuthorizationDecision {
  return {
    accepted: false,
    idTag,
    status: statusOf(reason),
    source,
    reason,
    ...(parentIdTag ? { parentIdTag } : {}),
    sentence: refusalSentence(reason, idTag),
  };
}

/**
 * The LED signal per refusal reason (indicator.ts REFUSAL_SIGNAL plays it): `blinks` short flashes of
 * `colour`, a pause, repeated. Red counts name what the CSMS or the list said; yellow means "could not
 * check"; a fast red blink (the old CARD_REFUSED_LED) stays for the charge point's own refusals.
 */
export const REFUSAL_BLINKS: Record<RefusalReason, { colour: 'red' | 'yellow'; blinks: number } | 'fast-red'> = {
  Invalid: { colour: 'red', blinks: 1 },
  Blocked: { colour: 'red', blinks: 2 },
  Expired: { colour: 'red', blinks: 3 },
  ConcurrentTx: { colour: 'red', blinks: 4 },
  OfflineUnknown: { colour: 'yellow', blinks: 2 },
  OfflineDisabled: { colour: 'yellow', blinks: 2 },
  NotRegistered: { colour: 'yellow', blinks: 3 },
  NotAllowListed: 'fast-red',
  NoConnector: 'fast-red',
  Reserved: 'fast-red',
  BadCard: 'fast-red',
};
