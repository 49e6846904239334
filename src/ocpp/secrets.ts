// Reading the OCPP secrets (Basic-auth password, client key) and TLS material named in the configuration.
// Owns: the 0600 rule: a secret file readable by group or others stops the controller, with the fix in
// the message. Must not: log or return a secret anywhere but into the link options.

import { statSync } from 'node:fs';
import type { Config } from '../config/schema.js';
import type { LinkOptions } from './link.js';

export class SecretFileError extends Error {
  override name = 'SecretFileError';
}

type ReadFile = (path: string, encoding: 'utf8') => string;

/** Refuses secret files that group or others can read (DESIGN.md Configuration: mode 0600). */
export function checkSecretMode(path: string, what: string): void {
  let mode: number;
  try {
    mode = statSync(path).mode & 0o777;
  } catch (err) {
    throw new SecretFileError(`${what} ${path} cannot be read: ${(err as Error).message}`);
  }
  if ((mode & 0o077) !== 0) {
    const octal = mode.toString(8).padStart(4, '0');
    throw new SecretFileError(`${what} ${path} is readable by group or others (mode ${octal}); fix: chmod 600 ${path}`);
  }
}

function readText(read: ReadFile, path: string, what: string): string {
  try {
    return read(path, 'utf8');
  } catch (err) {
    throw new SecretFileError(`${what} ${path} cannot be read: ${(err as Error).message}`);
  }
}

export function linkOptions(cfg: NonNullable<Config['ocpp']>, identity: string, read: ReadFile): LinkOptions {
  const opts: LinkOptions = {
    url: cfg.url.replace(/\/+$/, ''),
    identity,
    securityProfile: cfg.securityProfile,
    pingIntervalMs: cfg.pingIntervalS * 1000,
    callTimeoutMs: cfg.callTimeoutS * 1000,
  };
  if ((cfg.securityProfile === 1 || cfg.securityProfile === 2) && cfg.passwordFile) {
    checkSecretMode(cfg.passwordFile, 'ocpp.passwordFile');
    const password = readText(read, cfg.passwordFile, 'ocpp.passwordFile').split(/\r?\n/)[0]?.trim() ?? '';
    if (password.length === 0) throw new SecretFileError(`ocpp.passwordFile ${cfg.passwordFile} is empty`);
    opts.password = password;
  }
  if (cfg.securityProfile >= 2 && cfg.caFile) opts.ca = readText(read, cfg.caFile, 'ocpp.caFile');
  if (cfg.securityProfile === 3 && cfg.certFile && cfg.keyFile) {
    checkSecretMode(cfg.keyFile, 'ocpp.keyFile');
    opts.cert = readText(read, cfg.certFile, 'ocpp.certFile');
    opts.key = readText(read, cfg.keyFile, 'ocpp.keyFile');
  }
  return opts;
}
