// ClearCache (OCPP 1.6 section 5.4). This version keeps no authorization cache (AuthorizationCacheEnabled
// is false), so there is nothing to clear and the request succeeds; the cache arrives with the
// authorization issue and will be cleared here.

import type { ClearCacheResponse } from 'ocpp-ts';

export function ClearCache() {
  return (): ClearCacheResponse => ({ status: 'Accepted' });
}
