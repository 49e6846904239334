// Installed charging profiles (OCPP 1.6 3.13) in SQLite, so they survive restarts and power cuts.
// Owns: the charging_profiles table. Must not: decide which profile replaces which (src/charging does), or
// hold a profile that is not installed: every change is written in one transaction before it is answered.

import type { InstalledProfile } from '../charging/types.js';
import type { Db } from './db.js';

type Row = { connector_id: number; profile: string; installed_at: number };

export class ChargingProfileStore {
  private readonly insert;
  private readonly remove;
  private readonly all;

  constructor(private readonly db: Db) {
    this.insert = db.prepare('INSERT OR REPLACE INTO charging_profiles (profile_id, connector_id, profile, installed_at) VALUES (?, ?, ?, ?)');
    this.remove = db.prepare('DELETE FROM charging_profiles WHERE profile_id = ?');
    this.all = db.prepare<[], Row>('SELECT connector_id, profile, installed_at FROM charging_profiles ORDER BY profile_id');
  }

  /** Every installed profile; a row that does not parse is dropped (and reported) rather than stopping the start. */
  load(onBad: (problem: string) => void = () => undefined): InstalledProfile[] {
    const out: InstalledProfile[] = [];
    for (const row of this.all.all()) {
      try {
        out.push({ connectorId: row.connector_id, profile: JSON.parse(row.profile) as InstalledProfile['profile'], installedAt: row.installed_at });
      } catch (err) {
        onBad(`charging profile row of connector ${row.connector_id} unreadable: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return out;
  }

  /** Removes `removedIds` and writes `added`, atomically. */
  change(removedIds: readonly number[], added: readonly InstalledProfile[]): void {
    this.db.transaction(() => {
      for (const id of removedIds) this.remove.run(id);
      for (const p of added) this.insert.run(p.profile.chargingProfileId, p.connectorId, JSON.stringify(p.profile), p.installedAt);
    })();
  }
}
