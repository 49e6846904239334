// Unit tests for the `evse status` text: realistic /api/status payloads (charging, idle, faulted)
// rendered with a fixed "now" and time zone so the output is exact.

import { describe, expect, it } from 'vitest';
import {
  formatConnector,
  formatCurrent,
  formatFault,
  formatHeader,
  formatKWh,
  formatPower,
  formatSite,
  formatStartTime,
  formatStatus,
  formatWh,
  type ConnectorStatus,
  type StatusResponse,
} from '../../../../src/cli/format.js';

const options = { now: new Date('2025-03-14T15:00:00Z'), timeZone: 'UTC' };

const charging: ConnectorStatus = {
  id: 1,
  pilot: 'C',
  status: 'Charging',
  errorCode: 'NoError',
  contactorClosed: true,
  offeredCurrentA: 32,
  transaction: { id: 1, ocppTransactionId: 4711, idTag: '04A1B2C3', startedAt: '2025-03-14T12:03:10.412Z', energyWh: 1234 },
  energyWh: 4567.8,
  powerW: 21012,
  temperatureC: 31,
  faults: [],
};

const idle: ConnectorStatus = {
  id: 2,
  pilot: 'A',
  status: 'Available',
  errorCode: 'NoError',
  contactorClosed: false,
  offeredCurrentA: 0,
  transaction: null,
  energyWh: 1_250_000,
  powerW: 0,
  temperatureC: 25,
  faults: [],
};

const faulted: ConnectorStatus = {
  id: 1,
  pilot: 'F',
  status: 'Faulted',
  errorCode: 'GroundFailure',
  contactorClosed: false,
  offeredCurrentA: 0,
  transaction: null,
  energyWh: 4567.8,
  powerW: 0,
  temperatureC: null,
  faults: [
    { name: 'rcd', blocking: true, errorCode: 'GroundFailure', info: '' },
    { name: 'meter-offline', blocking: false, errorCode: 'PowerMeterFailure', info: 'no Modbus reply' },
  ],
};

function status(connectors: ConnectorStatus[], connected = true): StatusResponse {
  return {
    chargePointId: 'CP-PI-001',
    ocpp: { connected, registration: connected ? 'Accepted' : 'Pending' },
    connectors,
  };
}

describe('formatStatus', () => {
  it('GIVEN a charging and an idle connector WHEN formatted THEN shows a header and one block each', () => {
    expect(formatStatus(status([charging, idle]), options)).toBe(
      [
        'Chargepoint CP-PI-001  OCPP connected (registration Accepted)',
        '',
        'Connector 1  Charging  (pilot C, contactor closed, offering 32 A)',
        '  session 1 by 04A1B2C3 since 12:03:10, 1.23 kWh',
        '  meter 4,567.8 Wh, 21.0 kW',
        '',
        'Connector 2  Available  (pilot A, contactor open, no current offered)',
        '  no session',
        '  meter 1,250,000.0 Wh, 0 W',
      ].join('\n'),
    );
  });

  it('GIVEN a faulted connector and OCPP offline WHEN formatted THEN shows the error code and every fault', () => {
    expect(formatStatus(status([faulted], false), options)).toBe(
      [
        'Chargepoint CP-PI-001  OCPP disconnected (registration Pending)',
        '',
        'Connector 1  Faulted: GroundFailure  (pilot F, contactor open, no current offered)',
        '  no session',
        '  meter 4,567.8 Wh, 0 W',
        '  faults: rcd (blocking, GroundFailure); meter-offline (non-blocking, PowerMeterFailure: no Modbus reply)',
      ].join('\n'),
    );
  });

  it('GIVEN no connectors WHEN formatted THEN says so instead of printing nothing', () => {
    expect(formatStatus(status([]), options)).toBe(
      'Chargepoint CP-PI-001  OCPP connected (registration Accepted)\n\nNo connectors configured',
    );
  });
});

describe('formatConnector', () => {
  it('GIVEN a suspended EV at a fractional current WHEN formatted THEN shows one decimal and small power in W', () => {
    const suspended: ConnectorStatus = { ...charging, status: 'SuspendedEV', offeredCurrentA: 6.5, powerW: 12 };
    expect(formatConnector(suspended, options)).toEqual([
      'Connector 1  SuspendedEV  (pilot C, contactor closed, offering 6.5 A)',
      '  session 1 by 04A1B2C3 since 12:03:10, 1.23 kWh',
      '  meter 4,567.8 Wh, 12 W',
    ]);
  });
});

describe('limits and the site', () => {
  it('GIVEN a limit set by site load balancing and a site section WHEN formatted THEN both are named in words', () => {
    const limited: ConnectorStatus = { ...charging, offeredCurrentA: 9.5, limit: { amps: 9.5, source: 'site', constraints: { site: 9.5, 'connector-max': 16 } } };
    expect(formatConnector(limited, options)[3]).toBe('  limit 9.5 A set by site load balancing');
    expect(formatSite({ limitA: 20, budgetA: 9, houseA: 10, meterStale: false })).toBe('Site limit 20 A per phase: chargers may use 9 A (house 10 A)');
    expect(formatSite({ limitA: 20, budgetA: 0, houseA: 3, meterStale: true })).toBe('Site limit 20 A per phase: chargers may use 0 A (grid meter not answering: fallback budget)');
    const text = formatStatus({ ...status([limited]), site: { limitA: 20, budgetA: 19, houseA: null, meterStale: false } }, options);
    expect(text.split('\n').slice(0, 3)).toEqual([
      'Chargepoint CP-PI-001  OCPP connected (registration Accepted)',
      'Site limit 20 A per phase: chargers may use 19 A',
      '',
    ]);
  });
});

describe('formatHeader and formatFault', () => {
  it('GIVEN header and fault inputs WHEN formatted THEN matches the documented wording', () => {
    expect(formatHeader(status([]))).toBe('Chargepoint CP-PI-001  OCPP connected (registration Accepted)');
    expect(formatFault({ name: 'rcd', blocking: true, errorCode: 'GroundFailure', info: '' })).toBe(
      'rcd (blocking, GroundFailure)',
    );
  });
});

describe('number formatting', () => {
  it('GIVEN energies, powers and currents WHEN formatted THEN uses sensible units and decimals', () => {
    expect(formatKWh(1234)).toBe('1.23 kWh');
    expect(formatKWh(0)).toBe('0.00 kWh');
    expect(formatKWh(1_234_567)).toBe('1,234.57 kWh');
    expect(formatWh(4567.83)).toBe('4,567.8 Wh');
    expect(formatPower(21012)).toBe('21.0 kW');
    expect(formatPower(7360)).toBe('7.4 kW');
    expect(formatPower(999.6)).toBe('1.0 kW');
    expect(formatPower(850)).toBe('850 W');
    expect(formatPower(0)).toBe('0 W');
    expect(formatCurrent(16)).toBe('16 A');
  });
});

describe('formatStartTime', () => {
  it('GIVEN a start on the same day WHEN formatted THEN shows only the time', () => {
    expect(formatStartTime('2025-03-14T00:00:05Z', options)).toBe('00:00:05');
  });

  it('GIVEN a start on an earlier day WHEN formatted THEN prefixes the date', () => {
    expect(formatStartTime('2025-03-13T23:59:59Z', options)).toBe('2025-03-13 23:59:59');
  });

  it('GIVEN another time zone WHEN formatted THEN shows local wall-clock time and day', () => {
    const berlin = { ...options, timeZone: 'Europe/Berlin' };
    expect(formatStartTime('2025-03-14T12:03:10Z', berlin)).toBe('13:03:10');
  });

  it('GIVEN an unparseable timestamp WHEN formatted THEN shows it unchanged', () => {
    expect(formatStartTime('soon', options)).toBe('soon');
  });
});
