// The controller's SQLite database (better-sqlite3, WAL): opening, pragmas and schema.
// Owns: the schema. Must not: hold business rules (the stores in this folder do).
// Durability: WAL with synchronous=FULL, so every committed transaction record is fsynced before the
// call returns (a power cut after it loses nothing).

import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export type Db = Database.Database;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS transactions (
  local_id INTEGER PRIMARY KEY AUTOINCREMENT,
  connector_id INTEGER NOT NULL,
  id_tag TEXT NOT NULL,
  started_at TEXT NOT NULL,
  meter_start_wh REAL NOT NULL,
  last_meter_wh REAL NOT NULL,
  last_meter_at TEXT NOT NULL,
  csms_id INTEGER,
  stopped_at TEXT,
  meter_stop_wh REAL,
  stop_reason TEXT
);
CREATE INDEX IF NOT EXISTS transactions_open ON transactions (stopped_at) WHERE stopped_at IS NULL;
CREATE TABLE IF NOT EXISTS outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  action TEXT NOT NULL,
  payload TEXT NOT NULL,
  local_tx_id INTEGER,
  attempts INTEGER NOT NULL DEFAULT 0,
  not_before INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS tx_samples (
  local_tx_id INTEGER NOT NULL,
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  meter_value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS ocpp_config (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS availability (connector_id INTEGER PRIMARY KEY, operative INTEGER NOT NULL);
`;

/** Opens (creating if needed) `<dataDir>/evse.db`; `:memory:` for tests that need no file. */
export function openDb(dataDir: string | ':memory:'): Db {
  const file = dataDir === ':memory:' ? ':memory:' : join(dataDir, 'evse.db');
  if (dataDir !== ':memory:') mkdirSync(dataDir, { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.exec(SCHEMA);
  return db;
}
