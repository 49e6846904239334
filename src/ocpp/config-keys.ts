// OCPP 1.6 configuration keys (Core 9.1, Local Auth List Management 9.2, Reservation 9.3, Smart Charging 9.4) as data, and the charge point's current value of each.
// Owns: the key table (type, range or allowed members, read-only flag, default), validation and normal
// form of values, precedence (persisted CSMS change > config-file override > default), persisting
// accepted changes and telling subscribers about them.
// Must not: act on a value (heartbeat, metering, auth... read it or subscribe), know the wire protocol,
// or write anything but accepted ChangeConfiguration values to the store.

import type { Settings } from '../store/settings.js';
import { bad, normalize, overrideProblems } from './config-values.js';

export { normalize, overrideProblems, type Normalized } from './config-values.js';

/** Measurands this charge point can sample; the only members allowed in the measurand CSL keys. */
export const SUPPORTED_MEASURANDS = [
  'Energy.Active.Import.Register', 'Power.Active.Import', 'Current.Import', 'Current.Offered', 'Voltage',
  'Frequency', 'Temperature',
] as const;

/** The feature profiles of OCPP 1.6 section 3.1 (members of SupportedFeatureProfiles). */
export const FEATURE_PROFILES = [
  'Core', 'FirmwareManagement', 'LocalAuthListManagement', 'Reservation', 'SmartCharging', 'RemoteTrigger',
] as const;

/** Phase rotations of ConnectorPhaseRotation (section 9.1.7); members are `<connectorId>.<rotation>`. */
export const PHASE_ROTATIONS = ['NotApplicable', 'Unknown', 'RST', 'RTS', 'SRT', 'STR', 'TRS', 'TSR'] as const;

export interface IntegerSpec { type: 'integer'; readonly: boolean; default: number; min: number; max: number }
/** `only`: the one value this charge point supports; the other is Rejected. */
export interface BooleanSpec { type: 'boolean'; readonly: boolean; default: boolean; only?: boolean }
/** Comma-separated list; `slotOf` maps a member to what must be unique (default: the member itself). */
export interface CslSpec {
  type: 'csl';
  readonly: boolean;
  default: string;
  members: readonly string[];
  maxLength: number;
  expected: string;
  slotOf?: (member: string) => string;
}
/** Free text (CiString500). No Core key is one; kept for vendor keys. */
export interface StringSpec { type: 'string'; readonly: boolean; default: string; maxChars: number }
export type KeySpec = IntegerSpec | BooleanSpec | CslSpec | StringSpec;

export type IntegerKey =
  | 'ChargeProfileMaxStackLevel' | 'ChargingScheduleMaxPeriods' | 'MaxChargingProfilesInstalled'
  | 'BlinkRepeat' | 'ClockAlignedDataInterval' | 'ConnectionTimeOut' | 'ConnectorPhaseRotationMaxLength'
  | 'GetConfigurationMaxKeys' | 'HeartbeatInterval' | 'LightIntensity' | 'LocalAuthListMaxLength' | 'MaxEnergyOnInvalidId'
  | 'MeterValuesAlignedDataMaxLength' | 'MeterValuesSampledDataMaxLength' | 'MeterValueSampleInterval'
  | 'MinimumStatusDuration' | 'NumberOfConnectors' | 'ResetRetries' | 'StopTxnAlignedDataMaxLength'
  | 'SendLocalListMaxLength' | 'StopTxnSampledDataMaxLength' | 'SupportedFeatureProfilesMaxLength' | 'TransactionMessageAttempts'
  | 'TransactionMessageRetryInterval' | 'WebSocketPingInterval';
export type BooleanKey =
  | 'ConnectorSwitch3to1PhaseSupported'
  | 'AllowOfflineTxForUnknownId' | 'AuthorizationCacheEnabled' | 'AuthorizeRemoteTxRequests'
  | 'LocalAuthListEnabled' | 'LocalAuthorizeOffline' | 'LocalPreAuthorize' | 'ReserveConnectorZeroSupported'
  | 'StopTransactionOnEVSideDisconnect'
  | 'StopTransactionOnInvalidId' | 'UnlockConnectorOnEVSideDisconnect';
export type CslKey =
  | 'ChargingScheduleAllowedChargingRateUnit'
  | 'ConnectorPhaseRotation' | 'MeterValuesAlignedData' | 'MeterValuesSampledData' | 'StopTxnAlignedData'
  | 'StopTxnSampledData' | 'SupportedFeatureProfiles';
export type CoreKey = IntegerKey | BooleanKey | CslKey;
export type KeyTable = { [K in IntegerKey]: IntegerSpec } & { [K in BooleanKey]: BooleanSpec } & {
  [K in CslKey]: CslSpec;
};

export type ChangeStatus = 'Accepted' | 'Rejected' | 'RebootRequired' | 'NotSupported';
export interface ConfigurationReport {
  configurationKey: Array<{ key: string; readonly: boolean; value: string }>;
  unknownKey: string[];
}
export type ChangeListener = (key: string, value: string) => void;

const DAY = 86_400;
/** Local authorization list capacity (LocalAuthListMaxLength) and the largest SendLocalList (SendLocalListMaxLength). */
export const LOCAL_LIST_MAX = 100_000;
const rw = (min: number, max: number, def: number): IntegerSpec => ({ type: 'integer', readonly: false, default: def, min, max });
const ro = (value: number): IntegerSpec => ({ type: 'integer', readonly: true, default: value, min: value, max: value });
const flag = (def: boolean, only?: boolean): BooleanSpec => ({ type: 'boolean', readonly: false, default: def, only });
const measurands = (def: string): CslSpec => ({
  type: 'csl', readonly: false, default: def, members: SUPPORTED_MEASURANDS,
  maxLength: SUPPORTED_MEASURANDS.length, expected: `measurands among ${SUPPORTED_MEASURANDS.join(', ')}`,
});

function phaseRotation(connectors: number): CslSpec {
  const ids = Array.from({ length: connectors + 1 }, (_, i) => i);
  return {
    type: 'csl', readonly: false, default: ids.map((i) => `${i}.RST`).join(','),
    members: ids.flatMap((i) => PHASE_ROTATIONS.map((r) => `${i}.${r}`)),
    maxLength: connectors + 1, slotOf: (m) => m.slice(0, m.indexOf('.')),
    expected: `<connector 0..${connectors}>.<${PHASE_ROTATIONS.join('|')}>, each connector at most once`,
  };
}

const PROFILES: CslSpec = {
  type: 'csl', readonly: true, default: 'Core,LocalAuthListManagement,Reservation,SmartCharging,RemoteTrigger', members: FEATURE_PROFILES,
  maxLength: FEATURE_PROFILES.length, expected: `profiles among ${FEATURE_PROFILES.join(', ')}`,
};
const SAMPLED = 'Energy.Active.Import.Register,Power.Active.Import,Current.Import,Voltage,Current.Offered,Temperature';

/** Smart charging capacity (section 9.4): the limits SetChargingProfile is checked against. */
export const SMART_CHARGING = { maxStackLevel: 10, maxPeriods: 48, maxProfiles: 32 } as const;
const RATE_UNITS: CslSpec = {
  type: 'csl', readonly: true, default: 'Current,Power', members: ['Current', 'Power'], maxLength: 2, expected: 'Current and/or Power',
};

/** Every key of OCPP 1.6 sections 9.1-9.4 for a charge point with `connectors` connectors, in spec order. */
export function coreKeys(connectors: number): KeyTable {
  return {
    AllowOfflineTxForUnknownId: flag(false),
    AuthorizationCacheEnabled: flag(true),
    AuthorizeRemoteTxRequests: flag(false),
    BlinkRepeat: rw(0, 100, 0),
    ChargeProfileMaxStackLevel: ro(SMART_CHARGING.maxStackLevel),
    ChargingScheduleAllowedChargingRateUnit: RATE_UNITS,
    ChargingScheduleMaxPeriods: ro(SMART_CHARGING.maxPeriods),
    ClockAlignedDataInterval: rw(0, DAY, 0),
    ConnectionTimeOut: rw(1, 3600, 60),
    ConnectorPhaseRotation: phaseRotation(connectors),
    ConnectorPhaseRotationMaxLength: ro(connectors + 1),
    ConnectorSwitch3to1PhaseSupported: { type: 'boolean', readonly: true, default: false },
    GetConfigurationMaxKeys: ro(100),
    HeartbeatInterval: rw(1, DAY, 300),
    LightIntensity: rw(0, 100, 100),
    LocalAuthListEnabled: flag(true),
    LocalAuthListMaxLength: ro(LOCAL_LIST_MAX),
    LocalAuthorizeOffline: flag(true),
    LocalPreAuthorize: flag(false),
    MaxChargingProfilesInstalled: ro(SMART_CHARGING.maxProfiles),
    MaxEnergyOnInvalidId: rw(0, 1_000_000, 0),
    MeterValuesAlignedData: measurands('Energy.Active.Import.Register'),
    MeterValuesAlignedDataMaxLength: ro(SUPPORTED_MEASURANDS.length),
    MeterValuesSampledData: measurands(SAMPLED),
    MeterValuesSampledDataMaxLength: ro(SUPPORTED_MEASURANDS.length),
    MeterValueSampleInterval: rw(0, DAY, 60),
    MinimumStatusDuration: rw(0, 3600, 0),
    NumberOfConnectors: ro(connectors),
    ReserveConnectorZeroSupported: { type: 'boolean', readonly: true, default: true },
    ResetRetries: rw(0, 10, 1),
    SendLocalListMaxLength: ro(LOCAL_LIST_MAX),
    StopTransactionOnEVSideDisconnect: flag(true, true),
    StopTransactionOnInvalidId: flag(true),
    StopTxnAlignedData: measurands('Energy.Active.Import.Register'),
    StopTxnAlignedDataMaxLength: ro(SUPPORTED_MEASURANDS.length),
    StopTxnSampledData: measurands('Energy.Active.Import.Register'),
    StopTxnSampledDataMaxLength: ro(SUPPORTED_MEASURANDS.length),
    SupportedFeatureProfiles: PROFILES,
    SupportedFeatureProfilesMaxLength: ro(FEATURE_PROFILES.length),
    TransactionMessageAttempts: rw(1, 10, 3),
    TransactionMessageRetryInterval: rw(1, 3600, 60),
    UnlockConnectorOnEVSideDisconnect: flag(true, true),
    WebSocketPingInterval: rw(0, 3600, 30),
  };
}

/**
 * The charge point's OCPP configuration. Keys are matched case-sensitively, exactly as section 9.1
 * spells them. GetConfiguration honours GetConfigurationMaxKeys by answering only the first that many
 * distinct requested keys (the rest appear in neither list); an empty or absent key list means all keys.
 * Every accepted change is persisted and announced, even when the value is unchanged. No key needs a
 * reboot: subscribers apply changes live, so `change` never answers RebootRequired.
 */
export class OcppConfiguration {
  readonly table: KeyTable;
  /** Persisted values that were not applied (key gone read-only, value no longer valid), for the log. */
  readonly ignored: string[] = [];
  private readonly specs: Map<string, KeySpec>;
  private readonly values = new Map<string, string>();
  private readonly listeners = new Set<ChangeListener>();

  /** Throws one line per problem when `numberOfConnectors` or an override is invalid. */
  constructor(
    private readonly settings: Settings,
    opts: { numberOfConnectors: number; overrides?: Record<string, string> },
  ) {
    const n = opts.numberOfConnectors;
    if (!Number.isInteger(n) || n < 1) throw new Error(`numberOfConnectors: expected a whole number >= 1, found ${n}`);
    this.table = coreKeys(n);
    this.specs = new Map<string, KeySpec>(Object.entries(this.table));
    const overrides = opts.overrides ?? {};
    const problems = overrideProblems(this.table, overrides);
    if (problems.length > 0) throw new Error(`invalid OCPP configuration overrides:\n${problems.join('\n')}`);
    for (const [key, spec] of this.specs) this.values.set(key, String(spec.default));
    this.load(Object.entries(overrides));
    this.load(settings.ocppKeys());
  }

  get(key: string): string | undefined {
    return this.values.get(key);
  }

  int(key: IntegerKey): number {
    return Number(this.values.get(key));
  }

  bool(key: BooleanKey): boolean {
    return this.values.get(key) === 'true';
  }

  list(key: CslKey): string[] {
    const v = this.values.get(key) ?? '';
    return v === '' ? [] : v.split(',');
  }

  describe(keys?: readonly string[]): ConfigurationReport {
    const wanted = keys === undefined || keys.length === 0
      ? [...this.specs.keys()]
      : [...new Set(keys)].slice(0, this.int('GetConfigurationMaxKeys'));
    const report: ConfigurationReport = { configurationKey: [], unknownKey: [] };
    for (const key of wanted) {
      const spec = this.specs.get(key);
      const value = this.values.get(key);
      if (spec === undefined || value === undefined) report.unknownKey.push(key);
      else report.configurationKey.push({ key, readonly: spec.readonly, value });
    }
    return report;
  }

  change(key: string, value: string): ChangeStatus {
    const spec = this.specs.get(key);
    if (spec === undefined) return 'NotSupported';
    if (spec.readonly) return 'Rejected';
    const r = normalize(spec, value);
    if (!r.ok) return 'Rejected';
    this.settings.setOcppKey(key, r.value);
    this.values.set(key, r.value);
    this.notify(key, r.value);
    return 'Accepted';
  }

  /** Called synchronously after each accepted change with the normal-form value; returns unsubscribe. */
  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Every listener runs even if one throws; the first error is rethrown afterwards (the value stays). */
  private notify(key: string, value: string): void {
    const errors: unknown[] = [];
    for (const listener of [...this.listeners]) {
      try {
        listener(key, value);
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length > 0) throw errors[0];
  }

  /** Overrides were checked in the constructor, so only persisted values can end up in `ignored`. */
  private load(entries: Iterable<[string, string]>): void {
    for (const [key, value] of entries) {
      const spec = this.specs.get(key);
      const r = spec === undefined || spec.readonly ? bad('not a writable Core key') : normalize(spec, value);
      if (r.ok) this.values.set(key, r.value);
      else this.ignored.push(`${key}=${value}: ${r.reason}`);
    }
  }
}
