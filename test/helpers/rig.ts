// Test rig: a simulated board, a manual clock, the fault registry and connector runtimes, as main.ts
// wires them, but on simulated time.

import { createSimHal, ManualClock, type SimHal } from '../../hal/sim/index.js';
import { ConnectorRuntime, type ConnectorSettings } from '../../src/connector/runtime.js';
import type { ConnectorEmitted } from '../../state-machines/connector.js';
import { FaultRegistry } from '../../src/faults/registry.js';
import { silentLogger } from '../../src/log.js';

export interface Rig {
  clock: ManualClock;
  hal: SimHal;
  faults: FaultRegistry;
  runtimes: ConnectorRuntime[];
  events: Array<ConnectorEmitted & { connector: number }>;
  /** Advances simulated time and lets promise callbacks (meter reads) run. */
  advance(ms: number, stepMs?: number): Promise<void>;
  c(id?: number): ConnectorRuntime;
  board(id?: number): ReturnType<SimHal['control']['connector']>;
  statuses(id?: number): string[];
  stop(): void;
}

export const DEFAULT_SETTINGS: ConnectorSettings = {
  maxCurrentA: 32,
  ventilationAllowed: false,
  connectionTimeoutMs: 60_000,
  poller: { meterIntervalMs: 1000, offlineAfterFailures: 3, temperatureIntervalMs: 5000, tripC: 71, resumeC: 62 },
};

export function createRig(opts: { connectors?: number; tethered?: boolean; settings?: Partial<ConnectorSettings> } = {}): Rig {
  const clock = new ManualClock();
  const hal = createSimHal({ connectors: opts.connectors ?? 1, tethered: opts.tethered ?? false }, clock);
  const faults = new FaultRegistry(() => clock.now());
  const log = silentLogger();
  const events: Rig['events'] = [];
  const runtimes = hal.connectors.map((h) => {
    const r = new ConnectorRuntime(h, { ...DEFAULT_SETTINGS, ...opts.settings }, { clock, faults, log });
    r.onEvent((e) => events.push({ ...e, connector: h.id }));
    r.start();
    return r;
  });
  const flush = async (): Promise<void> => {
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return {
    clock,
    hal,
    faults,
    runtimes,
    events,
    async advance(ms, stepMs = 50) {
      let left = ms;
      await flush();
      while (left > 0) {
        const step = Math.min(stepMs, left);
        clock.advance(step);
        left -= step;
        await flush();
      }
    },
    c: (id = 1) => runtimes[id - 1]!,
    board: (id = 1) => hal.control.connector(id),
    statuses: (id = 1) => events.filter((e) => e.connector === id && e.type === 'StatusChanged').map((e) => (e as { status: string }).status),
    stop() {
      for (const r of runtimes) r.stop();
    },
  };
}
