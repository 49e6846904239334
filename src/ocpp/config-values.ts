// Values of OCPP configuration keys: the normal form of a value for its key spec, or why it is refused, and
// the check of config-file overrides. Must not: hold the key table (config-keys.ts) or persist anything.

import type { BooleanSpec, CslSpec, IntegerSpec, KeySpec, KeyTable } from './config-keys.js';

export type Normalized = { ok: true; value: string } | { ok: false; reason: string };
const good = (value: string): Normalized => ({ ok: true, value });
export const bad = (reason: string): Normalized => ({ ok: false, reason });

function normalizeInteger(spec: IntegerSpec, v: string): Normalized {
  if (!/^[0-9]+$/.test(v)) return bad(`expected a whole number ${spec.min}..${spec.max}, found "${v}"`);
  const n = Number(v);
  if (n < spec.min || n > spec.max) return bad(`expected ${spec.min}..${spec.max}, found ${v}`);
  return good(String(n));
}

function normalizeBoolean(spec: BooleanSpec, v: string): Normalized {
  const lower = v.toLowerCase();
  if (lower !== 'true' && lower !== 'false') return bad(`expected true or false, found "${v}"`);
  if (spec.only !== undefined && lower !== String(spec.only)) return bad(`only ${spec.only} is supported`);
  return good(lower);
}

function normalizeCsl(spec: CslSpec, v: string): Normalized {
  if (v.trim() === '') return good('');
  const out: string[] = [];
  const slots = new Set<string>();
  for (const raw of v.split(',')) {
    const member = raw.trim();
    const canon = spec.members.find((m) => m.toLowerCase() === member.toLowerCase());
    if (canon === undefined) return bad(`unsupported member "${member}"; expected ${spec.expected}`);
    const slot = spec.slotOf?.(canon) ?? canon;
    if (slots.has(slot)) return bad(`"${slot}" listed twice`);
    slots.add(slot);
    out.push(canon);
  }
  if (out.length > spec.maxLength) return bad(`${out.length} members; at most ${spec.maxLength}`);
  return good(out.join(','));
}

/**
 * The normal form of `value` for `spec` (integers without sign, spaces or leading zeros; booleans
 * lower-case; CSL members in their canonical spelling, comma-separated without spaces), or why it is
 * refused. Scalars are not trimmed (" 7" is refused); CSL members are, as in the spec's "0.RST, 1.RST".
 * Booleans and CSL members match case-insensitively (ChangeConfiguration's value is a CiString).
 */
export function normalize(spec: KeySpec, value: string): Normalized {
  switch (spec.type) {
    case 'integer': return normalizeInteger(spec, value);
    case 'boolean': return normalizeBoolean(spec, value);
    case 'csl': return normalizeCsl(spec, value);
    case 'string': return value.length <= spec.maxChars ? good(value) : bad(`longer than ${spec.maxChars} characters`);
  }
}

/** One line per config-file override that cannot be applied (unknown key, read-only key, bad value). */
export function overrideProblems(table: KeyTable, overrides: Record<string, string>): string[] {
  const specs = new Map<string, KeySpec>(Object.entries(table));
  return Object.entries(overrides).flatMap(([key, value]) => {
    const spec = specs.get(key);
    if (spec === undefined) return [`${key}: not an OCPP 1.6 Core configuration key (names are case-sensitive)`];
    if (spec.readonly) return [`${key}: read-only, set by the charge point itself`];
    const r = normalize(spec, value);
    return r.ok ? [] : [`${key}: ${r.reason}`];
  });
}

