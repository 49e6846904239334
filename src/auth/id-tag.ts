// Card UIDs and idTags: turning raw RFID UID bytes into the OCPP idTag, and checking idTags.
// OCPP 1.6 idTag is CiString20; REFERENCE.md 6 / OCPP 3.9: hex of the UID bytes, byte 0 first.
// Must not: decide who may charge (authorizers do).

/** ISO/IEC 14443-3 UIDs are single (4), double (7) or triple (10) size. */
const UID_SIZES = new Set([4, 7, 10]);

export type UidResult = { ok: true; idTag: string } | { ok: false; error: string };

export function uidToIdTag(uid: Uint8Array): UidResult {
  if (!UID_SIZES.has(uid.length)) {
    return { ok: false, error: `card UID has ${uid.length} bytes; expected 4, 7 or 10` };
  }
  if (uid[0] === 0x88) return { ok: false, error: 'card UID starts with cascade tag 0x88 (incomplete anticollision)' };
  if (uid.every((b) => b === 0) || uid.every((b) => b === 0xff)) {
    return { ok: false, error: 'card UID is all 0x00 or all 0xFF (read error)' };
  }
  return { ok: true, idTag: Buffer.from(uid).toString('hex').toUpperCase() };
}

/** Parses a UID written as hex (e.g. "04A1B2C3", "04:a1:b2:c3") into bytes, or an error message. */
export function parseUidHex(text: string): { ok: true; uid: Uint8Array } | { ok: false; error: string } {
  const hex = text.replace(/[:\s-]/g, '');
  if (!/^[0-9a-fA-F]*$/.test(hex) || hex.length === 0 || hex.length % 2 !== 0) {
    return { ok: false, error: 'uid must be hex digits, two per byte (e.g. "04A1B2C3")' };
  }
  return { ok: true, uid: Uint8Array.from(Buffer.from(hex, 'hex')) };
}

/** idTag normal form for comparisons: OCPP CiString is case-insensitive. */
export function normalizeIdTag(idTag: string): string {
  return idTag.trim().toUpperCase();
}
