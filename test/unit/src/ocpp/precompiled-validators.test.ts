// GIVEN the OCPP 1.6 validators precompiled at build time (dist/ocpp16-validators.cjs) and ocpp-rpc's own
// Ajv validator over the same schemas, WHEN both check the same valid and invalid payloads, THEN they
// agree on every verdict and on the OCPP-J error code of every rejection.

import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ocpp16Validator } from '../../../../src/ocpp/rpc.js';

const require = createRequire(import.meta.url);
const { createValidator } = require('ocpp-rpc') as { createValidator: (p: string, json: unknown) => { validate(id: string, p: unknown): boolean } };
const reference = createValidator('ocpp1.6', require('ocpp-rpc/lib/schemas/ocpp1_6.json'));

const now = '2026-12-04T10:00:00.000Z';
const cases: [string, unknown][] = [
  ['urn:BootNotification.req', { chargePointVendor: 'Acme', chargePointModel: 'Box' }],
  ['urn:BootNotification.req', { chargePointVendor: 'Acme' }],
  ['urn:BootNotification.req', { chargePointVendor: 'A'.repeat(21), chargePointModel: 'Box' }],
  ['urn:BootNotification.req', { chargePointVendor: 'Acme', chargePointModel: 'Box', extra: 1 }],
  ['urn:BootNotification.req', { chargePointVendor: 7, chargePointModel: 'Box' }],
  ['urn:StatusNotification.req', { connectorId: 1, errorCode: 'NoError', status: 'Available', timestamp: now }],
  ['urn:StatusNotification.req', { connectorId: 1, errorCode: 'Nope', status: 'Available' }],
  ['urn:StartTransaction.req', { connectorId: 1, idTag: '04A1B2C3', meterStart: 10, timestamp: now }],
  ['urn:StartTransaction.req', { connectorId: 1, idTag: '04A1B2C3', meterStart: 10.5, timestamp: now }],
  ['urn:StartTransaction.req', { connectorId: 1, idTag: '04A1B2C3', meterStart: 10, timestamp: 'yesterday' }],
  ['urn:MeterValues.req', { connectorId: 1, meterValue: [] }],
  ['urn:MeterValues.req', { connectorId: 1, meterValue: [{ timestamp: now, sampledValue: [{ value: '1', measurand: 'Energy.Active.Import.Register' }] }] }],
  ['urn:MeterValues.req', { connectorId: 1, meterValue: [{ timestamp: now, sampledValue: [{ value: '1', measurand: 'Bogus' }] }] }],
  ['urn:SetChargingProfile.req', {
    connectorId: 1,
    csChargingProfiles: { chargingProfileId: 1, stackLevel: 0, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Absolute',
      chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16.15 }] } },
  }],
  ['urn:SetChargingProfile.req', {
    connectorId: 1,
    csChargingProfiles: { chargingProfileId: 1, stackLevel: 0, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Absolute',
      chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16.1 }] } },
  }],
  ['urn:Heartbeat.conf', { currentTime: now }],
  ['urn:Heartbeat.conf', {}],
  ['urn:Nope.req', {}],
];

function verdict(v: { validate(id: string, p: unknown): boolean }, id: string, payload: unknown): string {
  try {
    return v.validate(id, payload) ? 'valid' : 'invalid';
  } catch (err) {
    return `rejected ${(err as { rpcErrorCode?: string }).rpcErrorCode}`;
  }
}

describe('precompiled OCPP 1.6 validators', () => {
  it('exist after the build (npm test builds first)', () => {
    expect(existsSync(new URL('../../../../dist/ocpp16-validators.cjs', import.meta.url))).toBe(true);
  });

  it.each(cases)('agree with ocpp-rpc on %s %j', (id, payload) => {
    expect(verdict(ocpp16Validator(), id, payload)).toBe(verdict(reference, id, payload));
  });

  it('reject what they should (the corpus is not all valid)', () => {
    const rejected = cases.filter(([id, p]) => verdict(ocpp16Validator(), id, p) !== 'valid');
    expect(rejected.length).toBeGreaterThanOrEqual(9);
  });
});
