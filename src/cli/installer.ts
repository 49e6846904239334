// The installer's `evse` commands: selftest, provision, config check, logs, emergency-off (systemd's
// ExecStopPost). Owns: their command lines (commander), output and failure lines; each implementation module
// is imported only when its command runs (the CLI starts fast for `evse status`). Must not: call
// process.exit (a failure throws; evse.ts prints "evse: <message>" and exits 1; bad usage is a
// CommanderError, exit 2).

import { InvalidArgumentError, type Command } from 'commander';
import type { CliIo } from './evse.js';
import type { Spawn } from './logs.js';
import type { SelftestDeps } from './selftest.js';

/** What tests inject besides output: environment, standard input, the journalctl spawner, HAL hooks. */
export interface InstallerIo extends CliIo {
  env?: NodeJS.ProcessEnv;
  readStdin?: () => Promise<string>;
  spawn?: Spawn;
  selftest?: SelftestDeps;
  chownSecret?: (path: string) => void;
  /** Where selftest looks without --config or EVSE_CONFIG (default /etc/evse/config.yaml). */
  defaultConfig?: string;
}

function intOption(min: number, max: number, what: string) {
  return (text: string): number => {
    const n = Number(text);
    if (!/^\d+$/.test(text) || n < min || n > max) throw new InvalidArgumentError(`expected ${what} (${min}-${max}).`);
    return n;
  };
}

export function addInstallerCommands(program: Command, cliIo: CliIo): void {
  const io = cliIo as InstallerIo;
  addSelftest(program, io);
  addProvision(program, io);
  addEmergencyOff(program, io);
  program
    .command('config')
    .description('configuration file tools')
    .command('check')
    .description('validate a configuration file (one line per problem)')
    .argument('<file>', 'YAML or JSON configuration file')
    .action(async (file: string) => {
      const { checkConfigFile } = await import('./config-check.js');
      const result = checkConfigFile(file);
      if (result.ok) return io.out(`OK: ${result.summary}`);
      for (const p of result.problems) io.out(p);
      throw new Error(`config check: ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'} in ${file}`);
    });
  program
    .command('logs')
    .description('show the controller log from the systemd journal (journalctl -u evse)')
    .option('-f, --follow', 'keep printing new lines')
    .option('-n, --lines <N>', 'number of recent lines', intOption(0, 1_000_000, 'a number of lines'))
    .action(async (opts: { follow?: boolean; lines?: number }) => {
      const { runLogs } = await import('./logs.js');
      const code = await runLogs(opts, io.spawn);
      if (code !== 0) throw new Error(`journalctl exited with ${code}`);
    });
}

function addSelftest(program: Command, io: InstallerIo): void {
  program
    .command('selftest')
    .description('check the wiring with the controller stopped: pilot, relay, RCD, meter, temperature, RFID')
    .option('--config <file>', 'configuration file (default: EVSE_CONFIG, else /etc/evse/config.yaml)')
    .option('--json', 'print the results as JSON')
    .option('--rfid-wait <s>', 'seconds to wait for a card', intOption(1, 600, 'seconds'), 10)
    .option('--no-rfid', 'skip the RFID check')
    .action(async (opts: { config?: string; json?: boolean; rfidWait: number; rfid: boolean }) => {
      const { DEFAULT_CONFIG_PATH, loadConfig } = await import('../config/load.js');
      const { formatReport, runSelftest, selftestExitCode } = await import('./selftest.js');
      const defaultPath = io.defaultConfig ?? DEFAULT_CONFIG_PATH;
      const { config, path } = loadConfig({ argv: opts.config ? ['--config', opts.config] : [], env: io.env ?? process.env, defaultPath });
      if (path === null) throw new Error(`no configuration file at ${defaultPath} (use --config FILE)`);
      if (!opts.json) io.out(`selftest: ${path}, hal ${config.hal.driver}, ${config.connectors.length} connector(s)`);
      const progress = opts.json ? undefined : io.out;
      const items = await runSelftest(config, { rfidWaitS: opts.rfidWait, noRfid: !opts.rfid }, { ...(progress ? { progress } : {}), ...io.selftest });
      io.out(opts.json ? JSON.stringify(items, null, 2) : formatReport(items));
      if (selftestExitCode(items) !== 0) throw new Error(`selftest: ${items.filter((i) => i.outcome === 'FAIL').length} FAIL (fix hints above)`);
    });
}

/** systemd's ExecStopPost: coils off even when the controller died without running its exit handlers. */
function addEmergencyOff(program: Command, io: InstallerIo): void {
  program
    .command('emergency-off')
    .description('drive every contactor coil off, then lock motors, RCD test outputs and the CP (+12 V) by plain sysfs writes (systemd runs it after the controller stopped)')
    .option('--config <file>', 'configuration file (default: EVSE_CONFIG, else /etc/evse/config.yaml)')
    .action(async (opts: { config?: string }) => {
      const { emergencyOff, loadHardware } = await import('./emergency-off.js');
      const say = (line: string): void => io.out(`emergency-off: ${line}`);
      const { hal, path, note } = loadHardware({ ...(opts.config ? { config: opts.config } : {}), env: io.env ?? process.env, ...(io.defaultConfig ? { defaultPath: io.defaultConfig } : {}) });
      say(`${path ?? 'no configuration file (defaults)'}, hal ${hal.driver}, ${hal.connectors.length} hardware connector(s)`);
      if (note) say(note);
      const r = emergencyOff(hal);
      r.lines.forEach(say);
      if (r.coilsOff < r.coils) throw new Error(`emergency-off: ${r.coils - r.coilsOff} of ${r.coils} contactor coil(s) may still be energised`);
    });
}

interface ProvisionFlags {
  id: string;
  url: string;
  profile: 0 | 1 | 2 | 3;
  passwordFile?: string;
  generatePassword?: boolean;
  ca?: string;
  cert?: string;
  key?: string;
  config: string;
}

function addProvision(program: Command, io: InstallerIo): void {
  program
    .command('provision')
    .description('connect this charge point to a CSMS: sets chargePointId and ocpp in the config, writes the password file (0600)')
    .requiredOption('--id <id>', 'charge point id the CSMS knows (also the Basic-auth user)')
    .option('--url <url>', 'CSMS endpoint, ws:// (profiles 0-1) or wss:// (2-3), without the id (required)')
    .requiredOption('--profile <n>', 'OCPP security profile 0-3', intOption(0, 3, 'a security profile'))
    .option('--password-file <file>', 'Basic-auth password file for profiles 1-2 (default: ocpp-password beside the config)')
    .option('--generate-password', 'generate a random 20-character password (printed once) instead of reading stdin')
    .option('--ca <file>', 'CA bundle (PEM) that signed the CSMS certificate (profiles 2-3)')
    .option('--cert <file>', 'client certificate (PEM, profile 3)')
    .option('--key <file>', 'client private key (PEM, mode 0600, profile 3)')
    .option('--config <file>', 'configuration file to update', '/etc/evse/config.yaml')
    .action(async (parsed: Omit<ProvisionFlags, 'url'> & { url?: string }, cmd: Command) => {
      const flags: ProvisionFlags = { ...parsed, url: csmsUrl(parsed.url, cmd) };
      const { provision, ProvisionError } = await import('./provision.js');
      try {
        const r = await provision(
          { ...flags },
          { env: io.env ?? process.env, readStdin: io.readStdin ?? readPasswordFromStdin, ...(io.chownSecret ? { chownSecret: io.chownSecret } : {}) },
        );
        io.out(`Provisioned ${flags.id} for ${flags.url} (security profile ${flags.profile})`);
        io.out(`wrote ${r.configPath}${r.passwordFile ? ` and ${r.passwordFile} (mode 0600)` : ''}`);
        if (r.generatedPassword) io.out(`generated password, enter it in the CSMS for ${flags.id} (shown once): ${r.generatedPassword}`);
        io.out('apply it: sudo systemctl restart evse');
      } catch (err) {
        if (!(err instanceof ProvisionError)) throw err;
        for (const p of err.problems) io.err(`evse: provision: ${p}`);
        throw new Error(`provision: nothing written (${err.problems.length} problem${err.problems.length === 1 ? '' : 's'})`);
      }
    });
}

/**
 * `evse --url` is the global API address option, and commander gives a global option to the program
 * wherever it stands, so `evse provision --url wss://...` lands there: take it when typed on this line.
 */
function csmsUrl(own: string | undefined, cmd: Command): string {
  const parent = cmd.parent;
  const url = own ?? (parent?.getOptionValueSource('url') === 'cli' ? parent.opts<{ url: string }>().url : undefined);
  if (!url) throw new Error("provision: required option '--url <url>' not specified (the CSMS endpoint)");
  return url;
}

/** The password piped on standard input; refused on a terminal, where it would be echoed. */
async function readPasswordFromStdin(): Promise<string> {
  if (process.stdin.isTTY) {
    throw new Error('provision: pipe the password on standard input (read -rs P && printf %s "$P" | sudo evse provision ...), set EVSE_OCPP_PASSWORD, or use --generate-password');
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
