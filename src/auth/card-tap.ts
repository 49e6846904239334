// What a card tap does (OCPP 1.6 3.5, 4.10, 5.13): stop the session it started or one of its group, release
// a cable held for it, or authorize it for the connector that waits (reservations honoured); every refusal
// is logged, signalled on the LED per reason and kept for the status API.
// Must not: decide authorization itself (the host's authorizer does) or drive outputs (the connectors do).

import type { Config } from '../config/schema.js';
import { CARD_ACCEPTED_LED, type IndicatorDriver } from '../connector/indicator.js';
import type { ConnectorRuntime } from '../connector/runtime.js';
import type { Logger } from '../log.js';
import type { TransactionService } from '../ocpp/transactions.js';
import { normalizeIdTag, uidToIdTag } from './id-tag.js';
import { accept, refuse, type AuthorizationDecision, type LastAuthorization } from './refusal.js';
import type { ReservationService } from './reservations.js';

/** What the card tap needs of the controller. */
export interface CardTapHost {
  readonly config: Config;
  readonly connectors: ConnectorRuntime[];
  readonly transactions: Pick<TransactionService, 'current'>;
  readonly reservations: Pick<ReservationService, 'allows' | 'mayTry'>;
  authorizer: (idTag: string) => Promise<AuthorizationDecision>;
  authorizeOn(connectorId: number, idTag: string, parentIdTag?: string): void;
}

export interface CardTapDeps {
  log: Logger;
  indicators: Map<number, IndicatorDriver>;
  now: () => string;
}

export class CardTap {
  /** The last card decision per connector; 0 = station-wide (no connector was chosen). */
  private readonly lastAuth = new Map<number, LastAuthorization>();

  constructor(
    private readonly host: CardTapHost,
    private readonly deps: CardTapDeps,
  ) {}

  /** The last card decision on a connector (0: one no connector was chosen for). */
  last(connectorId: number): LastAuthorization | null {
    return this.lastAuth.get(connectorId) ?? null;
  }

  /**
   * A card was presented: it stops the session it started, or a session of its group (same parentIdTag,
   * known from the list or cache or learned by authorizing it), or releases the cable kept locked after its
   * DeAuthorized stop; else it is authorized for the connector that waits.
   */
  async onCard(uid: Uint8Array): Promise<void> {
    const log = this.deps.log;
    const parsed = uidToIdTag(uid, this.host.config.auth.uidFormat);
    if (!parsed.ok) {
      log.warn({ uidBytes: uid.length }, `card ignored: ${parsed.error}`);
      return this.cardRefused(0, refuse('', 'BadCard', 'policy'));
    }
    const idTag = parsed.idTag;
    if (this.stopOwnSession(idTag)) return;
    let decision: AuthorizationDecision | undefined;
    if (this.host.connectors.some((c) => this.host.transactions.current(c.id)?.parentIdTag)) {
      decision = await this.host.authorizer(idTag);
      if (this.stopGroupSession(idTag, decision.parentIdTag)) return;
    }
    const target = this.pickConnectorFor(idTag);
    // A cable kept locked for its owner (DeAuthorized stop) is not another driver's to charge with.
    if (!target || target.context.cableHeld) return this.cardRefused(0, refuse(idTag, 'NoConnector', 'policy'));
    decision ??= await this.host.authorizer(idTag);
    if (!decision.accepted) return this.cardRefused(target.id, decision);
    // Reservation (OCPP 1.6 5.13): a reserved connector takes only its idTag or group; the group is known now.
    if (!this.host.reservations.allows(target.id, decision.idTag, decision.parentIdTag)) return this.cardRefused(target.id, refuse(decision.idTag, 'Reserved', 'policy', decision.parentIdTag));
    log.info({ idTag, connector: target.id, source: decision.source, parentIdTag: decision.parentIdTag }, 'card accepted');
    this.recordAuth(target.id, decision);
    this.deps.indicators.get(target.id)?.flash(CARD_ACCEPTED_LED);
    this.host.authorizeOn(target.id, decision.idTag, decision.parentIdTag);
  }

  /** The card's own session stops (Local); a cable it left locked (DeAuthorized) is released. */
  private stopOwnSession(idTag: string): boolean {
    const tag = normalizeIdTag(idTag);
    const own = this.host.connectors.find((c) => normalizeIdTag(this.host.transactions.current(c.id)?.idTag ?? '') === tag);
    const held = this.host.connectors.find((c) => c.context.cableHeld && c.context.session === 'finished' && normalizeIdTag(c.context.idTag ?? '') === tag);
    const c = own ?? held;
    if (!c) return false;
    this.deps.log.info({ idTag, connector: c.id }, own ? 'card presented again: stopping session' : 'owner card: cable released');
    if (own) c.stopSession('Local');
    else c.releaseCable();
    this.recordAuth(c.id, accept(idTag, 'policy'), own ? `Card ${idTag} stopped the session` : `Card ${idTag} released the cable`);
    return true;
  }

  /** OCPP 1.6 3.5 / 4.10: a card of the same group (parentIdTag) stops the session. */
  private stopGroupSession(idTag: string, parentIdTag: string | undefined): boolean {
    if (!parentIdTag) return false;
    const group = normalizeIdTag(parentIdTag);
    const c = this.host.connectors.find((k) => normalizeIdTag(this.host.transactions.current(k.id)?.parentIdTag ?? '') === group);
    if (!c) return false;
    this.deps.log.info({ idTag, parentIdTag, connector: c.id }, 'card of the same group: stopping session');
    c.stopSession('Local');
    this.recordAuth(c.id, accept(idTag, 'policy', parentIdTag), `Card ${idTag} stopped the session of its group ${parentIdTag}`);
    return true;
  }

  /** Logs, signals (LED per reason) and records a refusal; 0 = no connector chosen (every LED). */
  private cardRefused(connectorId: number, d: AuthorizationDecision): void {
    const where = connectorId === 0 ? {} : { connector: connectorId };
    this.deps.log.warn({ idTag: d.idTag, ...where, reason: d.reason, source: d.source }, `card refused: ${d.idTag}: ${d.sentence}`);
    this.recordAuth(connectorId, d);
    const leds = connectorId === 0 ? [...this.deps.indicators.values()] : [this.deps.indicators.get(connectorId)];
    for (const led of leds) led?.refuse(d.reason ?? 'Invalid');
  }

  private recordAuth(connectorId: number, d: AuthorizationDecision, sentence = d.sentence): void {
    this.lastAuth.set(connectorId, { idTag: d.idTag, accepted: d.accepted, status: d.status, ...(d.reason ? { reason: d.reason } : {}), sentence, at: this.deps.now() });
  }

  /**
   * Plugged and waiting first, then a finished one still plugged, then the first available. Within each,
   * reservations rank the connectors: one reserved for this idTag, then unreserved ones, then one whose
   * group reservation may match, and one reserved for someone else last, so a card is refused for a
   * reservation (onCard's check, with the driver sentence) only where nothing else is left: typically
   * the driver plugged into a connector reserved for another card.
   */
  private pickConnectorFor(idTag: string): ConnectorRuntime | undefined {
    const RANK = { mine: 0, free: 1, maybe: 2, no: 3 } as const;
    const free = this.host.connectors.filter((c) => c.context.operative && c.context.session !== 'active' && c.status !== 'Faulted');
    const best = (tier: ConnectorRuntime[]) =>
      tier.map((c) => ({ c, rank: RANK[this.host.reservations.mayTry(c.id, idTag)] })).sort((a, b) => a.rank - b.rank)[0]?.c;
    return (
      best(free.filter((c) => c.context.pilot !== 'A' && c.context.session === 'none')) ??
      best(free.filter((c) => c.context.pilot !== 'A' && c.context.session === 'finished')) ??
      best(free.filter((c) => c.context.pilot === 'A' && c.context.session === 'none'))
    );
  }
}
