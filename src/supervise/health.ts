// Health of the control loop, as the systemd watchdog sees it: is the process still able to control the
// hardware in time? Owns: tracking HAL I/O faults on the safety path (pilot-io, contactor-io), event-loop
// stalls, and combining them with the controller's own verdict. Must not: drive outputs or raise faults.
//
// Unhealthy means "a restart may help": an output that cannot be driven, or a loop that stalled > 5 s.
// Charging faults (RCD, welded contactor, meter offline...) are not: the controller handles those itself
// and must keep running to report them and keep the cable locked.

import type { Clock } from '../../hal/clock.js';
import type { Hal, Unsubscribe } from '../../hal/types.js';

export interface Health {
  ok: boolean;
  reason?: string;
}

export interface HealthOptions {
  /** A gap longer than this between two turns of our timers is a stall. */
  stallMs: number;
  /** How often the stall detector looks. */
  periodMs: number;
  /** How long a stall keeps the process unhealthy (the watchdog period, so systemd restarts it). */
  holdMs: number;
}

export const DEFAULT_HEALTH: HealthOptions = { stallMs: 5000, periodMs: 500, holdMs: 10_000 };

export class HealthMonitor {
  private readonly ioFaults = new Map<string, string>();
  private readonly unsubscribe: Unsubscribe[] = [];
  private lastTurn: number;
  private stall: { at: number; ms: number } | null = null;
  private timer: unknown = null;

  constructor(
    hal: Hal,
    private readonly controller: () => Health,
    private readonly clock: Clock,
    private readonly opts: HealthOptions = DEFAULT_HEALTH,
  ) {
    this.lastTurn = clock.now();
    for (const c of hal.connectors) {
      this.unsubscribe.push(
        c.pilot.faults.on((e) => this.ioFault(`connector ${c.id}: pilot-io`, e.active, e.detail)),
        c.contactor.faults.on((e) => this.ioFault(`connector ${c.id}: contactor-io`, e.active, e.detail)),
      );
    }
  }

  start(): void {
    this.lastTurn = this.clock.now();
    const tick = (): void => {
      this.turn();
      this.timer = this.clock.setTimeout(tick, this.opts.periodMs);
    };
    this.timer = this.clock.setTimeout(tick, this.opts.periodMs);
  }

  stop(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    for (const u of this.unsubscribe.splice(0)) u();
  }

  /** Called on every turn of our timers (stall detector and watchdog ticks): notes a stall if there was one. */
  turn(): void {
    const now = this.clock.now();
    const gap = now - this.lastTurn;
    this.lastTurn = now;
    if (gap > this.opts.stallMs + this.opts.periodMs) this.stall = { at: now, ms: gap };
  }

  check(): Health {
    this.turn();
    const [io, detail] = this.ioFaults.entries().next().value ?? [];
    if (io !== undefined) return { ok: false, reason: `${io} fault${detail ? ` (${detail})` : ''}` };
    if (this.stall && this.clock.now() - this.stall.at < this.opts.holdMs) {
      return { ok: false, reason: `event loop stalled ${(this.stall.ms / 1000).toFixed(1)} s` };
    }
    return this.controller();
  }

  private ioFault(key: string, active: boolean, detail: string | undefined): void {
    if (active) this.ioFaults.set(key, detail ?? '');
    else this.ioFaults.delete(key);
  }
}
