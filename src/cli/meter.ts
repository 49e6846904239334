// `evse meter read|probe`: reads an energy meter straight off a serial port over Modbus RTU (commissioning
// and wiring checks; works without the controller running). Owns: the options, their validation (exit 2),
// the reading's text and JSON form, one-line errors (exit 1). Must not: talk to the controller's API, or
// load the Modbus driver before a meter command runs (it is imported lazily).

import type { Command } from 'commander';
import type { MeterModel, ModbusBusConfig } from '../../hal/config.js';
import { METER_MAPS, METER_MODELS } from '../../hal/modbus/maps/index.js';
import type { ProbeResult } from '../../hal/modbus/probe.js';
import type { MeterReading } from '../../hal/types.js';
import { UsageError, type CliIo } from './evse.js';
import { formatKWh, formatPower, formatWh } from './format.js';

const BAUDS = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200] as const;
const PARITIES = ['none', 'even', 'odd'] as const;

interface LineOptions {
  port: string;
  address: string;
  baud?: string;
  parity?: string;
  stopBits: string;
  timeout: string;
  json?: boolean;
}

export function addMeterCommands(program: Command, io: CliIo): void {
  const meter = program.command('meter').description('read an energy meter directly on a serial port (Modbus RTU), not through the controller');
  withLineOptions(meter.command('read').description('print one reading: energy, power, voltage and current per phase, frequency'))
    .requiredOption('--model <model>', METER_MODELS.join(' | '))
    .action(async (opts: LineOptions & { model: string }) => readCommand(opts, io));
  withLineOptions(meter.command('probe').description('try every known meter model at an address and show which answers plausibly')).action(
    async (opts: LineOptions) => probeCommand(opts, io),
  );
}

function withLineOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--port <path>', 'serial port, e.g. /dev/ttyUSB0 or /dev/ttyAMA0')
    .option('--address <id>', 'Modbus unit id, 1-247', '1')
    .option('--baud <rate>', `baud rate, one of ${BAUDS.join(', ')} (default: the model's factory setting, else 9600)`)
    .option('--parity <parity>', PARITIES.join(' | ') + " (default: the model's factory setting, else none)")
    .option('--stop-bits <n>', '1 | 2', '1')
    .option('--timeout <ms>', 'how long to wait for an answer, ms', '1000')
    .option('--json', 'print JSON');
}

export function parseAddress(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 247) throw new UsageError(`--address must be a Modbus unit id 1-247, got "${text}"`);
  return n;
}

export function parseModel(text: string): MeterModel {
  if (!(METER_MODELS as string[]).includes(text)) throw new UsageError(`--model must be one of ${METER_MODELS.join(', ')}, got "${text}"`);
  return text as MeterModel;
}

/** The bus settings from the options, defaulting to the model's factory settings (REFERENCE.md 4). */
export function busFromOptions(opts: LineOptions, model: MeterModel | null, retries: number): ModbusBusConfig {
  const defaults = model ? METER_MAPS[model].defaults : { baud: 9600, parity: 'none' as const };
  const baud = opts.baud === undefined ? defaults.baud : Number(opts.baud);
  if (!(BAUDS as readonly number[]).includes(baud)) throw new UsageError(`--baud must be one of ${BAUDS.join(', ')}, got "${opts.baud}"`);
  const parity = opts.parity ?? defaults.parity;
  if (!(PARITIES as readonly string[]).includes(parity)) throw new UsageError(`--parity must be one of ${PARITIES.join(', ')}, got "${parity}"`);
  if (opts.stopBits !== '1' && opts.stopBits !== '2') throw new UsageError(`--stop-bits must be 1 or 2, got "${opts.stopBits}"`);
  const timeoutMs = Number(opts.timeout);
  if (!/^\d+$/.test(opts.timeout) || timeoutMs < 50 || timeoutMs > 10_000) throw new UsageError(`--timeout must be 50-10000 ms, got "${opts.timeout}"`);
  if (opts.port.trim() === '') throw new UsageError('--port must name a serial port, e.g. /dev/ttyUSB0');
  return { id: 'cli', port: opts.port, baud, parity: parity as ModbusBusConfig['parity'], stopBits: opts.stopBits === '2' ? 2 : 1, timeoutMs, retries };
}

async function readCommand(opts: LineOptions & { model: string }, io: CliIo): Promise<void> {
  const model = parseModel(opts.model);
  const address = parseAddress(opts.address);
  const bus = busFromOptions(opts, model, 1);
  const { createModbusMeters } = await import('../../hal/modbus/index.js');
  const { systemClock } = await import('../../hal/clock.js');
  const created = await createModbusMeters([bus], [{ bus: bus.id, model, address }], systemClock);
  try {
    const meter = created.meters[0]!;
    const reading = await meter.read();
    const head = { port: bus.port, address, model, name: meter.capabilities.model, serial: meter.capabilities.serial, phases: meter.capabilities.phases };
    io.out(opts.json ? JSON.stringify({ ...head, reading }, null, 2) : formatReading(head, reading));
  } finally {
    await created.close();
  }
}

async function probeCommand(opts: LineOptions, io: CliIo): Promise<void> {
  const address = parseAddress(opts.address);
  const bus = busFromOptions(opts, null, 0);
  const { ModbusBus, loadModbusPackages, probeMeter } = await import('../../hal/modbus/index.js');
  const { systemClock } = await import('../../hal/clock.js');
  const line = new ModbusBus(bus, await loadModbusPackages());
  try {
    const results = await probeMeter(line, address, systemClock);
    const found = results.filter((r) => r.plausible).map((r) => r.model);
    if (opts.json) io.out(JSON.stringify({ port: bus.port, address, baud: bus.baud, parity: bus.parity, found, results }, null, 2));
    else io.out(formatProbe(bus, address, results));
    if (found.length === 0) throw new Error(`no known meter model answered plausibly at id ${address} on ${bus.port} (${bus.baud} baud, parity ${bus.parity})`);
  } finally {
    await line.close();
  }
}

interface Head {
  port: string;
  address: number;
  model: string;
  name: string;
  serial: string;
  phases: 1 | 3;
}

const phaseList = (phases: 1 | 3) => (phases === 3 ? (['l1', 'l2', 'l3'] as const) : (['l1'] as const));

/** The human-readable reading: a header line, then one line per quantity. */
export function formatReading(head: Head, r: MeterReading): string {
  const phases = phaseList(head.phases);
  const perPhase = (values: MeterReading['voltageV'], unit: string, decimals: number) =>
    phases.map((p) => `${p.toUpperCase()} ${values[p].toFixed(decimals)} ${unit}`).join('   ');
  return [
    `${head.name} (${head.model}) at ${head.port}, id ${head.address}, serial ${head.serial}`,
    `  energy     ${formatKWh(r.energyImportWh)} (${formatWh(r.energyImportWh)})`,
    `  power      ${formatPower(r.powerW)}`,
    `  voltage    ${perPhase(r.voltageV, 'V', 1)}`,
    `  current    ${perPhase(r.currentA, 'A', 2)}`,
    `  frequency  ${r.frequencyHz === 0 ? 'not measured' : `${r.frequencyHz.toFixed(2)} Hz`}`,
  ].join('\n');
}

export function formatProbe(bus: ModbusBusConfig, address: number, results: ProbeResult[]): string {
  const width = Math.max(...results.map((r) => r.model.length));
  const lines = [`Probing Modbus id ${address} on ${bus.port} at ${bus.baud} baud, parity ${bus.parity}:`];
  for (const r of results) {
    const what = r.plausible && r.reading ? `answers plausibly: ${summary(r.reading)}` : `no: ${shortReason(r.problem ?? 'no answer')}`;
    lines.push(`  ${r.model.padEnd(width)}  ${what}`);
  }
  const found = results.filter((r) => r.plausible).map((r) => r.model);
  if (found.length > 1 && found.every((m) => m.startsWith('sdm'))) lines.push('The Eastron models share one register layout: check the label for which one it is.');
  return lines.join('\n');
}

function summary(r: MeterReading): string {
  const f = r.frequencyHz === 0 ? '' : `, ${r.frequencyHz.toFixed(2)} Hz`;
  return `${formatKWh(r.energyImportWh)}, ${formatPower(r.powerW)}, L1 ${r.voltageV.l1.toFixed(1)} V${f}`;
}

/** The reason at the end of a driver message ("meter: read FC04 ... on /dev/x: no answer within 500 ms"). */
function shortReason(message: string): string {
  const i = message.lastIndexOf(': ');
  return i >= 0 ? message.slice(i + 2) : message;
}
