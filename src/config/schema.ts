// The shape of the configuration file: every key, its type, its range and its default.
// Owns: configSchema and the Config type (defaults applied). Must not: read files or the environment,
// or format errors (load.ts does). Each check's message is the "expected ..." phrase shown to the user;
// custom (cross-field) issues carry params.expected and params.found (the value after defaults).

import { z } from 'zod';
import { UID_FORMATS } from '../auth/id-tag.js';
import { chargingSchema } from './charging-schema.js';
import { halSchema } from './hal-schema.js';

const ID_TAG = /^[\x21-\x7E]{1,20}$/;
const CHARGE_POINT_ID = /^[A-Za-z0-9._-]{1,20}$/;

/** An integer in [min, max]; every failure reads "expected an integer between min and max". */
function intIn(min: number, max: number) {
  const error = `an integer between ${min} and ${max}`;
  return z.int({ error }).min(min, { error }).max(max, { error });
}

/** A number in [min, max]; every failure reads "expected a number between min and max". */
function numberIn(min: number, max: number) {
  const error = `a number between ${min} and ${max}`;
  return z.number({ error }).min(min, { error }).max(max, { error });
}

function nonEmptyString(what: string) {
  return z.string({ error: what }).min(1, { error: what });
}

const idTag = () =>
  z.string({ error: 'an idTag' }).regex(ID_TAG, {
    error: 'an idTag of 1 to 20 printable ASCII characters without spaces',
  });

/** A strict mapping whose errors name the keys it allows. */
function section<T extends z.core.$ZodLooseShape>(shape: T) {
  const keys = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (iss) =>
      iss.code === 'unrecognized_keys' ? `unknown key (allowed: ${keys})` : `a mapping with keys: ${keys}`,
  });
}

const connectorSchema = section({
  id: z.int({ error: 'an integer >= 1' }).min(1, { error: 'an integer >= 1' }),
  maxCurrentA: numberIn(6, 80).default(32),
  phases: z.literal([1, 3], { error: 'one of 1, 3' }).default(3),
  tethered: z.boolean({ error: 'true or false' }).default(false),
  ventilationAllowed: z.boolean({ error: 'true or false' }).default(false),
});

const connectorsSchema = z
  .array(connectorSchema, { error: 'a list of 1 to 8 connectors' })
  .min(1, { error: 'a list of 1 to 8 connectors' })
  .max(8, { error: 'a list of 1 to 8 connectors' })
  .superRefine((list, ctx) => {
    const at = list.findIndex((c, i) => c.id !== i + 1);
    if (at < 0) return;
    ctx.addIssue({
      code: 'custom',
      message: 'connector ids must be 1..N without gaps',
      path: [at, 'id'],
      params: { expected: String(at + 1), found: list[at]?.id },
    });
  });

const temperatureSchema = section({
  pollIntervalMs: intIn(500, 60_000).default(5000),
  tripC: z.number({ error: 'a number' }).default(71),
  resumeC: z.number({ error: 'a number' }).default(62),
  /** Above this the offered current falls linearly to 6 A at tripC (thermal derating). */
  derateFromC: z.number({ error: 'a number' }).default(60),
}).superRefine((t, ctx) => {
  if (t.derateFromC >= t.tripC) {
    ctx.addIssue({ code: 'custom', message: 'derateFromC must be below tripC', path: ['derateFromC'], params: { expected: `a number below ${t.tripC}`, found: t.derateFromC } });
  }
  if (t.resumeC < t.tripC) return;
  ctx.addIssue({
    code: 'custom',
    message: 'resumeC must be below tripC',
    path: ['resumeC'],
    params: { expected: `a number below ${t.tripC}`, found: t.resumeC },
  });
});

const path = (what: string) => nonEmptyString(`a path to the ${what}`);

/**
 * The CSMS link. Absent = standalone. Security profiles (OCPP 1.6 security whitepaper, REFERENCE.md 8):
 * 0 plain ws (test labs), 1 ws + Basic auth, 2 wss + Basic auth, 3 wss with a client certificate.
 */
const ocppSchema = section({
  // No credentials in the URL: they would reach log lines (use passwordFile).
  url: z
    .string({ error: 'a ws:// or wss:// URL' })
    .regex(/^wss?:\/\/[^\s/@]+(\/\S*)?$/, { error: 'a ws:// or wss:// URL without user:password@ (use ocpp.passwordFile)' }),
  securityProfile: z.literal([0, 1, 2, 3], { error: 'one of 0, 1, 2, 3' }).default(0),
  passwordFile: path('Basic-auth password file (mode 0600)').optional(),
  caFile: path('CA bundle (PEM) that signed the CSMS certificate').optional(),
  certFile: path('client certificate (PEM)').optional(),
  keyFile: path('client private key (PEM, mode 0600)').optional(),
  /** WebSocket ping interval; a link silent this long (twice) is declared dead. 0 = no pings. */
  pingIntervalS: intIn(0, 3600).default(30),
  callTimeoutS: intIn(5, 300).default(30),
  /** Offline policy: allow charging (allow-list cards) before the CSMS ever accepted this charge point. */
  chargeBeforeAccepted: z.boolean({ error: 'true or false' }).default(false),
}).superRefine((o, ctx) => {
  const need = (key: keyof typeof o, expected: string): void => {
    if (o[key] === undefined) {
      ctx.addIssue({ code: 'custom', message: 'required by ocpp.securityProfile', path: [key], params: { expected, found: undefined } });
    }
  };
  const tls = o.url.startsWith('wss://');
  if (o.securityProfile >= 2 !== tls) {
    const expected = o.securityProfile >= 2 ? 'a wss:// URL for security profile 2 or 3' : 'a ws:// URL for security profile 0 or 1';
    ctx.addIssue({ code: 'custom', message: 'does not match ocpp.securityProfile', path: ['url'], params: { expected, found: o.url } });
  }
  if (o.securityProfile === 1 || o.securityProfile === 2) need('passwordFile', `a passwordFile for security profile ${o.securityProfile}`);
  if (o.securityProfile >= 2) need('caFile', `a caFile for security profile ${o.securityProfile}`);
  if (o.securityProfile === 3) {
    need('certFile', 'a certFile for security profile 3');
    need('keyFile', 'a keyFile for security profile 3');
  }
});

export const configSchema = section({
  chargePointId: z
    .string({ error: 'a string' })
    .regex(CHARGE_POINT_ID, { error: '1 to 20 characters of A-Z, a-z, 0-9, ".", "_", "-"' })
    .default('EVSE-SIM-1'),
  hal: halSchema.prefault({}),
  connectors: connectorsSchema.prefault([{ id: 1 }]),
  auth: section({
    mode: z.enum(['allow-list', 'free-vend']).default('allow-list'),
    /** idTags, compared (case-insensitively) with the card UID formatted as uidFormat says: write them in that format. */
    allowList: z.array(idTag(), { error: 'a list of idTags' }).default([]),
    freeVendIdTag: idTag().default('FREEVEND'),
    connectionTimeoutS: intIn(10, 600).default(60),
    /** How a card UID becomes the idTag (src/auth/id-tag.ts UID_FORMATS): hex (OCPP 1.6 3.9), hex-reversed, decimal, decimal-reversed. */
    uidFormat: z.enum(UID_FORMATS).default('hex'),
    /** Authorization cache size (OCPP 1.6 3.5.2); on overflow not-Accepted entries go first, then the oldest. */
    cacheMaxEntries: intIn(10, 100_000).default(1000),
  }).prefault({}),
  /** Session cost (session history); absent = no cost recorded. */
  tariff: section({
    currency: z.string({ error: 'a 3-letter ISO 4217 currency code such as EUR' }).regex(/^[A-Z]{3}$/, { error: 'a 3-letter ISO 4217 currency code such as EUR' }),
    startFee: numberIn(0, 1000).default(0),
    perKwh: numberIn(0, 100).default(0),
    perMinute: numberIn(0, 100).default(0),
  }).optional(),
  /** Session history retention: the older of the two limits wins; running or unsent sessions are never removed. */
  sessions: section({
    retentionDays: intIn(1, 3650).default(730),
    maxRecords: intIn(100, 1_000_000).default(50_000),
  }).prefault({}),
  api: section({
    host: nonEmptyString('a host name or IP address').default('127.0.0.1'),
    port: intIn(0, 65_535).default(8080),
  }).prefault({}),
  dataDir: nonEmptyString('a directory path').default('/var/lib/evse'),
  log: section({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
  }).prefault({}),
  meter: section({
    pollIntervalMs: intIn(200, 60_000).default(1000),
    offlineAfterFailures: intIn(1, 20).default(3),
  }).prefault({}),
  temperature: temperatureSchema.prefault({}),
  /** Smart charging and load management. */
  charging: chargingSchema.prefault({}),
  /** Reported in BootNotification. */
  identity: section({
    vendor: nonEmptyString('a vendor name (max 20 characters)').max(20).default('OpenEVSE-Pi'),
    model: nonEmptyString('a model name (max 20 characters)').max(20).default('EVSE-PI-AC'),
    serialNumber: nonEmptyString('a serial number (max 25 characters)').max(25).default('SIM-0001'),
    firmwareVersion: nonEmptyString('a firmware version (max 50 characters)').max(50).default('0.2.0'),
  }).prefault({}),
  ocpp: ocppSchema.optional(),
}).superRefine((c, ctx) => {
  const add = (path: (string | number)[], message: string, expected: string, found: unknown) =>
    ctx.addIssue({ code: 'custom', message, path, params: { expected, found } });
  if (c.charging.site?.meter === 'grid' && !c.hal.gridMeter) {
    add(['charging', 'site', 'meter'], 'needs a grid meter', 'hal.gridMeter configured (or meter: none)', 'grid');
  }
  // Real hardware: one hal.connectors entry per connector, with a lock exactly when the cable is not tethered.
  if (c.hal.driver !== 'rpi') return;
  if (c.hal.connectors.length !== c.connectors.length) {
    add(['hal', 'connectors'], 'one hardware entry per connector', `${c.connectors.length} entries (one per connectors[] item)`, `${c.hal.connectors.length} entries`);
  }
  c.connectors.forEach((conn, i) => {
    const hw = c.hal.connectors[i];
    if (!hw) return;
    if (!conn.tethered && !hw.lock) add(['hal', 'connectors', i, 'lock'], 'required for a socket (connectors[].tethered: false)', 'lock: { motorA, motorB, feedback }', undefined);
    if (conn.tethered && hw.lock) add(['hal', 'connectors', i, 'lock'], 'a tethered cable has no lock', 'no lock entry (or tethered: false)', 'a lock');
  });
});

export type Config = z.infer<typeof configSchema>;
