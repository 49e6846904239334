// Pure functions turning the controller API's JSON (GET /api/status) into readable text for `evse`.
// Owns: the CLI's view of the status payload and how numbers, energy, power and times are shown.
// Must not: do I/O, read the clock or environment implicitly (the caller passes `now`), or pick exit codes.

import type { ConnectorView, StatusView } from '../status.js';

// The payload types are the server's own (type-only import: nothing of the server loads in the CLI).
export type StatusResponse = StatusView;
export type ConnectorStatus = ConnectorView;
export type TransactionStatus = NonNullable<ConnectorView['transaction']>;
export type ConnectorFault = ConnectorView['faults'][number];

export interface FormatOptions {
  /** "Today", for deciding whether a session start needs its date shown. */
  now: Date;
  /** IANA zone for times; the system zone when omitted. */
  timeZone?: string;
}

/** The whole `evse status` text: header, then one block per connector separated by blank lines. */
export function formatStatus(status: StatusResponse, options: FormatOptions): string {
  const blocks = status.connectors.map((c) => formatConnector(c, options).join('\n'));
  if (blocks.length === 0) blocks.push('No connectors configured');
  const site = status.site ? [formatSite(status.site)] : [];
  return [[formatHeader(status), ...site].join('\n'), ...blocks].join('\n\n');
}

/** `Site limit 20 A per phase: chargers may use 9 A (house 10 A)`, or the lost-meter warning. */
export function formatSite(site: NonNullable<StatusResponse['site']>): string {
  const head = `Site limit ${formatCurrent(site.limitA)} per phase: chargers may use ${formatCurrent(site.budgetA)}`;
  if (site.meterStale) return `${head} (grid meter not answering: fallback budget)`;
  return site.houseA === null ? head : `${head} (house ${formatCurrent(site.houseA)})`;
}

export function formatHeader(status: StatusResponse): string {
  if (status.ocpp.registration === 'NotConfigured') return `Chargepoint ${status.chargePointId}  standalone (no CSMS configured)`;
  const link = status.ocpp.connected ? 'connected' : 'disconnected';
  return `Chargepoint ${status.chargePointId}  OCPP ${link} (registration ${status.ocpp.registration})`;
}

export function formatConnector(c: ConnectorStatus, options: FormatOptions): string[] {
  const state = c.errorCode && c.errorCode !== 'NoError' ? `${c.status}: ${c.errorCode}` : c.status;
  const contactor = c.contactorClosed ? 'contactor closed' : 'contactor open';
  const offer = c.offeredCurrentA > 0 ? `offering ${formatCurrent(c.offeredCurrentA)}` : 'no current offered';
  const lines = [
    `Connector ${c.id}  ${state}  (pilot ${c.pilot}, ${contactor}, ${offer})`,
    `  ${c.transaction ? formatSession(c.transaction, options) : 'no session'}`,
    `  meter ${formatWh(c.energyWh)}, ${formatPower(c.powerW)}`,
  ];
  if (c.limit) lines.push(`  limit ${formatCurrent(c.limit.amps)} set by ${LIMIT_WORDS[c.limit.source] ?? c.limit.source}`);
  if (c.faults.length > 0) lines.push(`  faults: ${c.faults.map(formatFault).join('; ')}`);
  return lines;
}

/** What sets a connector's limit, in words for `evse status`. */
const LIMIT_WORDS: Record<string, string> = {
  'connector-max': 'the configured maximum',
  cable: 'the cable rating',
  'charge-point-max': 'the CSMS charge point limit',
  'tx-profile': 'the CSMS profile of this session',
  'tx-default-profile': 'the CSMS default profile',
  site: 'site load balancing',
  thermal: 'temperature derating',
  'invalid-id': 'the CSMS refusing the card',
};

export function formatSession(tx: TransactionStatus, options: FormatOptions): string {
  return `session ${tx.id} by ${tx.idTag} since ${formatStartTime(tx.startedAt, options)}, ${formatKWh(tx.energyWh)}`;
}

/** `rcd (blocking, GroundFailure)`, with the info text after the error code when there is one. */
export function formatFault(f: ConnectorFault): string {
  const detail = f.info ? `${f.errorCode}: ${f.info}` : f.errorCode;
  return `${f.name} (${f.blocking ? 'blocking' : 'non-blocking'}, ${detail})`;
}

/** Energy in kWh with two decimals: 1234 -> "1.23 kWh". */
export function formatKWh(wh: number): string {
  return `${fixed(wh / 1000, 2)} kWh`;
}

/** Meter register in Wh with one decimal and grouping: 4567.8 -> "4,567.8 Wh". */
export function formatWh(wh: number): string {
  return `${fixed(wh, 1)} Wh`;
}

/** Below 1 kW in whole watts ("850 W"), otherwise kW with one decimal ("21.0 kW"). */
export function formatPower(w: number): string {
  return Math.abs(Math.round(w)) < 1000 ? `${fixed(w, 0)} W` : `${fixed(w / 1000, 1)} kW`;
}

/** Whole amps without decimals ("32 A"), fractional ones with one ("6.5 A"). */
export function formatCurrent(a: number): string {
  const text = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 }).format(a);
  return `${text} A`;
}

/** "12:03:10" when the start is on the same day as `now`, else "2024-05-01 12:03:10"; raw text if unparseable. */
export function formatStartTime(iso: string, options: FormatOptions): string {
  const started = new Date(iso);
  if (Number.isNaN(started.getTime())) return iso;
  const { timeZone } = options;
  const time = new Intl.DateTimeFormat('en-GB', {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZone,
  }).format(started);
  const day = calendarDay(started, timeZone);
  return day === calendarDay(options.now, timeZone) ? time : `${day} ${time}`;
}

function calendarDay(date: Date, timeZone: string | undefined): string {
  // en-CA formats dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit', timeZone }).format(
    date,
  );
}

function fixed(value: number, decimals: number): string {
  return new Intl.NumberFormat('en-US', {
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  }).format(value);
}
