import { describe, expect, it } from 'vitest';
import { normalizeIdTag, parseUidHex, uidToIdTag } from '../../../../src/auth/id-tag.js';
import { StandaloneAuthorizer } from '../../../../src/auth/standalone.js';

describe('card UID -> idTag', () => {
  it('GIVEN 4, 7 or 10 UID bytes THEN the idTag is their upper-case hex, byte 0 first', () => {
    expect(uidToIdTag(Uint8Array.from([0x04, 0xa1, 0xb2, 0xc3]))).toEqual({ ok: true, idTag: '04A1B2C3' });
    expect(uidToIdTag(Uint8Array.from([4, 1, 2, 3, 4, 5, 6]))).toEqual({ ok: true, idTag: '04010203040506' });
    expect(uidToIdTag(new Uint8Array(10).fill(0x11))).toEqual({ ok: true, idTag: '11'.repeat(10) });
  });

  it.each([
    ['empty', [], /0 bytes; expected 4, 7 or 10/],
    ['5 bytes', [1, 2, 3, 4, 5], /5 bytes/],
    ['11 bytes', Array(11).fill(1), /11 bytes/],
    ['cascade tag', [0x88, 1, 2, 3], /cascade tag 0x88/],
    ['all zero', [0, 0, 0, 0], /all 0x00 or all 0xFF/],
    ['all FF', [255, 255, 255, 255], /all 0x00 or all 0xFF/],
  ])('GIVEN an odd UID (%s) THEN it is refused with a specific reason', (_name, bytes, reason) => {
    const r = uidToIdTag(Uint8Array.from(bytes as number[]));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(reason);
  });

  it('parses hex UIDs with separators and rejects non-hex or odd lengths', () => {
    const r = parseUidHex('04:a1:b2:c3');
    expect(r.ok && Buffer.from(r.uid).toString('hex')).toBe('04a1b2c3');
    expect(parseUidHex('XYZ').ok).toBe(false);
    expect(parseUidHex('ABC').ok).toBe(false);
    expect(parseUidHex('').ok).toBe(false);
    expect(normalizeIdTag(' 04a1b2c3 ')).toBe('04A1B2C3');
  });
});

describe('standalone authorization', () => {
  it('GIVEN an allow-list THEN listed tags (any case) are accepted and others refused with a reason', () => {
    const auth = new StandaloneAuthorizer({ mode: 'allow-list', allowList: ['04a1b2c3'], freeVendIdTag: 'FREE' });
    expect(auth.authorize('04A1B2C3')).toEqual({ accepted: true, idTag: '04A1B2C3' });
    const refused = auth.authorize('DEADBEEF');
    expect(refused.accepted).toBe(false);
    if (!refused.accepted) expect(refused.reason).toMatch(/allow-list/);
  });

  it('GIVEN free vend THEN every tag is accepted', () => {
    const auth = new StandaloneAuthorizer({ mode: 'free-vend', allowList: [], freeVendIdTag: 'FREE' });
    expect(auth.freeVend).toBe(true);
    expect(auth.authorize('DEADBEEF').accepted).toBe(true);
  });
});
