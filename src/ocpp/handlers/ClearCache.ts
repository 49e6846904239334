// ClearCache (OCPP 1.6 section 5.4): empties the authorization cache (src/store/auth-cache.ts). Accepted when
// cleared; Rejected when it could not be, or while AuthorizationCacheEnabled is false (no cache in use).
// Must not: touch the local authorization list (only SendLocalList changes it).

import type { ClearCacheResponse } from 'ocpp-ts';

export function ClearCache(deps: { clear: () => 'Accepted' | 'Rejected' }) {
  return (): ClearCacheResponse => ({ status: deps.clear() });
}
