// Card UIDs and idTags: turning raw RFID UID bytes into the OCPP idTag, and checking idTags.
// OCPP 1.6 idTag is CiString20; REFERENCE.md 6 / OCPP 3.9: hex of the UID bytes, byte 0 first (the default
// format). Other formats exist for CSMSs whose cards were registered from readers that print them differently.
// Must not: decide who may charge (authorizers do).

/** ISO/IEC 14443-3 UIDs are single (4), double (7) or triple (10) size. */
const UID_SIZES = new Set([4, 7, 10]);

/** OCPP 1.6 idTag is a CiString20. */
const ID_TAG_MAX = 20;

/**
 * How UID bytes become the idTag (config `auth.uidFormat`). Allow-list entries (`auth.allowList`), the local
 * list and the CSMS all see the formatted idTag, so they must be written in the same format.
 *   hex               upper-case hex, byte 0 first (OCPP 1.6 3.9):        04 A1 B2 C3 -> "04A1B2C3"
 *   hex-reversed      upper-case hex, last byte first:                   04 A1 B2 C3 -> "C3B2A104"
 *   decimal           the bytes as one unsigned big-endian integer (byte 0 most significant), in decimal,
 *                     zero-padded to the width of the largest value of that UID size (4 bytes: 10 digits,
 *                     7 bytes: 17 digits):                                04 A1 B2 C3 -> "0077705923"
 *   decimal-reversed  the same, little-endian (byte 0 least significant): the "10-digit decimal" many
 *                     desktop/keyboard-wedge and Wiegand-style readers print for 4-byte UIDs:
 *                                                                         04 A1 B2 C3 -> "3283263748"
 * A 10-byte UID has up to 25 decimal digits, more than an idTag holds: the decimal formats refuse it.
 */
export const UID_FORMATS = ['hex', 'hex-reversed', 'decimal', 'decimal-reversed'] as const;
export type UidFormat = (typeof UID_FORMATS)[number];

export type UidResult = { ok: true; idTag: string } | { ok: false; error: string };

export function uidToIdTag(uid: Uint8Array, format: UidFormat = 'hex'): UidResult {
  const problem = uidProblem(uid);
  if (problem) return { ok: false, error: problem };
  const idTag = formatUid(uid, format);
  if (idTag.length > ID_TAG_MAX) {
    return { ok: false, error: `a ${uid.length}-byte UID is ${idTag.length} characters as ${format}; an idTag holds ${ID_TAG_MAX} (use uidFormat hex or hex-reversed)` };
  }
  return { ok: true, idTag };
}

/** Why these bytes are not a usable card UID, or null. */
function uidProblem(uid: Uint8Array): string | null {
  if (!UID_SIZES.has(uid.length)) return `card UID has ${uid.length} bytes; expected 4, 7 or 10`;
  if (uid[0] === 0x88) return 'card UID starts with cascade tag 0x88 (incomplete anticollision)';
  if (uid.every((b) => b === 0) || uid.every((b) => b === 0xff)) return 'card UID is all 0x00 or all 0xFF (read error)';
  return null;
}

function formatUid(uid: Uint8Array, format: UidFormat): string {
  const reversed = format === 'hex-reversed' || format === 'decimal-reversed' ? Uint8Array.from(uid).reverse() : uid;
  const hex = Buffer.from(reversed).toString('hex').toUpperCase();
  if (format === 'hex' || format === 'hex-reversed') return hex;
  const width = ((1n << BigInt(8 * uid.length)) - 1n).toString().length;
  return BigInt(`0x${hex}`).toString().padStart(width, '0');
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
