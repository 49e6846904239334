// `evse provision`: points this charge point at a CSMS. Updates chargePointId and the ocpp section of the
// configuration file (everything else, comments included, is kept) and writes the Basic-auth password to
// its own file with mode 0600. Owns: validating the result with the real schema before anything is
// written, and writing both files atomically. Must not: print or log the password (except one it
// generated, which the operator must enter in the CSMS), or start/stop the service.

import { randomInt } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Document, isMap, parseDocument } from 'yaml';
import { ConfigError, validateConfig } from '../config/load.js';
import { fileProblems } from './config-check.js';

export interface ProvisionOptions {
  config: string;
  id: string;
  url: string;
  profile: 0 | 1 | 2 | 3;
  /** Profiles 1-2; default: ocpp-password beside the configuration file. */
  passwordFile?: string;
  generatePassword?: boolean;
  ca?: string;
  cert?: string;
  key?: string;
}

export interface ProvisionDeps {
  env: NodeJS.ProcessEnv;
  /** The password typed or piped on standard input (used when EVSE_OCPP_PASSWORD is not set). */
  readStdin: () => Promise<string>;
  /** Gives the secret file to the service user (root only); default: evse from /etc/passwd. */
  chownSecret?: (path: string) => void;
}

export interface ProvisionResult {
  configPath: string;
  passwordFile: string | null;
  /** Set only with --generate-password: the operator must enter it in the CSMS. */
  generatedPassword: string | null;
}

/** The resulting configuration would not load, or a named file is missing or too open: nothing was written. */
export class ProvisionError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ProvisionError';
  }
}

const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

export function randomPassword(length = 20): string {
  return Array.from({ length }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
}

export async function provision(opts: ProvisionOptions, deps: ProvisionDeps): Promise<ProvisionResult> {
  const usesPassword = opts.profile === 1 || opts.profile === 2;
  const passwordFile = usesPassword ? (opts.passwordFile ?? join(dirname(opts.config), 'ocpp-password')) : null;
  const doc = readDocument(opts.config);
  applyOcpp(doc, opts, passwordFile);
  validate(doc);
  let password: string | null = null;
  let generated: string | null = null;
  if (passwordFile) {
    generated = opts.generatePassword ? randomPassword() : null;
    password = generated ?? checkPassword(deps.env.EVSE_OCPP_PASSWORD ?? (await deps.readStdin()));
  }
  if (passwordFile && password !== null) {
    writeAtomic(passwordFile, `${password}\n`, 0o600);
    (deps.chownSecret ?? chownToService())(passwordFile);
  }
  writeAtomic(opts.config, doc.toString(), existingMode(opts.config) ?? 0o644);
  return { configPath: opts.config, passwordFile, generatedPassword: generated };
}

function readDocument(path: string): Document {
  if (!existsSync(path)) return new Document({});
  const doc = parseDocument(readFileSync(path, 'utf8'));
  if (doc.errors.length > 0) throw new ProvisionError(doc.errors.map((e) => `${path}: ${e.message.split('\n')[0]}`));
  if (doc.contents === null) return new Document({});
  return doc;
}

function applyOcpp(doc: Document, o: ProvisionOptions, passwordFile: string | null): void {
  doc.set('chargePointId', o.id);
  if (!isMap(doc.get('ocpp'))) doc.set('ocpp', doc.createNode({}));
  doc.setIn(['ocpp', 'url'], o.url);
  doc.setIn(['ocpp', 'securityProfile'], o.profile);
  const set = (key: string, value: string | null | undefined): void => {
    if (value) doc.setIn(['ocpp', key], value);
    else doc.deleteIn(['ocpp', key]);
  };
  set('passwordFile', passwordFile);
  // A file not given again keeps the one the configuration already names.
  const keep = (key: string, given: string | undefined) => given ?? (doc.getIn(['ocpp', key]) as string | undefined);
  set('caFile', o.profile >= 2 ? keep('caFile', o.ca) : null);
  set('certFile', o.profile === 3 ? keep('certFile', o.cert) : null);
  set('keyFile', o.profile === 3 ? keep('keyFile', o.key) : null);
}

/** The schema's verdict on the new document, then the TLS files it names (the password file is ours to write). */
function validate(doc: Document): void {
  let config;
  try {
    config = validateConfig(doc.toJS());
  } catch (err) {
    if (err instanceof ConfigError) throw new ProvisionError(err.problems);
    throw err;
  }
  const withoutPassword = config.ocpp ? { ...config, ocpp: { ...config.ocpp, passwordFile: undefined } } : config;
  const problems = fileProblems(withoutPassword);
  if (problems.length > 0) throw new ProvisionError(problems);
}

function checkPassword(raw: string): string {
  const password = raw.replace(/\r?\n$/, '');
  if (password.length === 0) throw new ProvisionError(['password: empty (pipe it on standard input, set EVSE_OCPP_PASSWORD, or use --generate-password)']);
  if (/[\r\n]/.test(password)) throw new ProvisionError(['password: must be one line']);
  return password;
}

function existingMode(path: string): number | undefined {
  try {
    return statSync(path).mode & 0o777;
  } catch {
    return undefined;
  }
}

/** Temporary file in the same directory (created with `mode`), then rename: readers see old or new, never half. */
export function writeAtomic(path: string, text: string, mode: number): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${process.pid}.${Date.now()}.tmp`);
  writeFileSync(tmp, text, { mode, flag: 'wx' });
  renameSync(tmp, path);
}

/** Root: the secret belongs to the service user `evse` (it runs as that user). Others: left as it is. */
export function chownToService(passwd = '/etc/passwd', user = 'evse'): (path: string) => void {
  return (path) => {
    if (process.getuid?.() !== 0) return;
    const entry = serviceUser(passwd, user);
    if (entry) chownSync(path, entry.uid, entry.gid);
  };
}

export function serviceUser(passwd: string, user: string): { uid: number; gid: number } | null {
  let text: string;
  try {
    text = readFileSync(passwd, 'utf8');
  } catch {
    return null;
  }
  const line = text.split('\n').find((l) => l.startsWith(`${user}:`));
  const [, , uid, gid] = line?.split(':') ?? [];
  return uid && gid ? { uid: Number(uid), gid: Number(gid) } : null;
}
