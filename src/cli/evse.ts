#!/usr/bin/env node
// `evse`: command-line tool for the controller's local HTTP API (status, and driving the simulator) and the
// installer's commands (meter, selftest, provision, config check, logs: each in its own module).
// Owns: the command tree, local argument validation (exit 2), one-line confirmations and error lines
// (exit 1). Must not: hold charging logic or call process.exit (main returns the code); hardware access
// lives in the installer command modules.

import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Command, CommanderError } from 'commander';
import { createClient, type ApiClient } from './client.js';
import { formatStatus, type StatusResponse } from './format.js';
import { addInstallerCommands } from './installer.js';
import { addMeterCommands } from './meter.js';
import { addSessionsCommand } from './sessions.js';
import { addSimSiteCommands } from './sim-site.js';

export const SIM_FAULTS = [
  'rcd',
  'welded-contactor',
  'contactor-fails-to-close',
  'diode',
  'pilot-short',
  'meter-offline',
  'overtemp',
  'ev-overcurrent',
] as const;
export type SimFault = (typeof SIM_FAULTS)[number];

export const EV_REQUESTS = ['charge', 'pause'] as const;
export type EvRequest = (typeof EV_REQUESTS)[number];

/** Where output goes: each call is one line or block, without a trailing newline. */
export interface CliIo {
  out(s: string): void;
  err(s: string): void;
  fetch?: typeof fetch;
}

/** A bad command line, detected before any request is made; exits with 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

const processIo: CliIo = {
  out: (s) => void process.stdout.write(`${s}\n`),
  err: (s) => void process.stderr.write(`${s}\n`),
};

/** `EVSE_API_URL`, else `http://127.0.0.1:${EVSE_API_PORT ?? 8080}`; empty variables count as unset. */
export function defaultBaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  if (env.EVSE_API_URL) return env.EVSE_API_URL;
  return `http://127.0.0.1:${env.EVSE_API_PORT || 8080}`;
}

export function parseBaseUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--url must be an http:// or https:// URL, got "${text}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--url must be an http:// or https:// URL, got "${text}"`);
  }
  return text.replace(/\/+$/, '');
}

export function parseConnector(text: string): number {
  const id = Number(text);
  if (!/^[1-9][0-9]*$/.test(text) || !Number.isSafeInteger(id)) {
    throw new UsageError(`connector must be a positive integer, got "${text}"`);
  }
  return id;
}

export function parseEvRequest(text: string): EvRequest {
  return oneOf(text, EV_REQUESTS, 'EV request');
}

export function parseFault(text: string): SimFault {
  return oneOf(text, SIM_FAULTS, 'fault');
}

export function parseOnOff(text: string): boolean {
  return oneOf(text, ['on', 'off'] as const, 'fault state') === 'on';
}

/** RFID UIDs are 1 to 10 bytes written as hex, e.g. 04A1B2C3. */
export function parseUid(text: string): string {
  if (!/^(?:[0-9A-Fa-f]{2}){1,10}$/.test(text)) {
    throw new UsageError(`uid must be 2 to 20 hex digits (whole bytes), e.g. 04A1B2C3, got "${text}"`);
  }
  return text;
}

function oneOf<T extends string>(text: string, allowed: readonly T[], what: string): T {
  if (!(allowed as readonly string[]).includes(text)) {
    throw new UsageError(`${what} must be one of ${allowed.join(', ')}, got "${text}"`);
  }
  return text as T;
}

/** Runs the CLI in-process and returns the exit code: 0 ok, 1 controller/API error, 2 bad usage. */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    return reportError(error, io);
  }
}

function reportError(error: unknown, io: CliIo): number {
  // Commander has already printed its own message (or the help text) through io.
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
  const message = error instanceof Error ? error.message : String(error);
  io.err(`evse: ${message}`);
  return error instanceof UsageError ? 2 : 1;
}

function buildProgram(io: CliIo): Command {
  const program = new Command('evse')
    .description("Talk to the chargepoint controller's local API")
    .option('--url <base>', 'controller API base URL (env EVSE_API_URL or EVSE_API_PORT)', defaultBaseUrl())
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({
      writeOut: (s) => io.out(s.replace(/\n$/, '')),
      writeErr: (s) => io.err(s.replace(/\n$/, '')),
      outputError: (s, write) => write(s.replace(/^error: /, 'evse: ')),
    });
  const clientFor = (cmd: Command): ApiClient =>
    createClient(parseBaseUrl(cmd.optsWithGlobals<{ url: string }>().url), { fetch: io.fetch });
  addStatusCommand(program, io, clientFor);
  addSessionsCommand(program, io, clientFor);
  addSimCommands(program.command('sim').description('drive the simulated hardware'), io, clientFor);
  addMeterCommands(program, io);
  addInstallerCommands(program, io); // selftest, provision, config check, logs
  return program;
}

type ClientFor = (cmd: Command) => ApiClient;

function addStatusCommand(program: Command, io: CliIo, clientFor: ClientFor): void {
  program
    .command('status')
    .description('show OCPP and connector state')
    .option('--json', 'print the API answer as JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const status = await clientFor(cmd).get<unknown>('/api/status');
      if (opts.json) {
        io.out(JSON.stringify(status, null, 2));
        return;
      }
      io.out(formatStatus(asStatus(status), { now: new Date() }));
    });
}

function asStatus(json: unknown): StatusResponse {
  const s = json as Partial<StatusResponse> | null;
  if (typeof s !== 'object' || s === null || typeof s.ocpp !== 'object' || !Array.isArray(s.connectors)) {
    throw new Error('unexpected answer from /api/status (try --json to see it)');
  }
  return s as StatusResponse;
}

function addSimCommands(sim: Command, io: CliIo, clientFor: ClientFor): void {
  sim
    .command('plug')
    .description('plug the simulated EV into a connector')
    .argument('<connector>', 'connector id, from 1')
    .action(async (connector: string, _opts: unknown, cmd: Command) => {
      const id = parseConnector(connector);
      await clientFor(cmd).post(`/api/sim/connectors/${id}/plug`);
      io.out(`Plugged the simulated EV into connector ${id}`);
    });
  sim
    .command('unplug')
    .description('unplug the simulated EV from a connector')
    .argument('<connector>', 'connector id, from 1')
    .action(async (connector: string, _opts: unknown, cmd: Command) => {
      const id = parseConnector(connector);
      await clientFor(cmd).post(`/api/sim/connectors/${id}/unplug`);
      io.out(`Unplugged the simulated EV from connector ${id}`);
    });
  sim
    .command('ev')
    .description('make the simulated EV request charge or pause')
    .argument('<connector>', 'connector id, from 1')
    .argument('<request>', EV_REQUESTS.join(' | '))
    .action(async (connector: string, request: string, _opts: unknown, cmd: Command) => {
      const id = parseConnector(connector);
      const req = parseEvRequest(request);
      await clientFor(cmd).post(`/api/sim/connectors/${id}/ev`, { request: req });
      io.out(`Simulated EV on connector ${id} now requests ${req}`);
    });
  addTapAndFaultCommands(sim, io, clientFor);
  addSimSiteCommands(sim, io, clientFor); // house, cable, grid-meter
}

function addTapAndFaultCommands(sim: Command, io: CliIo, clientFor: ClientFor): void {
  sim
    .command('tap')
    .description('tap an RFID card on the reader')
    .argument('<uid>', 'card UID in hex, e.g. 04A1B2C3')
    .action(async (uid: string, _opts: unknown, cmd: Command) => {
      const card = parseUid(uid);
      await clientFor(cmd).post('/api/sim/rfid', { uid: card });
      io.out(`Tapped RFID card ${card}`);
    });
  sim
    .command('fault')
    .description('raise or clear a simulated fault on a connector')
    .argument('<connector>', 'connector id, from 1')
    .argument('<fault>', SIM_FAULTS.join(' | '))
    .argument('<state>', 'on | off')
    .action(async (connector: string, fault: string, state: string, _opts: unknown, cmd: Command) => {
      const id = parseConnector(connector);
      const name = parseFault(fault);
      const active = parseOnOff(state);
      await clientFor(cmd).post('/api/sim/faults', { connector: id, fault: name, active });
      io.out(`${active ? 'Raised' : 'Cleared'} fault ${name} on connector ${id}`);
    });
}

/** True when this file is the process entry point (also through the npm `bin` symlink). */
function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return pathToFileURL(realpathSync(entry)).href === import.meta.url;
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  process.exitCode = await main(process.argv);
}
