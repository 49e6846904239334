// GIVEN the real controller process, accepted by a strict CSMS on loopback
// WHEN the CSMS reads and changes configuration keys, triggers messages, or sends other Core requests
// THEN OCPP 1.6 sections 5.3-5.8, 5.17, 9.1 and REFERENCE.md 8 "Heartbeat", "Meter values" hold.

import { describe, expect, it } from 'vitest';
import { startCsms, type TestCsms } from '../helpers/csms.js';
import { usePeers } from '../helpers/peers.js';
import { ocppConfig, startController, waitFor, type Controller } from '../helpers/process.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const peers = usePeers();

async function accepted(): Promise<{ s: TestCsms; c: Controller }> {
  const s = (peers.csms = await startCsms());
  const c = (peers.ctl = await startController(ocppConfig(s.url)));
  await s.waitFor('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Available');
  return { s, c };
}

describe('OCPP GetConfiguration / ChangeConfiguration', () => {
  it('GetConfiguration: every Core key without a key list; the asked keys plus unknownKey with one', async () => {
    const { s } = await accepted();
    const all = await s.call('GetConfiguration', {});
    const keys = new Map<string, { readonly: boolean; value: string }>(all.configurationKey.map((k: any) => [k.key, k]));
    for (const key of ['HeartbeatInterval', 'MeterValueSampleInterval', 'MeterValuesSampledData', 'TransactionMessageAttempts',
      'TransactionMessageRetryInterval', 'AuthorizeRemoteTxRequests', 'LocalAuthorizeOffline', 'StopTransactionOnEVSideDisconnect',
      'ConnectionTimeOut', 'SupportedFeatureProfiles', 'NumberOfConnectors', 'GetConfigurationMaxKeys', 'WebSocketPingInterval']) {
      expect(keys.has(key), key).toBe(true);
    }
    expect(keys.get('NumberOfConnectors')).toMatchObject({ readonly: true, value: '1' });
    expect(keys.get('HeartbeatInterval')).toMatchObject({ readonly: false, value: '300' }); // from BootNotification.conf
    expect(all.unknownKey ?? []).toEqual([]);

    const some = await s.call('GetConfiguration', { key: ['HeartbeatInterval', 'FooBarKey', 'NumberOfConnectors'] });
    expect(some.configurationKey).toEqual([
      { key: 'HeartbeatInterval', readonly: false, value: '300' },
      { key: 'NumberOfConnectors', readonly: true, value: '1' },
    ]);
    expect(some.unknownKey).toEqual(['FooBarKey']);
    expect(s.validationFailures).toEqual([]);
  }, 30_000);

  it('ChangeConfiguration: read-only Rejected, unknown NotSupported, bad value Rejected, HeartbeatInterval applied live and persisted', async () => {
    const { s, c } = await accepted();
    expect(await s.call('ChangeConfiguration', { key: 'NumberOfConnectors', value: '2' })).toEqual({ status: 'Rejected' });
    expect(await s.call('ChangeConfiguration', { key: 'FooBarKey', value: '1' })).toEqual({ status: 'NotSupported' });
    expect(await s.call('ChangeConfiguration', { key: 'HeartbeatInterval', value: 'often' })).toEqual({ status: 'Rejected' });
    expect(await s.call('ChangeConfiguration', { key: 'HeartbeatInterval', value: '-5' })).toEqual({ status: 'Rejected' });
    expect(await s.call('ChangeConfiguration', { key: 'MeterValuesSampledData', value: 'Power.Reactive.Import' })).toEqual({ status: 'Rejected' });
    expect((await s.call('GetConfiguration', { key: ['HeartbeatInterval'] })).configurationKey[0].value).toBe('300');
    expect(s.count('Heartbeat')).toBe(0);

    expect(await s.call('ChangeConfiguration', { key: 'HeartbeatInterval', value: '1' })).toEqual({ status: 'Accepted' });
    await waitFor('3 Heartbeats', async () => s.count('Heartbeat') >= 3, 8000);

    // Persisted: after a restart (the CSMS answers Pending, which carries no heartbeat interval) the value is still 1.
    await c.stop({ keep: true });
    s.on('BootNotification', () => ({ status: 'Pending', currentTime: new Date().toISOString(), interval: 30 }));
    const mark = s.received.length;
    peers.ctl = await startController(ocppConfig(s.url), { dir: c.dir });
    await s.waitFor('BootNotification', undefined, 10_000, mark);
    await sleep(200);
    const conf = await s.call('GetConfiguration', { key: ['HeartbeatInterval'] });
    expect(conf.configurationKey).toEqual([{ key: 'HeartbeatInterval', readonly: false, value: '1' }]);
    expect(s.validationFailures).toEqual([]);
  }, 40_000);

  it('MeterValueSampleInterval=1 set before a transaction: MeterValues every second with the transactionId and every sampled measurand', async () => {
    const { s, c } = await accepted();
    expect(await s.call('ChangeConfiguration', { key: 'MeterValueSampleInterval', value: '1' })).toEqual({ status: 'Accepted' });
    const txId = await charging(s, c);
    await waitFor('2 MeterValues', async () => s.count('MeterValues') >= 2, 8000);
    expectSampledMeasurands(s.since(0, 'MeterValues')[1]!.params, txId);
    expect(s.validationFailures).toEqual([]);
  }, 30_000);

  it('MeterValueSampleInterval=1 changed during a transaction: applied live (MeterValues within seconds, not after the old 60 s)', async () => {
    const { s, c } = await accepted();
    const txId = await charging(s, c);
    expect(await s.call('ChangeConfiguration', { key: 'MeterValueSampleInterval', value: '1' })).toEqual({ status: 'Accepted' });
    await waitFor('2 MeterValues', async () => s.count('MeterValues') >= 2, 8000);
    expectSampledMeasurands(s.since(0, 'MeterValues')[1]!.params, txId);
    expect(s.validationFailures).toEqual([]);
  }, 30_000);
});

/** Plug, tap, charge; resolves the CSMS transactionId. */
async function charging(s: TestCsms, c: Controller): Promise<number> {
  await c.post('/api/sim/connectors/1/plug');
  await c.post('/api/sim/rfid', { uid: '04A1B2C3' });
  await s.waitFor('StartTransaction');
  await c.post('/api/sim/connectors/1/ev', { request: 'charge' });
  await s.waitFor('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Charging');
  return waitFor('the CSMS transactionId', async () => (await c.get('/api/status')).body.connectors[0].transaction?.ocppTransactionId as number);
}

/** The default MeterValuesSampledData: energy, power, current and voltage per phase, offered current, temperature. */
function expectSampledMeasurands(mv: any, txId: number): void {
  expect(mv).toMatchObject({ connectorId: 1, transactionId: txId });
  const sampled = mv.meterValue[0].sampledValue as Array<Record<string, string>>;
  const of = (measurand: string) => sampled.filter((v) => (v.measurand ?? 'Energy.Active.Import.Register') === measurand);
  expect(of('Energy.Active.Import.Register')).toMatchObject([{ unit: 'Wh', context: 'Sample.Periodic' }]);
  expect(of('Power.Active.Import')).toMatchObject([{ unit: 'W' }]);
  expect(Number(of('Power.Active.Import')[0]!.value)).toBeGreaterThan(0);
  expect(of('Current.Import').map((v) => v.phase).sort()).toEqual(['L1', 'L2', 'L3']);
  expect(of('Voltage').map((v) => v.phase).sort()).toEqual(['L1-N', 'L2-N', 'L3-N']);
  expect(of('Current.Offered')).toMatchObject([{ unit: 'A', value: '16.0' }]);
  expect(of('Temperature')).toHaveLength(1);
}

describe('OCPP ClearCache, DataTransfer, TriggerMessage, unknown actions', () => {
  it('ClearCache Accepted; DataTransfer UnknownVendorId', async () => {
    const { s } = await accepted();
    expect(await s.call('ClearCache', {})).toEqual({ status: 'Accepted' });
    expect(await s.call('DataTransfer', { vendorId: 'com.example', messageId: 'x', data: 'y' })).toEqual({ status: 'UnknownVendorId' });
    expect(s.validationFailures).toEqual([]);
  }, 30_000);

  it('TriggerMessage: each requested message is Accepted and sent; connector 5 Rejected', async () => {
    const { s } = await accepted();
    const cases: Array<[string, number | undefined, string, (p: any) => boolean]> = [
      ['BootNotification', undefined, 'BootNotification', () => true],
      ['DiagnosticsStatusNotification', undefined, 'DiagnosticsStatusNotification', (p) => p.status === 'Idle'],
      ['FirmwareStatusNotification', undefined, 'FirmwareStatusNotification', (p) => p.status === 'Idle'],
      ['Heartbeat', undefined, 'Heartbeat', () => true],
      ['MeterValues', 1, 'MeterValues', (p) => p.connectorId === 1 && p.meterValue[0].sampledValue[0].context === 'Trigger'],
      ['StatusNotification', 1, 'StatusNotification', (p) => p.connectorId === 1 && p.status === 'Available'],
      ['StatusNotification', undefined, 'StatusNotification', (p) => p.connectorId === 0],
    ];
    for (const [requestedMessage, connectorId, action, check] of cases) {
      const mark = s.received.length;
      const req = connectorId === undefined ? { requestedMessage } : { requestedMessage, connectorId };
      expect(await s.call('TriggerMessage', req), requestedMessage).toEqual({ status: 'Accepted' });
      await s.waitFor(action, check, 5000, mark);
    }
    expect(await s.call('TriggerMessage', { requestedMessage: 'StatusNotification', connectorId: 5 })).toEqual({ status: 'Rejected' });
    expect(await s.call('TriggerMessage', { requestedMessage: 'MeterValues', connectorId: 5 })).toEqual({ status: 'Rejected' });
    expect(s.validationFailures).toEqual([]);
  }, 30_000);

  it('an action the charge point does not know ("FooBar"): CALLERROR NotImplemented', async () => {
    const { s } = await accepted();
    const mark = s.frames.length;
    s.client!.sendRaw(JSON.stringify([2, 'foo-1', 'FooBar', {}]));
    const reply = await s.waitForFrame((f) => !f.outbound && f.message.includes('"foo-1"'), 5000, mark);
    const [type, id, code] = JSON.parse(reply.message) as unknown[];
    expect([type, id]).toEqual([4, 'foo-1']);
    expect(code).toBe('NotImplemented');
    expect(s.validationFailures).toEqual([]);
  }, 30_000);

  it('a CSMS-initiated call the CSMS is not allowed to make ("Heartbeat"): CALLERROR NotImplemented or NotSupported', async () => {
    const { s } = await accepted();
    const mark = s.frames.length;
    s.client!.sendRaw(JSON.stringify([2, 'hb-1', 'Heartbeat', {}]));
    const reply = await s.waitForFrame((f) => !f.outbound && f.message.includes('"hb-1"'), 5000, mark);
    const [type, id, code] = JSON.parse(reply.message) as unknown[];
    expect([type, id]).toEqual([4, 'hb-1']);
    expect(['NotImplemented', 'NotSupported']).toContain(code);
    expect(s.validationFailures).toEqual([]);
  }, 30_000);

  it('OCPP 1.6 actions of feature profiles this charge point does not support: CALLERROR NotSupported (recognized, not supported)', async () => {
    const { s } = await accepted();
    const profiles = (await s.call('GetConfiguration', { key: ['SupportedFeatureProfiles'] })).configurationKey[0].value as string;
    expect(profiles.split(',')).toContain('SmartCharging');
    expect(profiles.split(',')).not.toContain('FirmwareManagement');
    const calls: Array<[string, unknown]> = [
      ['GetDiagnostics', { location: 'ftp://127.0.0.1/diag' }],
      ['UpdateFirmware', { location: 'ftp://127.0.0.1/fw.bin', retrieveDate: '2030-01-01T00:00:00.000Z' }],
    ];
    for (const [action, params] of calls) {
      await expect(s.call(action, params, { callTimeoutMs: 5000 }), action).rejects.toMatchObject({ rpcErrorCode: 'NotSupported' });
    }
    expect(s.validationFailures).toEqual([]);
  }, 30_000);
});
