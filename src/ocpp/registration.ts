// Registration with the CSMS (OCPP 1.6 section 4.2, REFERENCE.md 8): BootNotification after every
// connect until Accepted; Pending and Rejected retried after the interval the CSMS gives (our own backoff
// when it is 0); Heartbeat at the accepted interval; the CSMS clock as time base for every timestamp.
// Owns: the registration state and whether a request may be sent now. Must not: send anything else.

import type { BootNotificationRequest, BootNotificationResponse, HeartbeatResponse } from 'ocpp-ts';
import type { Clock } from '../../hal/clock.js';
import type { Logger } from '../log.js';

export type RegistrationState = 'NotConfigured' | 'Connecting' | 'Pending' | 'Accepted' | 'Rejected';

export interface RegistrationDeps {
  clock: Clock;
  log: Logger;
  boot: BootNotificationRequest;
  call: <T>(action: string, payload: unknown) => Promise<T>;
  connected: () => boolean;
  heartbeatIntervalS: () => number;
  setHeartbeatIntervalS: (s: number) => void;
  /** Persisted "was ever Accepted" flag (offline policy before the first acceptance). */
  everAccepted: { get(): boolean; set(): void };
}

const RETRY_WHEN_ZERO_S = 30;

export class Registration {
  state: RegistrationState = 'Connecting';
  private offsetMs = 0;
  private bootTimer: unknown = null;
  private heartbeatTimer: unknown = null;
  private readonly acceptedListeners: Array<() => void> = [];

  constructor(private readonly deps: RegistrationDeps) {}

  /** ISO time on the CSMS clock. */
  now(): string {
    return new Date(this.deps.clock.now() + this.offsetMs).toISOString();
  }

  get accepted(): boolean {
    return this.state === 'Accepted';
  }

  get everAccepted(): boolean {
    return this.deps.everAccepted.get();
  }

  /** Ordinary requests are allowed only once Accepted; in Pending only what TriggerMessage asked for. */
  maySend(triggered = false): boolean {
    if (!this.deps.connected()) return false;
    return this.state === 'Accepted' || (triggered && this.state === 'Pending');
  }

  /** In Rejected the charge point stays silent: it answers nothing until the interval has passed. */
  get silent(): boolean {
    return this.state === 'Rejected';
  }

  onAccepted(listener: () => void): void {
    this.acceptedListeners.push(listener);
  }

  /** The link opened: register unless already accepted on this run. */
  linkOpened(): void {
    if (this.state === 'Accepted') {
      for (const l of this.acceptedListeners) l();
      return;
    }
    void this.boot();
  }

  /** Sends BootNotification now (also on TriggerMessage). */
  async boot(): Promise<void> {
    this.clearBootTimer();
    if (!this.deps.connected()) return;
    let conf: BootNotificationResponse;
    try {
      conf = await this.deps.call<BootNotificationResponse>('BootNotification', this.deps.boot);
    } catch (err) {
      this.deps.log.warn({ err: String(err) }, 'BootNotification failed; retrying');
      this.scheduleBoot(RETRY_WHEN_ZERO_S);
      return;
    }
    this.setClock(conf.currentTime);
    const was = this.state;
    this.state = conf.status;
    this.deps.log.info({ status: conf.status, interval: conf.interval }, 'BootNotification answered');
    if (conf.status === 'Accepted') {
      if (conf.interval > 0) this.deps.setHeartbeatIntervalS(conf.interval);
      this.deps.everAccepted.set();
      this.armHeartbeat();
      if (was !== 'Accepted') for (const l of this.acceptedListeners) l();
      return;
    }
    this.scheduleBoot(conf.interval > 0 ? conf.interval : RETRY_WHEN_ZERO_S);
  }

  async heartbeat(): Promise<void> {
    if (!this.deps.connected()) return;
    try {
      const conf = await this.deps.call<HeartbeatResponse>('Heartbeat', {});
      this.setClock(conf.currentTime);
    } catch (err) {
      this.deps.log.warn({ err: String(err) }, 'Heartbeat failed');
    }
  }

  /** HeartbeatInterval changed (by BootNotification or ChangeConfiguration): re-arm. */
  armHeartbeat(): void {
    if (this.heartbeatTimer !== null) this.deps.clock.clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = null;
    const s = this.deps.heartbeatIntervalS();
    if (s <= 0 || this.state !== 'Accepted') return;
    this.heartbeatTimer = this.deps.clock.setTimeout(() => {
      this.heartbeatTimer = null;
      void this.heartbeat().finally(() => this.armHeartbeat());
    }, s * 1000);
  }

  linkLost(): void {
    if (this.state !== 'Accepted') this.state = 'Connecting';
  }

  stop(): void {
    this.clearBootTimer();
    if (this.heartbeatTimer !== null) this.deps.clock.clearTimeout(this.heartbeatTimer);
  }

  private scheduleBoot(seconds: number): void {
    this.clearBootTimer();
    this.bootTimer = this.deps.clock.setTimeout(() => {
      this.bootTimer = null;
      if (this.state === 'Rejected') this.state = 'Connecting';
      void this.boot();
    }, seconds * 1000);
  }

  private clearBootTimer(): void {
    if (this.bootTimer !== null) this.deps.clock.clearTimeout(this.bootTimer);
    this.bootTimer = null;
  }

  private setClock(currentTime: string): void {
    const t = Date.parse(currentTime);
    if (Number.isFinite(t)) this.offsetMs = t - this.deps.clock.now();
  }
}
