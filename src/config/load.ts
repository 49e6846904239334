// Loading the configuration: finds the file (--config, EVSE_CONFIG, default path), parses YAML or JSON,
// applies environment overrides and validates against configSchema, turning every problem into one line
// (key path, what was expected, what was found). Owns: ConfigError and the wording of those lines.
// Must not: log, exit the process, or start anything; the caller decides what a ConfigError means.

import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { configSchema } from './schema.js';
import type { Config } from './schema.js';

export const DEFAULT_CONFIG_PATH = '/etc/evse/config.yaml';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** Used when neither --config nor EVSE_CONFIG names a file; missing is fine (all defaults). */
  defaultPath?: string;
  argv?: string[];
}

type Path = readonly PropertyKey[];
type Issue = z.core.$ZodIssue;
/** Formatted key path -> the environment variable its value came from. */
type Origins = ReadonlyMap<string, string>;

const ENV_OVERRIDES: ReadonlyArray<{ env: string; path: Path; numeric: boolean }> = [
  { env: 'EVSE_DATA_DIR', path: ['dataDir'], numeric: false },
  { env: 'EVSE_API_PORT', path: ['api', 'port'], numeric: true },
  { env: 'EVSE_OCPP_URL', path: ['ocpp', 'url'], numeric: false },
  { env: 'EVSE_CHARGE_POINT_ID', path: ['chargePointId'], numeric: false },
  { env: 'EVSE_OCPP_PASSWORD_FILE', path: ['ocpp', 'passwordFile'], numeric: false },
];

export function parseConfig(text: string, source: string): Config {
  return validateConfig(parseText(text, source));
}

export function loadConfig(opts: LoadOptions = {}): { config: Config; path: string | null } {
  const env = opts.env ?? process.env;
  const explicit = configArg(opts.argv ?? process.argv.slice(2)) ?? nonEmpty(env.EVSE_CONFIG);
  const path = explicit ?? opts.defaultPath ?? DEFAULT_CONFIG_PATH;
  const text = readConfigFile(path, explicit !== undefined);
  const doc = text === null ? {} : parseText(text, path);
  const { doc: overridden, origins } = applyEnvOverrides(doc, env);
  return { config: validateConfig(overridden, origins), path: text === null ? null : path };
}

/** Validates an already parsed document; `origins` names env vars in the lines of the values they set. */
export function validateConfig(input: unknown, origins: ReadonlyMap<string, string> = new Map()): Config {
  const result = configSchema.safeParse(input, { error: expectedPhrase });
  if (result.success) return result.data;
  const lines = result.error.issues.flatMap((issue) => describeIssue(issue, input, origins));
  throw new ConfigError([...new Set(lines)]);
}

// ---------- finding and reading the file ----------

function configArg(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg.startsWith('--config=')) return arg.slice('--config='.length);
    if (arg !== '--config') continue;
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--')) {
      throw new ConfigError(['--config: expected a file path, found nothing']);
    }
    return value;
  }
  return undefined;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** The file's text, or null when an optional (default) file does not exist. */
function readConfigFile(path: string, required: boolean): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !required) return null;
    if (code === 'ENOENT') throw new ConfigError([`${path}: file not found`]);
    throw new ConfigError([`${path}: cannot read: ${oneLine((err as Error).message)}`]);
  }
}

// ---------- syntax ----------

function parseText(raw: string, source: string): unknown {
  const text = raw.replace(/^\uFEFF/, ''); // a byte-order mark is not content (JSON.parse rejects it)
  if (text.trim() === '') return {};
  const doc = source.endsWith('.json') ? parseJson(text, source) : parseYaml(text, source);
  return doc ?? {};
}

function parseYaml(text: string, source: string): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length === 0) return doc.toJS();
  throw new ConfigError(
    doc.errors.map((e) => {
      const { line, col } = lineCounter.linePos(e.pos[0]);
      return `${source}: line ${line}, column ${col}: ${oneLine(e.message)}`;
    }),
  );
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const message = (err as Error).message;
    const { line, col } = lineAndColumn(text, jsonErrorOffset(text, message));
    const bare = message
      .replace(/^(Unexpected token .+?), .*is not valid JSON$/s, '$1')
      .replace(/ (in JSON )?at position \d+.*$/s, '');
    throw new ConfigError([`${source}: line ${line}, column ${col}: ${oneLine(bare)}`]);
  }
}

/** Where JSON.parse stopped: from its message, else the shortest prefix that fails before its own end. */
function jsonErrorOffset(text: string, message: string): number {
  const stated = statedOffset(message, text.length);
  if (stated !== undefined) return stated;
  const failsInside = (k: number): boolean => {
    try {
      JSON.parse(text.slice(0, k));
      return false;
    } catch (e) {
      return (statedOffset((e as Error).message, k) ?? -1) < k;
    }
  };
  let lo = 1;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (failsInside(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo - 1;
}

/** The offset a JSON.parse message names (end of input = `length`), undefined if it names none. */
function statedOffset(message: string, length: number): number | undefined {
  const stated = /at position (\d+)/.exec(message);
  if (stated) return Number(stated[1]);
  return /end of JSON input/.test(message) ? length : undefined;
}

function lineAndColumn(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, col: (before.at(-1)?.length ?? 0) + 1 };
}

function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ').trim();
}

// ---------- environment overrides ----------

function applyEnvOverrides(doc: unknown, env: NodeJS.ProcessEnv): { doc: unknown; origins: Origins } {
  const origins = new Map<string, string>();
  let result = doc;
  for (const { env: name, path, numeric } of ENV_OVERRIDES) {
    const raw = nonEmpty(env[name]);
    if (raw === undefined) continue;
    const value = numeric && /^-?\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : raw;
    const next = setIn(result, path, value);
    if (next === undefined) continue; // a parent is not a mapping: validation reports that instead
    result = next;
    origins.set(formatPath(path), name);
  }
  return { doc: result, origins };
}

/** `doc` with `value` at `path` (missing mappings created); undefined if a parent is not a mapping. */
function setIn(doc: unknown, path: Path, value: unknown): unknown {
  const [key, ...rest] = path;
  if (key === undefined) return value;
  if (doc !== undefined && doc !== null && !isMapping(doc)) return undefined;
  const obj = (doc ?? {}) as Record<PropertyKey, unknown>;
  const child = setIn(obj[key], rest, value);
  return child === undefined ? undefined : { ...obj, [key]: child };
}

function isMapping(value: unknown): value is Record<PropertyKey, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---------- describing problems ----------

/** Global fallback for checks without their own message: the "expected ..." phrase. */
function expectedPhrase(iss: z.core.$ZodRawIssue): string {
  switch (iss.code) {
    case 'invalid_type':
      return TYPE_WORDS[iss.expected] ?? `a ${iss.expected}`;
    case 'invalid_value':
      return iss.values.length === 1 ? show(iss.values[0]) : `one of ${iss.values.map(show).join(', ')}`;
    case 'too_small':
    case 'too_big': {
      const bound = iss.code === 'too_small' ? `at least ${iss.minimum}` : `at most ${iss.maximum}`;
      return `${TYPE_WORDS[iss.origin] ?? 'a value'} of ${bound}${UNITS[iss.origin] ?? ''}`;
    }
    case 'invalid_format':
      return iss.pattern ? `a string matching ${iss.pattern}` : `a valid ${iss.format}`;
    case 'not_multiple_of':
      return `a multiple of ${iss.divisor}`;
    case 'unrecognized_keys':
      return 'unknown key';
    default:
      return 'a valid value';
  }
}

const TYPE_WORDS: Record<string, string> = {
  number: 'a number',
  int: 'an integer',
  string: 'a string',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
};
const UNITS: Record<string, string> = { string: ' characters', array: ' items' };

function describeIssue(issue: Issue, input: unknown, origins: Origins): string[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => `${label([...issue.path, key], origins)}: ${issue.message}`);
  }
  const found = getIn(input, issue.path);
  const where = label(issue.path, origins);
  if (issue.code === 'custom') return [`${where}: ${describeCustom(issue, found)}`];
  return [`${where}: expected ${issue.message}, found ${showFound(found, typeMismatch(issue, found))}`];
}

/** Cross-field rules: their message, then params.expected and the value (params.found if defaulted). */
function describeCustom(issue: z.core.$ZodIssueCustom, found: unknown): string {
  const params = (issue.params ?? {}) as { expected?: string; found?: unknown };
  const detail = params.expected === undefined ? '' : `; expected ${params.expected}`;
  const shown =
    found === undefined && params.found !== undefined ? `${show(params.found)} (default)` : showFound(found, false);
  return `${issue.message}${detail}, found ${shown}`;
}

function typeMismatch(issue: Issue, found: unknown): boolean {
  if (issue.code === 'invalid_type') return !(issue.expected === 'int' && typeof found === 'number');
  if (issue.code === 'invalid_value') return !issue.values.some((v) => typeof v === typeof found);
  return false;
}

function label(path: Path, origins: Origins): string {
  const text = formatPath(path);
  const env = origins.get(text);
  return env === undefined ? text : `${text} (from ${env})`;
}

function formatPath(path: Path): string {
  if (path.length === 0) return '(top level)';
  return path
    .map((key, i) => {
      if (typeof key === 'number') return `[${key}]`;
      const name = String(key);
      if (!/^[A-Za-z_$][\w$]*$/.test(name)) return `[${JSON.stringify(name)}]`;
      return i === 0 ? name : `.${name}`;
    })
    .join('');
}

function getIn(value: unknown, path: Path): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function showFound(value: unknown, withType: boolean): string {
  if (value === undefined) return 'nothing';
  if (value === null || !withType) return show(value);
  const type = Array.isArray(value) ? 'list' : typeof value === 'object' ? 'mapping' : typeof value;
  return `${show(value)} (${type})`;
}

function show(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
