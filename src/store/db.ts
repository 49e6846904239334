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
CREATE INDEX IF NOT EXISTS transactions_started ON transactions (started_at);
CREATE INDEX IF NOT EXISTS transactions_id_tag ON transactions (id_tag);
-- Session history (src/store/sessions.ts): idTag filter compares upper(trim(id_tag)), newest first;
-- retention deletes the samples of a transaction by local_tx_id.
CREATE INDEX IF NOT EXISTS transactions_id_tag_norm ON transactions (upper(trim(id_tag)), started_at);
CREATE INDEX IF NOT EXISTS tx_samples_tx ON tx_samples (local_tx_id);
-- Local authorization list (OCPP 1.6 3.5.1): two slots; a Full update fills the inactive one in chunks and
-- flips meta 'localList.active' (0 or 1) in one small transaction, so a failed update changes nothing.
-- id_tag is the normal form (upper case, trimmed: CiString compares case-insensitively).
CREATE TABLE IF NOT EXISTS local_list_0 (id_tag TEXT PRIMARY KEY, status TEXT NOT NULL, expiry_date TEXT, parent_id_tag TEXT) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS local_list_1 (id_tag TEXT PRIMARY KEY, status TEXT NOT NULL, expiry_date TEXT, parent_id_tag TEXT) WITHOUT ROWID;
-- Authorization cache (OCPP 1.6 3.5.2): every IdTagInfo the CSMS sent; updated_at orders eviction.
CREATE TABLE IF NOT EXISTS auth_cache (id_tag TEXT PRIMARY KEY, status TEXT NOT NULL, expiry_date TEXT, parent_id_tag TEXT, updated_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS auth_cache_age ON auth_cache (updated_at);
-- Reservations (OCPP 1.6 3.10 / 5.13): connector_id 0 = any connector.
CREATE TABLE IF NOT EXISTS reservations (reservation_id INTEGER PRIMARY KEY, connector_id INTEGER NOT NULL, id_tag TEXT NOT NULL, parent_id_tag TEXT, expiry_date TEXT NOT NULL);
-- Charging profiles (OCPP 1.6 3.13): the profile as the CSMS sent it (JSON), keyed by chargingProfileId.
CREATE TABLE IF NOT EXISTS charging_profiles (profile_id INTEGER PRIMARY KEY, connector_id INTEGER NOT NULL, profile TEXT NOT NULL, installed_at INTEGER NOT NULL);
`;

/** Columns added after the first release: [table, column, declaration]. Added when missing (older files). */
const ADDED_COLUMNS: Array<[string, string, string]> = [
  ['transactions', 'parent_id_tag', 'TEXT'],
  ['transactions', 'reservation_id', 'INTEGER'],
  ['transactions', 'cost', 'REAL'],
  ['transactions', 'currency', 'TEXT'],
];

function addMissingColumns(db: Database.Database): void {
  for (const [table, column, decl] of ADDED_COLUMNS) {
    const cols = db.prepare<[], { name: string }>(`PRAGMA table_info(${table})`).all();
    if (!cols.some((c) => c.name === column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${decl}`);
  }
}

/** Opens (creating if needed) `<dataDir>/evse.db`; `:memory:` for tests that need no file. */
export function openDb(dataDir: string | ':memory:'): Db {
  const file = dataDir === ':memory:' ? ':memory:' : join(dataDir, 'evse.db');
  if (dataDir !== ':memory:') mkdirSync(dataDir, { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.exec(SCHEMA);
  addMissingColumns(db);
  return db;
}
