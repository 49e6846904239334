// Connector availability (OCPP ChangeAvailability, 1.6 section 5.2): connector 0 is the whole charge
// point. Inoperative while a session runs is Scheduled and applied when the session ends. Persisted, and
// restored at start. Must not: decide anything about charging (the connector machine does).

import type { ConnectorRuntime } from './connector/runtime.js';
import type { Settings } from './store/settings.js';

export class Availability {
  constructor(
    private readonly settings: Settings | null,
    private readonly connectors: ConnectorRuntime[],
  ) {}

  /** Applies the persisted availability (before any session can start). */
  restore(): void {
    for (const c of this.connectors) c.setOperative(this.effective(c.id));
  }

  stationOperative(): boolean {
    return this.settings?.operative(0) ?? true;
  }

  change(connectorId: number, operative: boolean): 'Accepted' | 'Scheduled' {
    this.settings?.setOperative(connectorId, operative);
    // Connector 0 means the whole charge point: every connector follows it.
    if (connectorId === 0) for (const c of this.connectors) this.settings?.setOperative(c.id, operative);
    const targets = connectorId === 0 ? this.connectors : this.connectors.filter((c) => c.id === connectorId);
    let scheduled = false;
    for (const c of targets) {
      const want = this.effective(c.id);
      // The connector machine applies a scheduled change itself in the event that ends the session, so
      // the CSMS sees Unavailable right after the stop (never a passing Available).
      const later = !want && c.context.session === 'active';
      scheduled ||= later;
      c.setOperative(want, later);
    }
    return scheduled ? 'Scheduled' : 'Accepted';
  }

  private effective(connectorId: number): boolean {
    const station = this.settings?.operative(0) ?? true;
    return station && (this.settings?.operative(connectorId) ?? true);
  }
}
