// Standalone authorization while no CSMS is configured: a configured allow-list, or free vend.
// Must not: talk to OCPP (the OCPP authorizer replaces this when a CSMS is configured).

import { normalizeIdTag } from './id-tag.js';

export type AuthDecision = { accepted: true; idTag: string } | { accepted: false; idTag: string; reason: string };

export interface StandaloneAuthConfig {
  mode: 'allow-list' | 'free-vend';
  allowList: string[];
  freeVendIdTag: string;
}

export class StandaloneAuthorizer {
  private readonly allowed: Set<string>;

  constructor(private readonly cfg: StandaloneAuthConfig) {
    this.allowed = new Set(cfg.allowList.map(normalizeIdTag));
  }

  get freeVend(): boolean {
    return this.cfg.mode === 'free-vend';
  }

  get freeVendIdTag(): string {
    return this.cfg.freeVendIdTag;
  }

  authorize(idTag: string): AuthDecision {
    const tag = normalizeIdTag(idTag);
    if (this.freeVend || this.allowed.has(tag)) return { accepted: true, idTag: tag };
    return { accepted: false, idTag: tag, reason: 'not in the allow-list (auth.allowList)' };
  }
}
