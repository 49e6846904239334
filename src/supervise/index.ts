// Supervision by systemd, as main.ts wires it: open the notifier early (before any hardware is touched),
// then `ready()` once the API serves and `stopping()` first thing on shutdown.
// Owns: composing notifier, health monitor and watchdog, and the one-line STATUS summary.
// Must not: exit the process (a fatal condition is thrown as NotifyUnavailableError) or change state.

import { systemClock, type Clock } from '../../hal/clock.js';
import type { Hal } from '../../hal/types.js';
import type { Logger } from '../log.js';
import type { StatusView } from '../status.js';
import { DEFAULT_HEALTH, HealthMonitor, type Health } from './health.js';
import { loadSdNotify, openNotifier, type Loader } from './notify.js';
import { Watchdog } from './watchdog.js';

export { NotifyUnavailableError, NOTIFY_PACKAGE_HINT } from './notify.js';
export type { Health } from './health.js';

/** What supervision needs from the controller (src/controller.ts implements it). */
export interface SupervisedController {
  healthy(): Health;
  status(): StatusView;
  onReportChanged(listener: (connectorId: number) => void): void;
}

export interface Supervision {
  ready(target: { controller: SupervisedController; hal: Hal }): void;
  stopping(): void;
}

const OFF: Supervision = { ready: () => undefined, stopping: () => undefined };

export interface SupervisionOptions {
  log: Logger;
  env?: NodeJS.ProcessEnv;
  clock?: Clock;
  load?: Loader;
}

/** Throws NotifyUnavailableError when systemd wants watchdog pings that cannot be sent (see notify.ts). */
export async function openSupervision(opts: SupervisionOptions): Promise<Supervision> {
  const log = opts.log.child({ module: 'systemd' });
  const result = await openNotifier(opts.env ?? process.env, opts.load ?? loadSdNotify);
  if (result.kind === 'off') return OFF;
  if (result.kind === 'unavailable') {
    log.error(result.message);
    return OFF;
  }
  const { notifier } = result;
  const clock = opts.clock ?? systemClock;
  let monitor: HealthMonitor | null = null;
  let watchdog: Watchdog | null = null;
  return {
    ready({ controller, hal }) {
      const holdMs = Math.max(notifier.watchdogMs, DEFAULT_HEALTH.periodMs);
      monitor = new HealthMonitor(hal, () => controller.healthy(), clock, { ...DEFAULT_HEALTH, holdMs });
      const m = monitor;
      watchdog = new Watchdog({ notifier, clock, log, health: () => m.check(), summary: () => summaryOf(controller.status()) });
      monitor.start();
      watchdog.ready();
      const w = watchdog;
      controller.onReportChanged(() => w.refresh());
    },
    stopping() {
      monitor?.stop();
      if (watchdog) watchdog.stopping();
      else notifier.send('STOPPING=1');
    },
  };
}

/** e.g. "connector 1 Charging 7.2 A, connector 2 Faulted (rcd); OCPP connected (Accepted)". */
export function summaryOf(s: StatusView): string {
  const connectors = s.connectors.map((c) => {
    const faults = c.faults.length > 0 ? ` (${c.faults.map((f) => f.name).join(', ')})` : '';
    const offered = c.contactorClosed ? ` ${c.offeredCurrentA} A` : '';
    return `connector ${c.id} ${c.status}${offered}${faults}`;
  });
  const ocpp = s.ocpp.registration === 'NotConfigured' ? 'standalone' : `OCPP ${s.ocpp.connected ? 'connected' : 'offline'} (${s.ocpp.registration})`;
  return `${connectors.join(', ')}; ${ocpp}`;
}
