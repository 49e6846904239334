// GIVEN the real controller process (simulated HAL, one 16 A connector), accepted by a strict CSMS on loopback
// WHEN the CSMS installs, clears and queries charging profiles (OCPP 1.6 sections 3.13, 5.5, 5.7, 5.11, 5.16)
// THEN the answers follow the rules, the offered current follows the composite limit (below 6 A: SuspendedEVSE),
// the status API names the constraint, TxProfiles end with their transaction and profiles survive a restart.

import { describe, expect, it } from 'vitest';
import { startCsms, type TestCsms } from '../helpers/csms.js';
import { usePeers } from '../helpers/peers.js';
import { ocppConfig, startController, waitFor, type Controller } from '../helpers/process.js';

const peers = usePeers();

type Period = { startPeriod: number; limit: number; numberPhases?: number };
const profile = (id: number, purpose: string, periods: Period[], extra: Record<string, unknown> = {}, unit = 'A') => ({
  chargingProfileId: id,
  stackLevel: 0,
  chargingProfilePurpose: purpose,
  chargingProfileKind: 'Relative',
  chargingSchedule: { chargingRateUnit: unit, chargingSchedulePeriod: periods },
  ...extra,
});

async function accepted(dir?: string): Promise<{ s: TestCsms; c: Controller }> {
  const s = (peers.csms ??= await startCsms());
  const from = s.received.length;
  const c = (peers.ctl = await startController(ocppConfig(s.url), dir ? { dir } : {}));
  await s.waitFor('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Available', 10_000, from);
  return { s, c };
}

/** A card session charging on connector 1; resolves the CSMS transactionId. */
async function charging(s: TestCsms, c: Controller): Promise<number> {
  await c.post('/api/sim/connectors/1/plug');
  await c.post('/api/sim/rfid', { uid: '04A1B2C3' });
  await c.post('/api/sim/connectors/1/ev', { request: 'charge' });
  await s.waitFor('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Charging');
  return waitFor('the CSMS transactionId', async () => (await c.get('/api/status')).body.connectors[0].transaction?.ocppTransactionId as number);
}

const limitOf = async (c: Controller) => (await c.get('/api/status')).body.connectors[0].limit as { amps: number; source: string };
const offered = async (c: Controller) => (await c.get('/api/status')).body.connectors[0].offeredCurrentA as number;

describe('OCPP Smart Charging', () => {
  it('TxDefaultProfile on connector 0 caps the session; a TxProfile overrides it until the transaction ends', async () => {
    const { s, c } = await accepted();
    expect(await s.call('SetChargingProfile', { connectorId: 1, csChargingProfiles: profile(1, 'TxProfile', [{ startPeriod: 0, limit: 8 }]) })).toEqual({ status: 'Rejected' });
    expect(await s.call('SetChargingProfile', { connectorId: 0, csChargingProfiles: profile(2, 'TxDefaultProfile', [{ startPeriod: 0, limit: 10 }]) })).toEqual({ status: 'Accepted' });
    const txId = await charging(s, c);
    await waitFor('offer 10 A', async () => (await offered(c)) === 10);
    expect(await limitOf(c)).toMatchObject({ amps: 10, source: 'tx-default-profile' });

    expect(await s.call('SetChargingProfile', { connectorId: 1, csChargingProfiles: profile(3, 'TxProfile', [{ startPeriod: 0, limit: 8 }], { transactionId: txId + 1 }) })).toEqual({ status: 'Rejected' });
    expect(await s.call('SetChargingProfile', { connectorId: 1, csChargingProfiles: profile(3, 'TxProfile', [{ startPeriod: 0, limit: 8 }], { transactionId: txId }) })).toEqual({ status: 'Accepted' });
    await waitFor('offer 8 A (after the 5 s PWM hold)', async () => (await offered(c)) === 8, 15_000);
    expect(await limitOf(c)).toMatchObject({ amps: 8, source: 'tx-profile' });
    const during = await s.call('GetCompositeSchedule', { connectorId: 1, duration: 600 });
    expect(during).toMatchObject({ status: 'Accepted', connectorId: 1, chargingSchedule: { chargingRateUnit: 'A', duration: 600, chargingSchedulePeriod: [{ startPeriod: 0, limit: 8 }] } });

    await c.post('/api/sim/connectors/1/unplug');
    await s.waitFor('StopTransaction');
    const after = await s.call('GetCompositeSchedule', { connectorId: 1, duration: 600 });
    expect(after.chargingSchedule.chargingSchedulePeriod).toEqual([{ startPeriod: 0, limit: 10 }]); // TxProfile gone with its transaction
    expect(await s.call('ClearChargingProfile', { id: 3 })).toEqual({ status: 'Unknown' });
    expect(s.validationFailures).toEqual([]);
  }, 60_000);

  it('a limit below 6 A suspends charging (SuspendedEVSE) and charging resumes when the profile is cleared', async () => {
    const { s, c } = await accepted();
    await charging(s, c);
    const from = s.received.length;
    expect(await s.call('SetChargingProfile', { connectorId: 1, csChargingProfiles: profile(5, 'TxProfile', [{ startPeriod: 0, limit: 4 }]) })).toEqual({ status: 'Accepted' });
    await s.waitFor('StatusNotification', (p) => p.connectorId === 1 && p.status === 'SuspendedEVSE', 15_000, from);
    expect(await limitOf(c)).toMatchObject({ amps: 4, source: 'tx-profile' });
    expect(await s.call('ClearChargingProfile', { chargingProfilePurpose: 'TxProfile' })).toEqual({ status: 'Accepted' });
    await s.waitFor('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Charging', 15_000, from);
    expect(await limitOf(c)).toMatchObject({ amps: 16, source: 'connector-max' });
    expect(s.validationFailures).toEqual([]);
  }, 60_000);

  it('ChargePointMaxProfile only on connector 0, in W converted per phase; rule breaks are Rejected', async () => {
    const { s, c } = await accepted();
    const base = profile(7, 'ChargePointMaxProfile', [{ startPeriod: 0, limit: 8280 }], {}, 'W');
    const absolute = { ...base, chargingProfileKind: 'Absolute', chargingSchedule: { ...base.chargingSchedule, startSchedule: '2020-01-01T00:00:00.000Z' } };
    const cpMax = (connectorId: number, extra: Record<string, unknown> = {}) =>
      s.call('SetChargingProfile', { connectorId, csChargingProfiles: { ...absolute, ...extra } });
    expect(await cpMax(1)).toEqual({ status: 'Rejected' });
    expect(await cpMax(0, { stackLevel: 11 })).toEqual({ status: 'Rejected' }); // ChargeProfileMaxStackLevel 10
    expect(await cpMax(0)).toEqual({ status: 'Accepted' });
    // 8280 W / (230 V x 3 phases) = 12 A per phase
    await waitFor('limit 12 A', async () => (await limitOf(c))?.amps === 12);
    expect(await limitOf(c)).toMatchObject({ amps: 12, source: 'charge-point-max' });
    const inW = await s.call('GetCompositeSchedule', { connectorId: 0, duration: 60, chargingRateUnit: 'W' });
    expect(inW.chargingSchedule).toMatchObject({ chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 8280 }] });
    expect(await s.call('GetCompositeSchedule', { connectorId: 2, duration: 60 })).toEqual({ status: 'Rejected' });
    expect(await s.call('ClearChargingProfile', { id: 7 })).toEqual({ status: 'Accepted' });
    await waitFor('limit back to 16 A', async () => (await limitOf(c))?.amps === 16);
    expect(s.validationFailures).toEqual([]);
  }, 60_000);

  it('a period boundary changes the offered current on time; profiles survive a restart', async () => {
    const { s, c } = await accepted();
    await charging(s, c);
    // Relative to the transaction start: 16 A now, 7 A from 20 s into the session.
    const p = profile(9, 'TxDefaultProfile', [{ startPeriod: 0, limit: 16 }, { startPeriod: 20, limit: 7 }]);
    expect(await s.call('SetChargingProfile', { connectorId: 1, csChargingProfiles: p })).toEqual({ status: 'Accepted' });
    await waitFor('offer 7 A after the boundary', async () => (await offered(c)) === 7, 30_000);
    expect(await limitOf(c)).toMatchObject({ amps: 7, source: 'tx-default-profile' });
    expect(await s.call('SetChargingProfile', { connectorId: 1, csChargingProfiles: profile(10, 'TxProfile', [{ startPeriod: 0, limit: 6 }]) })).toEqual({ status: 'Accepted' });

    const dir = c.dir;
    await c.stop({ keep: true });
    const again = await accepted(dir);
    const composite = await s.call('GetCompositeSchedule', { connectorId: 1, duration: 60 });
    // No transaction after the restart: the Relative profile starts now.
    expect(composite.chargingSchedule.chargingSchedulePeriod).toEqual([{ startPeriod: 0, limit: 16 }, { startPeriod: 20, limit: 7 }]);
    // The TxProfile ended with its transaction (stopped at the restart): it must not limit the next session.
    expect(await s.call('ClearChargingProfile', { id: 10 })).toEqual({ status: 'Unknown' });
    expect(await s.call('ClearChargingProfile', { id: 9 })).toEqual({ status: 'Accepted' });
    expect(again.s.validationFailures).toEqual([]);
  }, 90_000);

  it('RemoteStartTransaction with a TxProfile: Accepted and applied to that session; other purposes Rejected', async () => {
    const { s, c } = await accepted();
    await c.post('/api/sim/connectors/1/plug');
    expect(await s.call('RemoteStartTransaction', { connectorId: 1, idTag: 'REMOTE-01', chargingProfile: profile(11, 'TxDefaultProfile', [{ startPeriod: 0, limit: 9 }]) })).toEqual({ status: 'Rejected' });
    expect(await s.call('RemoteStartTransaction', { connectorId: 1, idTag: 'REMOTE-01', chargingProfile: profile(12, 'TxProfile', [{ startPeriod: 0, limit: 9 }]) })).toEqual({ status: 'Accepted' });
    await s.waitFor('StartTransaction');
    await c.post('/api/sim/connectors/1/ev', { request: 'charge' });
    await waitFor('offer 9 A', async () => (await offered(c)) === 9, 15_000);
    expect(await limitOf(c)).toMatchObject({ amps: 9, source: 'tx-profile' });
    expect(s.validationFailures).toEqual([]);
  }, 60_000);
});
