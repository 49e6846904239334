// Persisted reservations (OCPP 1.6 Reservation profile, table `reservations` in db.ts): one row per
// reservationId, connector 0 = any connector. Written before ReserveNow is answered, so a reservation
// survives a reboot. Must not: decide anything (src/auth/reservations.ts holds the rules).

import type { Db } from './db.js';

export interface Reservation {
  reservationId: number;
  /** 0 = any connector of the charge point. */
  connectorId: number;
  /** As the CSMS sent it; compared case-insensitively (CiString20). */
  idTag: string;
  parentIdTag?: string;
  /** ISO 8601 timestamp. */
  expiryDate: string;
}

interface Row {
  reservation_id: number;
  connector_id: number;
  id_tag: string;
  parent_id_tag: string | null;
  expiry_date: string;
}

export class ReservationStore {
  private readonly selectAll;
  private readonly upsert;
  private readonly deleteOne;

  constructor(db: Db) {
    this.selectAll = db.prepare<[], Row>('SELECT * FROM reservations ORDER BY reservation_id');
    this.upsert = db.prepare(
      `INSERT INTO reservations (reservation_id, connector_id, id_tag, parent_id_tag, expiry_date) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(reservation_id) DO UPDATE SET connector_id = excluded.connector_id, id_tag = excluded.id_tag,
       parent_id_tag = excluded.parent_id_tag, expiry_date = excluded.expiry_date`,
    );
    this.deleteOne = db.prepare('DELETE FROM reservations WHERE reservation_id = ?');
  }

  all(): Reservation[] {
    return this.selectAll.all().map((r) => ({
      reservationId: r.reservation_id,
      connectorId: r.connector_id,
      idTag: r.id_tag,
      ...(r.parent_id_tag ? { parentIdTag: r.parent_id_tag } : {}),
      expiryDate: r.expiry_date,
    }));
  }

  /** Adds a reservation, or replaces the one with the same reservationId. */
  put(r: Reservation): void {
    this.upsert.run(r.reservationId, r.connectorId, r.idTag, r.parentIdTag ?? null, r.expiryDate);
  }

  /** Removes a reservation; false when there was none with that id. */
  remove(reservationId: number): boolean {
    return this.deleteOne.run(reservationId).changes > 0;
  }
}
