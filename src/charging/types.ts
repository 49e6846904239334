// Shared types of smart charging (OCPP 1.6 sections 3.13, 7.12-7.15) and load management: the profile as the
// CSMS sends it, a profile as installed on a connector, and the limit a connector may offer with the
// constraint that set it. Must not: hold logic (schedule.ts, composite.ts, profile-store, site balancer do).

import type { SetChargingProfileRequest } from 'ocpp-ts';

export type ChargingProfile = SetChargingProfileRequest['csChargingProfiles'];
export type ChargingSchedule = ChargingProfile['chargingSchedule'];
export type SchedulePeriod = ChargingSchedule['chargingSchedulePeriod'][number];
export type ProfilePurpose = ChargingProfile['chargingProfilePurpose'];
export type RateUnit = 'A' | 'W';

/** A profile installed by SetChargingProfile (or RemoteStartTransaction) on a connector (0 = the charge point). */
export interface InstalledProfile {
  connectorId: number;
  profile: ChargingProfile;
  /** When it was installed (epoch ms): the tie-break between equal stack levels (the later wins). */
  installedAt: number;
}

/** Nominal supply used to convert W <-> A (configuration: charging.nominalVoltageV, the connector's phases). */
export interface Electrical {
  voltageV: number;
  /** Phases the connector is wired with (1 or 3); also the default numberPhases of a period. */
  phases: number;
}

/** The transaction a connector runs now, for TxProfile matching and Relative schedules. */
export interface ActiveTx {
  transactionId: number | null;
  /** Epoch ms the transaction started (the start of a Relative schedule). */
  startedAt: number;
}

/** Which constraint sets a connector's offered current (status API `limit.source`). */
export type LimitSource =
  | 'connector-max' // configured maxCurrentA
  | 'cable' // proximity pilot rating of the plugged cable
  | 'charge-point-max' // ChargePointMaxProfile share
  | 'tx-profile'
  | 'tx-default-profile'
  | 'site' // site load balancing budget share
  | 'thermal' // temperature derating
  | 'invalid-id'; // StopTransactionOnInvalidId=false policy (MaxEnergyOnInvalidId reached)

export interface ConnectorLimit {
  /** Amps per phase the connector may offer now (below 6 -> no PWM, SuspendedEVSE). */
  amps: number;
  source: LimitSource;
}
