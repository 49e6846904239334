// CSV export (RFC 4180) of sessions and the session-history query rules (src/sessions/csv.ts, query.ts).

import { describe, expect, it } from 'vitest';
import { csvField, sessionsCsv } from '../../../../src/sessions/csv.js';
import { CSV_LIMIT, JSON_LIMIT, parseInstant, parseSessionQuery } from '../../../../src/sessions/query.js';
import { SESSION_FIELDS, type SessionRecord } from '../../../../src/store/sessions.js';

const base: SessionRecord = {
  id: 1, transactionId: null, connectorId: 1, idTag: 'A', parentIdTag: null, startedAt: '2026-01-01T12:00:00.000Z',
  stoppedAt: '2026-01-01T13:30:00.000Z', meterStartWh: 1000, meterStopWh: 13_345, energyWh: 12_345, durationS: 5400,
  stopReason: 'Local', cost: 6.5, currency: 'EUR', reservationId: null,
};

/** A strict RFC 4180 reader (CRLF records, quoted fields with doubled quotes), to read the export back. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let i = 0;
  while (i < text.length) {
    let value = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) throw new Error('unterminated quote');
        value += text.slice(i, q);
        i = q + 1;
        if (text[i] !== '"') break;
        value += '"';
        i++;
      }
    } else {
      const m = /^[^,\r\n"]*/.exec(text.slice(i))![0];
      value = m;
      i += m.length;
    }
    record.push(value);
    if (text[i] === ',') i++;
    else if (text.startsWith('\r\n', i)) {
      records.push(record);
      record = [];
      i += 2;
    } else throw new Error(`unexpected ${JSON.stringify(text[i])} at ${i}`);
  }
  return records;
}

describe('CSV export', () => {
  it('GIVEN odd idTags (comma, quote, CR/LF, spaces) WHEN exported THEN fields are quoted with doubled quotes and read back unchanged', () => {
    const tags = ['PLAIN', 'A,B', 'say "hi"', 'line\r\nbreak', ' padded ', '=1+2', '"', ','];
    const sessions = tags.map((idTag, i) => ({ ...base, id: i + 1, idTag }));
    const csv = sessionsCsv(sessions);
    expect(csv.split('\r\n')[0]).toBe(SESSION_FIELDS.join(','));
    expect(csv).toContain('\r\n2,,1,"A,B",,');
    expect(csv).toContain(',"say ""hi""",');
    expect(csv).toContain(',"""",');
    const records = parseCsv(csv);
    expect(records).toHaveLength(tags.length + 1);
    expect(records.slice(1).map((r) => r[SESSION_FIELDS.indexOf('idTag')])).toEqual(tags);
    expect(records.every((r) => r.length === SESSION_FIELDS.length)).toBe(true);
  });

  it('GIVEN a running session without cost WHEN exported THEN null fields are empty and numbers printed plainly', () => {
    const running: SessionRecord = { ...base, id: 9, stoppedAt: null, meterStopWh: null, durationS: null, stopReason: null, cost: null, currency: null, energyWh: 250.5 };
    expect(sessionsCsv([running])).toBe(`${SESSION_FIELDS.join(',')}\r\n9,,1,A,,2026-01-01T12:00:00.000Z,,1000,,250.5,,,,,\r\n`);
    expect(sessionsCsv([])).toBe(`${SESSION_FIELDS.join(',')}\r\n`);
    expect(csvField(null)).toBe('');
    expect(csvField(6.5)).toBe('6.5');
  });
});

describe('session query', () => {
  const q = (s: string) => parseSessionQuery(new URLSearchParams(s), JSON_LIMIT);

  it('GIVEN dates and date-times with zones WHEN parsed THEN canonical UTC; invalid calendar dates, missing zones and garbage are refused', () => {
    expect(parseInstant('2026-05-01')).toBe('2026-05-01T00:00:00.000Z');
    expect(parseInstant('2026-05-01T08:00:00Z')).toBe('2026-05-01T08:00:00.000Z');
    expect(parseInstant('2026-05-01T08:00+02:00')).toBe('2026-05-01T06:00:00.000Z');
    expect(parseInstant('2026-05-01T08:00:00.123456-0130')).toBe('2026-05-01T09:30:00.123Z');
    expect(parseInstant('2026-05-01T08:00 02:00')).toBe('2026-05-01T06:00:00.000Z'); // unencoded "+" in a URL
    for (const bad of ['2026-02-30', '2026-13-01', '2026-05-01T08:00', '2026-05-01T24:00Z', '1714550400', 'yesterday', '']) {
      expect(parseInstant(bad), bad).toBeNull();
    }
  });

  it('GIVEN no parameters WHEN parsed THEN the default page; empty values count as not given', () => {
    expect(q('')).toEqual({ ok: true, page: { limit: JSON_LIMIT.default, offset: 0 } });
    expect(q('idTag=&from=&to=')).toEqual({ ok: true, page: { limit: JSON_LIMIT.default, offset: 0 } });
    expect(parseSessionQuery(new URLSearchParams(''), CSV_LIMIT)).toEqual({ ok: true, page: { limit: CSV_LIMIT.default, offset: 0 } });
    expect(q('idTag=abc&from=2026-01-01&to=2026-02-01&limit=5&offset=10')).toEqual({
      ok: true,
      page: { idTag: 'abc', from: '2026-01-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z', limit: 5, offset: 10 },
    });
  });

  it('GIVEN bad values WHEN parsed THEN the problem names the field', () => {
    const field = (s: string) => {
      const r = q(s);
      return r.ok ? null : r.field;
    };
    expect(field('from=tomorrow')).toBe('from');
    expect(field('to=2026-02-30')).toBe('to');
    expect(field('from=2026-02-01&to=2026-02-01')).toBe('to');
    expect(field('limit=0')).toBe('limit');
    expect(field(`limit=${JSON_LIMIT.max + 1}`)).toBe('limit');
    expect(field('limit=2.5')).toBe('limit');
    expect(field('offset=-1')).toBe('offset');
    expect(field('idTag=123456789012345678901')).toBe('idTag');
    expect(field('idtag=abc')).toBe('idtag');
    expect(field('limit=1&limit=2')).toBe('limit');
  });
});
