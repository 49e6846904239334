// Bench: time from a simulated pilot or fault event to the contactor open command.
// Runs the real connector runtime (pilot interpreter + connector machine + fault registry) on the simulated
// board, on a manual clock so only the event path itself is timed (hrtime around the synchronous call).
// Usage: npm run bench:safety [-- <events>]   Prints one summary line (microseconds).

import { createSimHal, ManualClock } from '../hal/sim/index.js';
import { ConnectorRuntime } from '../src/connector/runtime.js';
import { FaultRegistry } from '../src/faults/registry.js';
import { silentLogger } from '../src/log.js';

type Trigger = 'ev-pause' | 'unplug' | 'rcd' | 'pilot-short';
const TRIGGERS: Trigger[] = ['ev-pause', 'unplug', 'rcd', 'pilot-short'];

const events = Math.max(10_000, Number(process.argv[2] ?? 10_000));
const clock = new ManualClock();
const hal = createSimHal({ connectors: 1 }, clock);
const board = hal.control.connector(1);
const faults = new FaultRegistry(() => clock.now());
const runtime = new ConnectorRuntime(
  hal.connectors[0]!,
  {
    maxCurrentA: 32,
    ventilationAllowed: false,
    connectionTimeoutMs: 60_000,
    poller: { meterIntervalMs: 1000, offlineAfterFailures: 3, temperatureIntervalMs: 5000, tripC: 71, resumeC: 62 },
  },
  { clock, faults, log: silentLogger() },
);
runtime.start();

let openedAt = 0n;
board.contactor.onOpenCommand = () => {
  openedAt = process.hrtime.bigint();
};

const step = (ms: number): void => {
  for (let t = 0; t < ms; t += 50) clock.advance(50);
};

function charge(): void {
  if (!board.ev.plugged) {
    board.plug();
    step(400);
  }
  if (runtime.context.session !== 'active') runtime.authorize('04A1B2C3');
  board.request('charge');
  step(1500);
  if (!board.contactor.commandedClosed) throw new Error(`not charging: ${runtime.status}`);
}

function trigger(kind: Trigger): void {
  if (kind === 'ev-pause') board.request('pause');
  else if (kind === 'unplug') board.unplug();
  else board.setFault(kind, true);
}

function recover(kind: Trigger): void {
  if (kind === 'rcd' || kind === 'pilot-short') board.setFault(kind, false);
  step(6000); // let fault hold, unlock timers and PWM interval run out
}

const samples: number[] = [];
for (let i = 0; i < events; i++) {
  const kind = TRIGGERS[i % TRIGGERS.length]!;
  charge();
  openedAt = 0n;
  const t0 = process.hrtime.bigint();
  trigger(kind);
  if (openedAt === 0n || board.contactor.commandedClosed) throw new Error(`${kind}: contactor not opened synchronously`);
  samples.push(Number(openedAt - t0) / 1000);
  recover(kind);
}
runtime.stop();

samples.sort((a, b) => a - b);
const pct = (p: number): number => samples[Math.min(samples.length - 1, Math.floor((p / 100) * samples.length))]!;
const f = (x: number): string => x.toFixed(1);
console.log(
  `safety-latency: ${samples.length} events (${TRIGGERS.join(', ')}), event -> contactor open command: ` +
    `p50 ${f(pct(50))} us, p99 ${f(pct(99))} us, max ${f(samples[samples.length - 1]!)} us (budget p99 < 1000 us idle)`,
);
