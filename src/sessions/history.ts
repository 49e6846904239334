// The session-history service: applies the retention (config `sessions`) at start and then once a day on
// the clock, deleting sessions that started more than retentionDays ago, then the oldest beyond
// maxRecords, in small SQLite transactions with the event loop running in between.
// Owns: when retention runs. Must not: delete a running session or one with messages still in the outbox
// (SessionStore refuses them), or block the control loop with one big delete.

import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Clock } from '../../hal/clock.js';
import type { Logger } from '../log.js';
import type { Db } from '../store/db.js';
import { SessionStore } from '../store/sessions.js';

export interface RetentionPolicy {
  retentionDays: number;
  maxRecords: number;
}

export interface SessionHistoryDeps {
  db: Db;
  clock: Clock;
  log: Logger;
}

export interface RetentionResult {
  byAge: number;
  byCount: number;
}

export const DAY_MS = 24 * 60 * 60 * 1000;
/** Sessions deleted per SQLite transaction (a few milliseconds each). */
export const PRUNE_CHUNK = 500;

export class SessionHistory {
  readonly store: SessionStore;
  /** The latest scheduled run (at start, then daily); resolves once it finished and the next one is armed. */
  lastRun: Promise<RetentionResult | null> = Promise.resolve(null);
  private timer: unknown = null;
  private closed = false;

  constructor(
    private readonly policy: RetentionPolicy,
    private readonly deps: SessionHistoryDeps,
  ) {
    this.store = new SessionStore(deps.db);
  }

  /** Runs the retention now, then every day until stop(). */
  start(): void {
    this.closed = false;
    this.lastRun = this.runAndRearm();
  }

  /** No further chunk or run (call before the database closes). */
  stop(): void {
    this.closed = true;
    if (this.timer !== null) this.deps.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  /** One retention pass: by age, then by count; stops between chunks once stop() was called. */
  async prune(): Promise<RetentionResult> {
    const cutoff = new Date(this.deps.clock.now() - this.policy.retentionDays * DAY_MS).toISOString();
    let byAge = 0;
    while (!this.closed) {
      const n = this.store.pruneOlderThan(cutoff, PRUNE_CHUNK);
      byAge += n;
      if (n < PRUNE_CHUNK) break;
      await yieldToLoop();
    }
    let byCount = 0;
    let excess = this.closed ? 0 : this.store.total() - this.policy.maxRecords;
    while (excess > 0 && !this.closed) {
      const n = this.store.pruneOldest(Math.min(PRUNE_CHUNK, excess));
      if (n === 0) break; // the rest is running or waits for the CSMS
      byCount += n;
      excess -= n;
      await yieldToLoop();
    }
    return { byAge, byCount };
  }

  private async runAndRearm(): Promise<RetentionResult | null> {
    let result: RetentionResult | null = null;
    try {
      result = await this.prune();
      if (result.byAge + result.byCount > 0) this.deps.log.info({ ...result, policy: this.policy }, 'session history pruned');
    } catch (err) {
      this.deps.log.error({ err }, 'session history retention failed (retried tomorrow)');
    }
    if (!this.closed) {
      this.timer = this.deps.clock.setTimeout(() => {
        this.lastRun = this.runAndRearm();
      }, DAY_MS);
    }
    return result;
  }
}
