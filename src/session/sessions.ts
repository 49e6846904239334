// Charging sessions (local transactions): start/stop records with meter values, one active per connector.
// Owns: local transaction ids and the append-only session log `sessions.jsonl` in the data directory.
// Must not: decide when sessions start or stop (the connector machine does). The OCPP issue replaces the
// log with the durable SQLite store; the record shape stays.

import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StopReason } from '../../state-machines/connector.js';

export interface SessionRecord {
  id: number;
  connectorId: number;
  idTag: string;
  startedAt: string;
  meterStartWh: number;
  stoppedAt?: string;
  meterStopWh?: number;
  reason?: StopReason;
}

export class SessionLog {
  private readonly active = new Map<number, SessionRecord>();
  private lastId = 0;
  private readonly file: string | null;

  constructor(dataDir: string | null, private readonly now: () => number = Date.now) {
    this.file = dataDir ? join(dataDir, 'sessions.jsonl') : null;
    if (dataDir) mkdirSync(dataDir, { recursive: true });
    if (this.file && existsSync(this.file)) {
      const text = readFileSync(this.file, 'utf8');
      this.lastId = lastIdIn(text);
      if (text.length > 0 && !text.endsWith('\n')) appendFileSync(this.file, '\n'); // close a torn last line
    }
  }

  start(connectorId: number, idTag: string, meterWh: number): SessionRecord {
    const rec: SessionRecord = { id: ++this.lastId, connectorId, idTag, startedAt: iso(this.now()), meterStartWh: meterWh };
    this.active.set(connectorId, rec);
    this.append({ event: 'start', ...rec });
    return rec;
  }

  stop(connectorId: number, reason: StopReason, meterWh: number): SessionRecord | null {
    const rec = this.active.get(connectorId);
    if (!rec) return null;
    this.active.delete(connectorId);
    const done: SessionRecord = { ...rec, stoppedAt: iso(this.now()), meterStopWh: Math.max(meterWh, rec.meterStartWh), reason };
    this.append({ event: 'stop', ...done });
    return done;
  }

  current(connectorId: number): SessionRecord | null {
    return this.active.get(connectorId) ?? null;
  }

  private append(entry: object): void {
    if (this.file) appendFileSync(this.file, `${JSON.stringify(entry)}\n`);
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function lastIdIn(text: string): number {
  let max = 0;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const id = (JSON.parse(line) as { id?: unknown }).id;
      if (typeof id === 'number' && id > max) max = id;
    } catch {
      // a torn last line after a power cut: skip it
    }
  }
  return max;
}
