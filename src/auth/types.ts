// Shared authorization vocabulary: the OCPP 1.6 IdTagInfo as the local list, the cache, reservations and
// the authorizer see it, and the decision a card tap or remote start gets.
// Must not: hold behaviour (local-list.ts, cache.ts, authorizer.ts, reservations.ts do).

/** OCPP 1.6 AuthorizationStatus (section 7.2). */
export type AuthStatus = 'Accepted' | 'Blocked' | 'Expired' | 'Invalid' | 'ConcurrentTx';

/** OCPP 1.6 IdTagInfo (section 7.28); expiryDate is an ISO 8601 timestamp. */
export interface IdTagInfo {
  status: AuthStatus;
  expiryDate?: string;
  parentIdTag?: string;
}

/** The local authorization list as the authorizer reads it (src/store/local-list.ts implements it). */
export interface LocalListLookup {
  /** The entry for an idTag (any case), or null when it is not listed. */
  lookup(idTag: string): IdTagInfo | null;
  /** Version of the list; 0 = no list installed. */
  version(): number;
  /** Number of entries. */
  size(): number;
}
