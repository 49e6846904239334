// Small persisted settings: meta values (last exit reason), OCPP configuration keys changed by the CSMS,
// connector availability. Must not: interpret the values.

import type { Db } from './db.js';

export class Settings {
  private readonly getMeta;
  private readonly setMeta;
  private readonly getKey;
  private readonly setKey;
  private readonly getAvail;
  private readonly setAvail;

  constructor(db: Db) {
    this.getMeta = db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?');
    this.setMeta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
    this.getKey = db.prepare<[], { key: string; value: string }>('SELECT key, value FROM ocpp_config');
    this.setKey = db.prepare('INSERT INTO ocpp_config (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
    this.getAvail = db.prepare<[number], { operative: number }>('SELECT operative FROM availability WHERE connector_id = ?');
    this.setAvail = db.prepare(
      'INSERT INTO availability (connector_id, operative) VALUES (?, ?) ON CONFLICT(connector_id) DO UPDATE SET operative = excluded.operative',
    );
  }

  meta(key: string): string | undefined {
    return this.getMeta.get(key)?.value;
  }

  setMetaValue(key: string, value: string): void {
    this.setMeta.run(key, value);
  }

  ocppKeys(): Map<string, string> {
    return new Map(this.getKey.all().map((r) => [r.key, r.value]));
  }

  setOcppKey(key: string, value: string): void {
    this.setKey.run(key, value);
  }

  /** Persisted availability of a connector (0 = the charge point); undefined when never changed. */
  operative(connectorId: number): boolean | undefined {
    const row = this.getAvail.get(connectorId);
    return row === undefined ? undefined : row.operative === 1;
  }

  setOperative(connectorId: number, operative: boolean): void {
    this.setAvail.run(connectorId, operative ? 1 : 0);
  }
}
