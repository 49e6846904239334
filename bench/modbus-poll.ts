// Bench: one meter poll cycle (a full read of one SDM630) at 9600 baud 8N1, through the real driver
// (modbus-serial + serialport) over a socat pty to the simulated slave, which paces each reply at 9600
// baud plus a turnaround. Prints median/p95 of the measured cycle next to the computed line-time bound of
// REFERENCE.md 4.4 for the requests the map makes (8 request + 5 + 2N reply bytes + 3.5-char gap each).
// Usage: npm run build && node dist/bench/modbus-poll.js [cycles=20] [turnaroundMs=5]

import { performance } from 'node:perf_hooks';
import { systemClock } from '../hal/clock.js';
import { createModbusMeters, readBoundMs } from '../hal/modbus/index.js';
import { median } from './helpers.js';
import { ModbusSlave } from './modbus-slave.js';
import { openPtyPair } from './pty.js';

const cycles = Math.max(5, Number(process.argv[2] ?? 20));
const turnaroundMs = Math.max(0, Number(process.argv[3] ?? 5));
const line = { baud: 9600, parity: 'none', stopBits: 1 } as const;

const p95 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.95) - 1)]!;

async function run(): Promise<void> {
  const pty = await openPtyPair();
  const slave = await ModbusSlave.open(pty.b, { ...line, turnaroundMs });
  slave.serve(1, 'sdm630');
  const bus = { id: 'rs485', port: pty.a, ...line, timeoutMs: 1000, retries: 0 };
  const { meters, buses, close } = await createModbusMeters([bus], [{ bus: 'rs485', model: 'sdm630', address: 1 }], systemClock);
  const meter = meters[0]!;
  try {
    await meter.read(); // opens the port and reads the serial number once
    const times: number[] = [];
    for (let i = 0; i < cycles; i++) {
      const t0 = performance.now();
      await meter.read();
      times.push(performance.now() - t0);
    }
    const counts = meter.requests.map((r) => r.count);
    const bound = readBoundMs(counts, line);
    const counters = buses.get('rs485')!.counters;
    if (counters.ok !== counters.requests) throw new Error(`bench: ${counters.requests - counters.ok} failed requests: ${JSON.stringify(counters)}`);
    console.log(
      `modbus-poll: SDM630 full read at 9600 8N1, ${meter.requests.length} request(s) of ${counts.join('+')} registers, ${cycles} cycles: ` +
        `median ${median(times).toFixed(1)} ms, p95 ${p95(times).toFixed(1)} ms; ` +
        `line-time bound ${bound.toFixed(1)} ms (REFERENCE.md 4.4) + simulated turnaround ${turnaroundMs} ms per request`,
    );
  } finally {
    await close();
    await slave.close();
    await pty.close();
  }
}

await run();
