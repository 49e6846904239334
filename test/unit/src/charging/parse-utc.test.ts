// GIVEN OCPP date-times with and without a zone WHEN parsed on a charge point whose local time is not UTC
// THEN a date without a zone is UTC (not local time), so a schedule means the same on every charge point.

import { afterEach, describe, expect, it } from 'vitest';
import { parseUtc } from '../../../../src/charging/schedule.js';

const savedTz = process.env.TZ;
afterEach(() => {
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

describe('parseUtc', () => {
  it.each([
    ['2024-01-01T06:00:00', '2024-01-01T06:00:00.000Z'],
    ['2024-01-01T06:00:00.250', '2024-01-01T06:00:00.250Z'],
    ['2024-01-01T06:00:00Z', '2024-01-01T06:00:00.000Z'],
    ['2024-01-01T06:00:00+02:00', '2024-01-01T04:00:00.000Z'],
    ['2024-07-01T06:00:00-0500', '2024-07-01T11:00:00.000Z'],
  ])('GIVEN local time Europe/Berlin WHEN %s is parsed THEN it is %s', (text, iso) => {
    process.env.TZ = 'Europe/Berlin';
    expect(new Date(parseUtc(text)).toISOString()).toBe(iso);
  });

  it('GIVEN something that is not a date THEN NaN (checkProfile refuses it)', () => {
    expect(parseUtc('yesterday')).toBeNaN();
  });
});
