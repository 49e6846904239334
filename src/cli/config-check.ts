// `evse config check FILE`: validates a configuration file exactly as the controller does at start
// (src/config/load.ts, no environment overrides), plus the secret and TLS files it names, and prints one
// line per problem, or "OK: <summary>". Must not: write anything or start the controller.

import { accessSync, constants } from 'node:fs';
import { ConfigError, loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { checkSecretMode, SecretFileError } from '../ocpp/secrets.js';

export type ConfigCheck = { ok: true; config: Config; summary: string } | { ok: false; problems: string[] };

export function checkConfigFile(path: string): ConfigCheck {
  let config: Config;
  try {
    config = loadConfig({ argv: ['--config', path], env: {} }).config;
  } catch (err) {
    if (err instanceof ConfigError) return { ok: false, problems: err.problems };
    throw err;
  }
  const problems = fileProblems(config);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, config, summary: summarize(path, config) };
}

/** The files the OCPP section names: secrets must be 0600, the others readable (the controller checks the same). */
export function fileProblems(config: Config): string[] {
  const o = config.ocpp;
  if (!o) return [];
  const problems: string[] = [];
  const secret = (key: string, file: string | undefined): void => {
    if (!file) return;
    try {
      checkSecretMode(file, `ocpp.${key}`);
    } catch (err) {
      if (!(err instanceof SecretFileError)) throw err;
      problems.push(`ocpp.${key}: ${err.message.replace(`ocpp.${key} `, '')}`);
    }
  };
  const readable = (key: string, file: string | undefined): void => {
    if (!file) return;
    try {
      accessSync(file, constants.R_OK);
    } catch (err) {
      problems.push(`ocpp.${key}: ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  };
  if (o.securityProfile === 1 || o.securityProfile === 2) secret('passwordFile', o.passwordFile);
  if (o.securityProfile >= 2) readable('caFile', o.caFile);
  if (o.securityProfile === 3) {
    readable('certFile', o.certFile);
    secret('keyFile', o.keyFile);
  }
  return problems;
}

export function summarize(path: string, c: Config): string {
  const n = c.connectors.length;
  const conns = c.connectors.map((k) => `${k.maxCurrentA} A ${k.phases}-phase${k.tethered ? ' tethered' : ''}`).join(', ');
  const auth = c.auth.mode === 'free-vend' ? 'free vend' : `allow-list of ${c.auth.allowList.length}`;
  const csms = c.ocpp ? `OCPP ${c.ocpp.url} (security profile ${c.ocpp.securityProfile})` : 'standalone';
  return `${path}: ${c.chargePointId}, hal ${c.hal.driver}, ${n} connector${n === 1 ? '' : 's'} (${conns}), ${auth}, ${csms}, API ${c.api.host}:${c.api.port}`;
}
