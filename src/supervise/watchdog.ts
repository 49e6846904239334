// Talking to systemd while the controller runs: READY=1 once it serves, WATCHDOG=1 every half watchdog
// period while healthy, STATUS= with a one-line summary when it changes, STOPPING=1 on shutdown.
// Owns: the ping timer and the decision to withhold a ping. Must not: know how health is measured
// (health.ts) or how datagrams are sent (notify.ts).

import type { Clock } from '../../hal/clock.js';
import type { Logger } from '../log.js';
import type { Health } from './health.js';
import type { Notifier } from './notify.js';

export interface WatchdogDeps {
  notifier: Notifier;
  clock: Clock;
  log: Logger;
  health: () => Health;
  /** One line describing what the controller does now (connectors, OCPP). */
  summary: () => string;
}

export class Watchdog {
  private timer: unknown = null;
  private lastStatus = '';
  private wasHealthy = true;
  private stopped = false;

  constructor(private readonly deps: WatchdogDeps) {}

  /** The ping period: half of WatchdogSec (REFERENCE.md 7); 0 when systemd set no watchdog. */
  get pingMs(): number {
    return Math.floor(this.deps.notifier.watchdogMs / 2);
  }

  /** The controller serves: READY=1 with the first status, then pings while healthy. */
  ready(): void {
    const health = this.deps.health();
    this.wasHealthy = health.ok;
    this.lastStatus = this.statusLine(health).replace(/\s*\n\s*/g, ' ');
    this.deps.notifier.send(`READY=1\nSTATUS=${this.lastStatus}`);
    if (health.ok && this.pingMs > 0) this.deps.notifier.send('WATCHDOG=1');
    if (this.pingMs > 0) this.schedule();
    this.deps.log.info({ watchdogMs: this.deps.notifier.watchdogMs }, 'systemd notified: ready');
  }

  /** Something the summary shows may have changed: send STATUS= if the line differs. */
  refresh(): void {
    if (!this.stopped) this.sendStatus(this.statusLine(this.deps.health()));
  }

  stopping(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer !== null) this.deps.clock.clearTimeout(this.timer);
    this.timer = null;
    this.deps.notifier.send('STOPPING=1\nSTATUS=stopping: ending sessions, opening contactors');
  }

  /** One watchdog period: ping only while healthy; health changes are logged and shown in STATUS. */
  tick(): void {
    const health = this.deps.health();
    if (health.ok !== this.wasHealthy) {
      if (health.ok) this.deps.log.info('healthy again: watchdog pings resume');
      else this.deps.log.error({ reason: health.reason }, 'unhealthy: watchdog pings stop (systemd restarts the controller)');
      this.wasHealthy = health.ok;
    }
    this.sendStatus(this.statusLine(health));
    if (health.ok) this.deps.notifier.send('WATCHDOG=1');
    else this.deps.log.warn({ reason: health.reason }, 'watchdog ping withheld');
  }

  private schedule(): void {
    this.timer = this.deps.clock.setTimeout(() => {
      if (this.stopped) return;
      this.tick();
      this.schedule();
    }, this.pingMs);
  }

  private statusLine(health: Health): string {
    const line = this.deps.summary();
    return health.ok ? line : `UNHEALTHY (${health.reason ?? 'unknown'}); ${line}`;
  }

  private sendStatus(text: string): void {
    const line = text.replace(/\s*\n\s*/g, ' ');
    if (line === this.lastStatus) return;
    this.lastStatus = line;
    this.deps.notifier.send(`STATUS=${line}`);
  }
}
