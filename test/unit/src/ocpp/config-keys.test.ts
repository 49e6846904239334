import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OcppConfiguration, SUPPORTED_MEASURANDS } from '../../../../src/ocpp/config-keys.js';
import { ChangeConfiguration } from '../../../../src/ocpp/handlers/ChangeConfiguration.js';
import { GetConfiguration } from '../../../../src/ocpp/handlers/GetConfiguration.js';
import { openDb, type Db } from '../../../../src/store/db.js';
import { Settings } from '../../../../src/store/settings.js';

const READ_ONLY = [
  'ConnectorPhaseRotationMaxLength', 'GetConfigurationMaxKeys', 'MeterValuesAlignedDataMaxLength',
  'MeterValuesSampledDataMaxLength', 'NumberOfConnectors', 'StopTxnAlignedDataMaxLength',
  'StopTxnSampledDataMaxLength', 'SupportedFeatureProfiles', 'SupportedFeatureProfilesMaxLength',
  'LocalAuthListMaxLength', 'SendLocalListMaxLength', 'ReserveConnectorZeroSupported',
  'ChargeProfileMaxStackLevel', 'ChargingScheduleAllowedChargingRateUnit', 'ChargingScheduleMaxPeriods',
  'MaxChargingProfilesInstalled', 'ConnectorSwitch3to1PhaseSupported',
];
const READ_WRITE = [
  'AllowOfflineTxForUnknownId', 'AuthorizationCacheEnabled', 'AuthorizeRemoteTxRequests', 'BlinkRepeat',
  'ClockAlignedDataInterval', 'ConnectionTimeOut', 'ConnectorPhaseRotation', 'HeartbeatInterval', 'LightIntensity',
  'LocalAuthListEnabled', 'LocalAuthorizeOffline', 'LocalPreAuthorize', 'MaxEnergyOnInvalidId', 'MeterValuesAlignedData',
  'MeterValuesSampledData', 'MeterValueSampleInterval', 'MinimumStatusDuration', 'ResetRetries',
  'StopTransactionOnEVSideDisconnect', 'StopTransactionOnInvalidId', 'StopTxnAlignedData', 'StopTxnSampledData',
  'TransactionMessageAttempts', 'TransactionMessageRetryInterval', 'UnlockConnectorOnEVSideDisconnect',
  'WebSocketPingInterval',
];

const dbs: Db[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function settingsIn(dir: string | ':memory:' = ':memory:'): Settings {
  const db = openDb(dir);
  dbs.push(db);
  return new Settings(db);
}

function config(overrides?: Record<string, string>, numberOfConnectors = 2): OcppConfiguration {
  return new OcppConfiguration(settingsIn(), { numberOfConnectors, overrides });
}

describe('OCPP 1.6 configuration keys (sections 9.1-9.4)', () => {
  it('GIVEN no key list WHEN described THEN every key is listed once with its read-only flag', () => {
    const all = config().describe();
    expect(all.unknownKey).toEqual([]);
    expect(all.configurationKey.map((k) => k.key).sort()).toEqual([...READ_ONLY, ...READ_WRITE].sort());
    const flags = Object.fromEntries(all.configurationKey.map((k) => [k.key, k.readonly]));
    for (const key of READ_ONLY) expect(flags[key], key).toBe(true);
    for (const key of READ_WRITE) expect(flags[key], key).toBe(false);
    expect(config().describe([]).configurationKey).toHaveLength(43);
  });

  it('GIVEN 2 connectors WHEN nothing was changed THEN the defaults are in normal form', () => {
    const c = config();
    expect(c.int('HeartbeatInterval')).toBe(300);
    expect(c.int('NumberOfConnectors')).toBe(2);
    expect(c.get('ConnectorPhaseRotation')).toBe('0.RST,1.RST,2.RST');
    expect(c.int('ConnectorPhaseRotationMaxLength')).toBe(3);
    expect(c.get('SupportedFeatureProfiles')).toBe('Core,LocalAuthListManagement,Reservation,SmartCharging,RemoteTrigger');
    expect(c.int('ChargeProfileMaxStackLevel')).toBe(10);
    expect(c.list('ChargingScheduleAllowedChargingRateUnit')).toEqual(['Current', 'Power']);
    expect(c.int('ChargingScheduleMaxPeriods')).toBe(48);
    expect(c.int('MaxChargingProfilesInstalled')).toBe(32);
    expect(c.int('SendLocalListMaxLength')).toBe(100_000);
    expect(c.bool('AuthorizationCacheEnabled')).toBe(true);
    expect(c.list('MeterValuesSampledData')).toEqual([
      'Energy.Active.Import.Register', 'Power.Active.Import', 'Current.Import', 'Voltage', 'Current.Offered', 'Temperature',
    ]);
    expect(c.int('MeterValuesSampledDataMaxLength')).toBe(SUPPORTED_MEASURANDS.length);
    expect(c.bool('AuthorizeRemoteTxRequests')).toBe(false);
    expect(c.bool('LocalAuthorizeOffline')).toBe(true);
    expect(c.get('StopTransactionOnEVSideDisconnect')).toBe('true');
    expect(c.int('GetConfigurationMaxKeys')).toBe(100);
  });

  it('GIVEN unknown or wrongly cased keys THEN GetConfiguration names them unknown and Change says NotSupported', () => {
    const c = config();
    expect(c.describe(['HeartbeatInterval', 'heartbeatinterval', 'Foo'])).toEqual({
      configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '300' }],
      unknownKey: ['heartbeatinterval', 'Foo'],
    });
    expect(c.change('Foo', '1')).toBe('NotSupported');
    expect(c.change('heartbeatInterval', '10')).toBe('NotSupported');
    expect(c.get('Foo')).toBeUndefined();
  });

  it('GIVEN more distinct keys than GetConfigurationMaxKeys THEN only the first 100 are answered', () => {
    const keys = ['HeartbeatInterval', 'HeartbeatInterval', ...Array.from({ length: 120 }, (_, i) => `X${i}`)];
    const r = config().describe(keys);
    expect(r.configurationKey).toHaveLength(1);
    expect(r.unknownKey).toHaveLength(99);
    expect(r.unknownKey.at(-1)).toBe('X98');
  });

  it.each(['NumberOfConnectors', 'GetConfigurationMaxKeys', 'SupportedFeatureProfiles', 'MeterValuesSampledDataMaxLength'])(
    'GIVEN the read-only key %s WHEN changed THEN Rejected and unchanged',
    (key) => {
      const c = config();
      const before = c.get(key);
      expect(c.change(key, before ?? '')).toBe('Rejected');
      expect(c.get(key)).toBe(before);
    },
  );

  it.each([
    ['HeartbeatInterval', 'abc'], ['HeartbeatInterval', '-1'], ['HeartbeatInterval', '1.5'], ['HeartbeatInterval', ' 7'],
    ['HeartbeatInterval', '7 '], ['HeartbeatInterval', ''], ['HeartbeatInterval', '0'], ['HeartbeatInterval', '1e3'],
    ['LightIntensity', '101'], ['MeterValueSampleInterval', '99999999999999999999'],
    ['LocalPreAuthorize', 'yes'], ['LocalPreAuthorize', '1'], ['LocalPreAuthorize', ''],
    ['StopTransactionOnEVSideDisconnect', 'false'], ['UnlockConnectorOnEVSideDisconnect', 'FALSE'],
  ])('GIVEN %s = "%s" WHEN changed THEN Rejected and nothing persisted', (key, value) => {
    const settings = settingsIn();
    const c = new OcppConfiguration(settings, { numberOfConnectors: 1 });
    const before = c.get(key);
    expect(c.change(key, value)).toBe('Rejected');
    expect(c.get(key)).toBe(before);
    expect(settings.ocppKeys().size).toBe(0);
  });

  it('GIVEN valid values in loose form WHEN changed THEN Accepted and stored in normal form', () => {
    const c = config();
    expect(c.change('HeartbeatInterval', '0042')).toBe('Accepted');
    expect(c.get('HeartbeatInterval')).toBe('42');
    expect(c.change('MeterValueSampleInterval', '0')).toBe('Accepted');
    expect(c.int('MeterValueSampleInterval')).toBe(0);
    expect(c.change('LocalPreAuthorize', 'TRUE')).toBe('Accepted');
    expect(c.get('LocalPreAuthorize')).toBe('true');
    expect(c.change('StopTransactionOnEVSideDisconnect', 'True')).toBe('Accepted');
    expect(c.change('MeterValuesSampledData', ' voltage , Frequency,Energy.Active.Import.Register ')).toBe('Accepted');
    expect(c.get('MeterValuesSampledData')).toBe('Voltage,Frequency,Energy.Active.Import.Register');
    expect(c.change('StopTxnAlignedData', '')).toBe('Accepted');
    expect(c.list('StopTxnAlignedData')).toEqual([]);
    expect(c.change('ConnectorPhaseRotation', '0.RST, 1.rts, 2.NotApplicable')).toBe('Accepted');
    expect(c.get('ConnectorPhaseRotation')).toBe('0.RST,1.RTS,2.NotApplicable');
  });

  it.each([
    ['MeterValuesSampledData', 'Energy.Active.Import.Register,SoC'],
    ['MeterValuesAlignedData', 'Current.Import.L1'],
    ['StopTxnSampledData', 'Voltage,,Frequency'],
    ['StopTxnSampledData', 'Voltage,Voltage'],
    ['ConnectorPhaseRotation', '3.RST'],
    ['ConnectorPhaseRotation', '1.RST,1.RTS'],
    ['ConnectorPhaseRotation', '1.XYZ'],
  ])('GIVEN the CSL %s = "%s" with an unsupported or repeated member THEN Rejected', (key, value) => {
    const c = config();
    const before = c.get(key);
    expect(c.change(key, value)).toBe('Rejected');
    expect(c.get(key)).toBe(before);
  });

  it('GIVEN an accepted change WHEN the controller restarts on the same database THEN the change is kept', () => {
    const dir = mkdtempSync(join(tmpdir(), 'evse-config-'));
    dirs.push(dir);
    const first = new OcppConfiguration(settingsIn(dir), { numberOfConnectors: 2 });
    expect(first.change('HeartbeatInterval', '060')).toBe('Accepted');
    expect(first.change('AuthorizeRemoteTxRequests', 'True')).toBe('Accepted');
    expect(first.change('HeartbeatInterval', 'abc')).toBe('Rejected');
    for (const db of dbs.splice(0)) db.close();

    const second = new OcppConfiguration(settingsIn(dir), { numberOfConnectors: 2, overrides: { HeartbeatInterval: '900' } });
    expect(second.int('HeartbeatInterval')).toBe(60);
    expect(second.bool('AuthorizeRemoteTxRequests')).toBe(true);
    expect(second.ignored).toEqual([]);
  });

  it('GIVEN persisted values that are no longer valid THEN they are ignored, listed, and defaults apply', () => {
    const settings = settingsIn();
    settings.setOcppKey('NumberOfConnectors', '7');
    settings.setOcppKey('HeartbeatInterval', 'abc');
    settings.setOcppKey('Retired', '1');
    const c = new OcppConfiguration(settings, { numberOfConnectors: 1 });
    expect(c.int('NumberOfConnectors')).toBe(1);
    expect(c.int('HeartbeatInterval')).toBe(300);
    expect(c.ignored).toHaveLength(3);
  });

  it('GIVEN listeners WHEN a change is accepted THEN each is called once with the normal-form value', () => {
    const c = config();
    const seen: Array<[string, string]> = [];
    const unsubscribe = c.onChange((key, value) => seen.push([key, value]));
    c.change('WebSocketPingInterval', '015');
    c.change('LocalAuthorizeOffline', 'FALSE');
    c.change('WebSocketPingInterval', 'x');
    c.change('NumberOfConnectors', '3');
    unsubscribe();
    c.change('HeartbeatInterval', '10');
    expect(seen).toEqual([['WebSocketPingInterval', '15'], ['LocalAuthorizeOffline', 'false']]);
  });

  it('GIVEN a throwing listener THEN the others still run, the value is kept and the error surfaces', () => {
    const c = config();
    const seen: string[] = [];
    c.onChange(() => {
      throw new Error('boom');
    });
    c.onChange((_key, value) => seen.push(value));
    expect(() => c.change('HeartbeatInterval', '30')).toThrow('boom');
    expect(seen).toEqual(['30']);
    expect(c.int('HeartbeatInterval')).toBe(30);
  });

  it('GIVEN config-file overrides THEN they replace defaults in normal form, and bad ones stop construction', () => {
    const c = config({ HeartbeatInterval: '0120', MeterValuesAlignedData: 'Energy.Active.Import.Register, Voltage' });
    expect(c.int('HeartbeatInterval')).toBe(120);
    expect(c.get('MeterValuesAlignedData')).toBe('Energy.Active.Import.Register,Voltage');
    expect(() => config({ HeartbeatInterval: 'x', NumberOfConnectors: '3', Nope: '1' })).toThrow(
      /HeartbeatInterval: .*\nNumberOfConnectors: read-only.*\nNope: not an OCPP/,
    );
    expect(() => config({}, 0)).toThrow(/numberOfConnectors/);
  });
});

describe('GetConfiguration and ChangeConfiguration handlers', () => {
  it('GIVEN requested keys THEN GetConfiguration answers known keys and names unknown ones', () => {
    const get = GetConfiguration({ config: config() });
    expect(get({ key: ['NumberOfConnectors', 'Bogus'] })).toEqual({
      configurationKey: [{ key: 'NumberOfConnectors', readonly: true, value: '2' }],
      unknownKey: ['Bogus'],
    });
    const all = get({});
    expect(all.configurationKey).toHaveLength(43);
    expect(all.unknownKey).toBeUndefined();
  });

  it('GIVEN ChangeConfiguration requests THEN each status follows the key rules and Get sees accepted values', () => {
    const cfg = config();
    const change = ChangeConfiguration({ config: cfg });
    expect(change({ key: 'MeterValueSampleInterval', value: '30' })).toEqual({ status: 'Accepted' });
    expect(change({ key: 'MeterValueSampleInterval', value: 'soon' })).toEqual({ status: 'Rejected' });
    expect(change({ key: 'NumberOfConnectors', value: '4' })).toEqual({ status: 'Rejected' });
    expect(change({ key: 'SecurityProfile', value: '2' })).toEqual({ status: 'NotSupported' });
    expect(GetConfiguration({ config: cfg })({ key: ['MeterValueSampleInterval'] })).toEqual({
      configurationKey: [{ key: 'MeterValueSampleInterval', readonly: false, value: '30' }],
    });
  });
});
