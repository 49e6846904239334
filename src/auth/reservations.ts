// Reservations (OCPP 1.6 sections 3.10, 5.13 ReserveNow, 5.2 CancelReservation, 9.3
// ReserveConnectorZeroSupported): accepting and replacing them, expiry (one timer to the nearest expiryDate),
// ending them when used, cancelled, or when their connector / the charge point goes Faulted or Unavailable,
// and who may start a session on a connector a reservation holds. Persisted (src/store/reservations.ts),
// restored at start. A reservation on connector 0 holds no connector: it keeps one free connector for its
// idTag, so other idTags are refused once the free connectors would not be enough.
// Must not: touch connectors or OCPP frames; it learns connector states and reports changes through deps.

import type { Clock } from '../../hal/clock.js';
import type { OcppStatus } from '../../state-machines/connector-logic.js';
import type { Logger } from '../log.js';
import type { Db } from '../store/db.js';
import { ReservationStore, type Reservation } from '../store/reservations.js';
import { normalizeIdTag } from './id-tag.js';

export type { Reservation };

/** OCPP 1.6 ReservationStatus (section 7.39). */
export type ReserveStatus = 'Accepted' | 'Faulted' | 'Occupied' | 'Rejected' | 'Unavailable';

/**
 * Whether an idTag may start on a connector before its group is known: `mine` (a reservation holding it
 * is this idTag's or its group's), `free` (nothing holds it), `maybe` (held, but a group reservation could
 * match once authorization tells the idTag's parentIdTag), `no`.
 */
export type ReservationStanding = 'mine' | 'free' | 'maybe' | 'no';

export type ReservationEnd = 'Expired' | 'Cancelled' | 'Used' | 'Faulted' | 'Unavailable';

export interface ReservationDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  /** Now in ms on the time base of OCPP timestamps (the CSMS's once known); default clock.now(). */
  now?: () => number;
  connectorIds: () => number[];
  /** The connector's own status, reservations left out (Faulted while a blocking fault is active). */
  status: (connectorId: number) => OcppStatus;
  /** The charge point as a whole (connector 0). */
  stationStatus: () => 'Available' | 'Unavailable' | 'Faulted';
  /** What a connector reports may have changed: a StatusNotification may be due. */
  changed: (connectorId: number) => void;
}

/** Timers are re-armed at least this often: long delays overflow setTimeout and the CSMS clock may move. */
const MAX_TIMER_MS = 3_600_000;

export class ReservationService {
  private readonly store: ReservationStore;
  private readonly byId = new Map<number, Reservation>();
  private timer: unknown = null;
  /** A report of every connector is scheduled (after the current reply went out, e.g. ReserveNow.conf). */
  private reportTimer: unknown = null;
  /** Set while reporting changes: the reports it triggers come back through connectorChanged. */
  private notifying = false;

  constructor(private readonly deps: ReservationDeps) {
    this.store = new ReservationStore(deps.db);
  }

  /** Loads the persisted reservations: expired ones (or of connectors no longer configured) are dropped. */
  restore(): void {
    this.byId.clear();
    const now = this.now();
    const ids = new Set(this.deps.connectorIds());
    for (const r of this.store.all()) {
      if (expiryOf(r) <= now || (r.connectorId !== 0 && !ids.has(r.connectorId))) {
        this.store.remove(r.reservationId);
        this.deps.log.info({ reservationId: r.reservationId, connectorId: r.connectorId }, 'reservation dropped at start: expired or connector gone');
      } else this.byId.set(r.reservationId, r);
    }
    this.arm();
  }

  stop(): void {
    this.disarm();
    if (this.reportTimer !== null) this.deps.clock.clearTimeout(this.reportTimer);
    this.reportTimer = null;
  }

  list(): Reservation[] {
    return [...this.byId.values()];
  }

  /** The reservation of one connector (> 0), if any. */
  onConnector(connectorId: number): Reservation | undefined {
    return this.list().find((r) => r.connectorId === connectorId);
  }

  /**
   * ReserveNow (5.13). The same reservationId replaces the earlier reservation (on the same connector at
   * once; on another connector only if that one can be reserved, else the earlier one stays).
   * Connector 0 must be allowed by the caller (ReserveConnectorZeroSupported).
   */
  reserve(req: Reservation): ReserveStatus {
    const expiry = Date.parse(req.expiryDate);
    if (!Number.isFinite(expiry) || expiry <= this.now()) return 'Rejected';
    if (req.connectorId !== 0 && !this.deps.connectorIds().includes(req.connectorId)) return 'Rejected';
    const earlier = this.byId.get(req.reservationId);
    const status = earlier?.connectorId === req.connectorId ? 'Accepted' : this.check(req.connectorId, earlier);
    if (status !== 'Accepted') return status;
    const r: Reservation = { ...req, expiryDate: new Date(expiry).toISOString() };
    if (!r.parentIdTag) delete r.parentIdTag;
    this.store.put(r);
    this.byId.set(r.reservationId, r);
    this.deps.log.info({ reservationId: r.reservationId, connectorId: r.connectorId, idTag: r.idTag, expiryDate: r.expiryDate, replaced: !!earlier }, 'reservation accepted');
    this.arm();
    this.notify();
    return 'Accepted';
  }

  /** CancelReservation (5.2 of the Reservation profile): false when no such reservation exists. */
  cancel(reservationId: number): boolean {
    const r = this.byId.get(reservationId);
    if (!r) return false;
    this.end(r, 'Cancelled');
    return true;
  }

  /** A free (Available) connector that reservations keep for their idTags reports Reserved. */
  reportsReserved(connectorId: number): boolean {
    return this.deps.status(connectorId) === 'Available' && this.holdersOf(connectorId).length > 0;
  }

  /** Before authorization: may this idTag try to start on the connector? */
  mayTry(connectorId: number, idTag: string): ReservationStanding {
    const holders = this.holdersOf(connectorId);
    if (holders.length === 0) return 'free';
    if (holders.some((r) => matches(r, idTag, undefined))) return 'mine';
    return holders.some((r) => r.parentIdTag) ? 'maybe' : 'no';
  }

  /** After authorization (the idTag's parentIdTag known): may it start a session on the connector? */
  allows(connectorId: number, idTag: string, parentIdTag?: string): boolean {
    const holders = this.holdersOf(connectorId);
    return holders.length === 0 || holders.some((r) => matches(r, idTag, parentIdTag));
  }

  /**
   * A session started on the connector: the reservation its idTag or group holds there (or on connector 0)
   * ends; returns its id for StartTransaction.reservationId.
   */
  consume(connectorId: number, idTag: string, parentIdTag?: string): number | undefined {
    const own = this.onConnector(connectorId);
    const candidates = [...(own ? [own] : []), ...this.list().filter((r) => r.connectorId === 0)];
    const used = candidates.find((r) => matches(r, idTag, undefined)) ?? candidates.find((r) => matches(r, idTag, parentIdTag));
    if (!used) return undefined;
    this.end(used, 'Used');
    return used.reservationId;
  }

  /**
   * A connector's (or the charge point's, 0) report changed. Reservations end when their connector or
   * the charge point goes Faulted or Unavailable (3.10); with connector-0 reservations, one connector
   * becoming busy or free changes whether the others report Reserved.
   */
  connectorChanged(_connectorId: number): void {
    if (this.notifying || this.byId.size === 0) return;
    const station = this.deps.stationStatus();
    for (const r of this.list()) {
      const status = station !== 'Available' || r.connectorId === 0 ? station : this.deps.status(r.connectorId);
      if (status === 'Faulted' || status === 'Unavailable') this.end(r, status);
    }
    if (this.list().some((r) => r.connectorId === 0)) this.notify();
  }

  /** Answer to a ReserveNow for a new reservation (or one moving to another connector). */
  private check(connectorId: number, replacing: Reservation | undefined): ReserveStatus {
    const station = this.deps.stationStatus();
    if (station !== 'Available') return station;
    const others = this.list().filter((r) => r !== replacing);
    const zero = others.filter((r) => r.connectorId === 0).length;
    if (connectorId === 0) {
      const statuses = this.deps.connectorIds().map((id) => this.deps.status(id));
      if (statuses.every((s) => s === 'Faulted')) return 'Faulted';
      if (statuses.every((s) => s === 'Faulted' || s === 'Unavailable')) return 'Unavailable';
      return this.freeCount(others) > zero ? 'Accepted' : 'Occupied';
    }
    const status = this.deps.status(connectorId);
    if (status === 'Faulted' || status === 'Unavailable') return status;
    if (status !== 'Available' || others.some((r) => r.connectorId === connectorId)) return 'Occupied';
    // Taking this connector must still leave one free connector per connector-0 reservation.
    return this.freeCount(others, connectorId) >= zero ? 'Accepted' : 'Occupied';
  }

  /** The reservations a session on this connector must belong to; empty when anyone may use it. */
  private holdersOf(connectorId: number): Reservation[] {
    const own = this.onConnector(connectorId);
    if (own) return [own];
    const all = this.list();
    const zero = all.filter((r) => r.connectorId === 0);
    return zero.length > 0 && this.freeCount(all, connectorId) < zero.length ? zero : [];
  }

  /** Connectors a new session could take now: Available and not held by a one-connector reservation. */
  private freeCount(reservations: Reservation[], except?: number): number {
    const held = new Set(reservations.map((r) => r.connectorId));
    return this.deps.connectorIds().filter((id) => id !== except && !held.has(id) && this.deps.status(id) === 'Available').length;
  }

  private end(r: Reservation, reason: ReservationEnd): void {
    if (!this.byId.delete(r.reservationId)) return;
    this.store.remove(r.reservationId);
    this.deps.log.info({ reservationId: r.reservationId, connectorId: r.connectorId, idTag: r.idTag, reason }, 'reservation ended');
    this.arm();
    this.notify();
  }

  /**
   * Reports every connector again, once, on the next turn (so ReserveNow.conf goes out before the
   * StatusNotification it causes); the status reporter sends only what changed.
   */
  private notify(): void {
    if (this.notifying || this.reportTimer !== null) return;
    this.reportTimer = this.deps.clock.setTimeout(() => {
      this.reportTimer = null;
      this.notifying = true;
      try {
        for (const id of this.deps.connectorIds()) this.deps.changed(id);
      } finally {
        this.notifying = false;
      }
    }, 0);
  }

  private disarm(): void {
    if (this.timer !== null) this.deps.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(): void {
    this.disarm();
    if (this.byId.size === 0) return;
    const next = Math.min(...this.list().map(expiryOf));
    const delay = Math.min(Math.max(0, next - this.now()), MAX_TIMER_MS);
    this.timer = this.deps.clock.setTimeout(() => {
      this.timer = null;
      this.expire();
    }, delay);
  }

  private expire(): void {
    const now = this.now();
    const due = this.list().filter((r) => expiryOf(r) <= now);
    for (const r of due) this.end(r, 'Expired');
    if (due.length === 0) this.arm();
  }

  private now(): number {
    return this.deps.now?.() ?? this.deps.clock.now();
  }
}

function expiryOf(r: Reservation): number {
  return Date.parse(r.expiryDate);
}

/**
 * OCPP 1.6 5.13: a reserved connector takes only an idTag whose idTag or parent idTag matches the
 * reservation's idTag or parent idTag: the reserved idTag itself, and with a parentIdTag the group's own
 * idTag and every card of that group. CiString: compared case-insensitively.
 */
function matches(r: Reservation, idTag: string, parentIdTag: string | undefined): boolean {
  const tag = normalizeIdTag(idTag);
  if (tag === normalizeIdTag(r.idTag)) return true;
  if (!r.parentIdTag) return false;
  const group = normalizeIdTag(r.parentIdTag);
  return tag === group || (parentIdTag !== undefined && normalizeIdTag(parentIdTag) === group);
}
