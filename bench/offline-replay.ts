// Bench: offline queue replay (DESIGN.md budget >= 1,000 messages/s, in order, none lost). Fills the
// outbox of a fresh data directory while no CSMS runs, with one transaction exactly as TransactionService
// queues it (StartTransaction, N-2 sampled MeterValues, StopTransaction with transactionData), written
// through the product's own store classes; then starts a strict loopback CSMS and the real controller
// and times the replay from the first queued message received to the last. Each MeterValues carries its
// position as the energy register (Wh), so the CSMS checks order, loss and duplicates.
// Usage: npm run bench:replay [-- <messages>]   Prints one summary line.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { coreKeys } from '../src/ocpp/config-keys.js';
import { buildMeterValue, type Snapshot } from '../src/ocpp/meter-values.js';
import { openDb } from '../src/store/db.js';
import { Outbox } from '../src/store/outbox.js';
import { TransactionStore } from '../src/store/transactions.js';
import { spawnController, startBenchCsms, until, type Child } from './helpers.js';

const MESSAGES = Math.max(3, Number(process.argv[2] ?? 10_000));
const ID_TAG = '04A1B2C3';
const T0 = Date.parse('2025-01-01T00:00:00Z');

const snapshot = (wh: number): Snapshot => ({
  reading: {
    energyImportWh: wh,
    powerW: 22_000,
    voltageV: { l1: 230, l2: 230, l3: 230 },
    currentA: { l1: 31.9, l2: 31.9, l3: 31.9 },
    frequencyHz: 50,
    takenAt: T0 + wh * 1000,
  },
  offeredA: 32,
  temperatureC: 25,
  phases: 3,
});

/** The outbox after an offline session: 1 Start, MESSAGES-2 MeterValues (register = position), 1 Stop. */
function fillOutbox(dataDir: string): void {
  const db = openDb(dataDir);
  const keys = coreKeys(1);
  const sampled = keys.MeterValuesSampledData.default.split(',');
  const stopSampled = keys.StopTxnSampledData.default.split(',');
  const store = new TransactionStore(db);
  const outbox = new Outbox(db);
  const at = (i: number) => new Date(T0 + i * 1000).toISOString();
  const last = MESSAGES - 1;
  db.transaction(() => {
    const tx = store.start(1, ID_TAG, 0, at(0));
    outbox.enqueue('StartTransaction', { connectorId: 1, idTag: ID_TAG, meterStart: 0, timestamp: at(0) }, tx.localId);
    for (let i = 1; i < last; i++) {
      outbox.enqueue('MeterValues', { connectorId: 1, meterValue: [buildMeterValue(snapshot(i), sampled, 'Sample.Periodic', at(i))] }, tx.localId);
    }
    const rec = store.stop(tx.localId, 'Local', last, at(last))!;
    const begin = { timestamp: at(0), sampledValue: [{ value: '0', context: 'Transaction.Begin', format: 'Raw', measurand: 'Energy.Active.Import.Register', location: 'Outlet', unit: 'Wh' }] };
    const end = buildMeterValue(snapshot(last), stopSampled, 'Transaction.End', at(last));
    outbox.enqueue('StopTransaction', { idTag: ID_TAG, meterStop: rec.meterStopWh, timestamp: at(last), reason: 'Local', transactionData: [begin, end] }, tx.localId);
  })();
  if (outbox.size !== MESSAGES) throw new Error(`outbox holds ${outbox.size} messages, expected ${MESSAGES}`);
  db.close();
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'evse-bench-replay-'));
  const fillStart = performance.now();
  try {
    fillOutbox(join(dir, 'data'));
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const fillS = (performance.now() - fillStart) / 1000;

  const csms = await startBenchCsms();
  let first = 0;
  let lastAt = 0;
  let count = 0;
  let transactionId = -1;
  let expected = 1;
  let outOfOrder = 0;
  let duplicated = 0;
  let wrongId = 0;
  let stopped = false;
  const seen = new Set<number>();
  csms.onCall = (call) => {
    const p = call.params;
    if (call.action !== 'StartTransaction' && call.action !== 'StopTransaction' && !(call.action === 'MeterValues' && p.transactionId !== undefined)) return undefined;
    count++;
    if (first === 0) first = call.at;
    lastAt = call.at;
    if (call.action === 'StartTransaction') {
      if (transactionId !== -1) duplicated++;
      transactionId = 777;
      return { transactionId, idTagInfo: { status: 'Accepted' } };
    }
    if (p.transactionId !== transactionId) wrongId++;
    if (call.action === 'StopTransaction') {
      if (stopped) duplicated++;
      if (!stopped && (p.meterStop !== MESSAGES - 1 || seen.size !== MESSAGES - 2)) outOfOrder++; // Stop before all MeterValues
      stopped = true;
      return { idTagInfo: { status: 'Accepted' } };
    }
    const mv = (p.meterValue as Array<{ sampledValue: Array<{ measurand?: string; value: string }> }>)[0]!;
    const n = Number(mv.sampledValue.find((s) => s.measurand === 'Energy.Active.Import.Register')?.value);
    if (seen.has(n)) duplicated++;
    else if (n !== expected) outOfOrder++;
    seen.add(n);
    expected = Math.max(expected, n + 1);
    return {};
  };

  let child: Child | null = null;
  try {
    child = spawnController(
      (dataDir) => `
chargePointId: BENCH-REPLAY
hal: { driver: sim }
connectors: [{ id: 1, maxCurrentA: 32 }]
api: { host: 127.0.0.1, port: 0 }
dataDir: ${dataDir}
ocpp: { url: "${csms.url}", securityProfile: 0 }
`,
      dir,
    );
    const c = child;
    const timeoutMs = Math.max(60_000, MESSAGES * 30);
    await until('the StopTransaction', () => stopped || c.proc.exitCode !== null, timeoutMs).catch((err: Error) => console.log(`offline-replay: ${err.message}`));
    if (c.proc.exitCode !== null) throw new Error(`controller exited with ${c.proc.exitCode}: ${c.stderr.join('')}`);
    await new Promise((r) => setTimeout(r, 300)); // would a duplicate follow?
    const seconds = (lastAt - first) / 1000;
    const rate = (count - 1) / seconds;
    const lost = MESSAGES - 2 - seen.size + (transactionId === -1 ? 1 : 0) + (stopped ? 0 : 1);
    console.log(
      `offline-replay: ${count} of ${MESSAGES} queued messages replayed in ${seconds.toFixed(2)} s ` +
        `(first received ${((first - c.spawnedAt) / 1000).toFixed(2)} s after spawn) = ${Math.round(rate)} messages/s ` +
        `(budget >= 1,000 messages/s) ${rate >= 1000 && lost === 0 ? 'OK' : 'OVER BUDGET'}; ` +
        `in order: ${outOfOrder === 0 && wrongId === 0 ? 'yes' : `no (${outOfOrder} out of order, ${wrongId} wrong transactionId)`}; ` +
        `lost: ${lost}; duplicated: ${duplicated}; strict validation failures: ${csms.validationFailures}; outbox filled in ${fillS.toFixed(2)} s`,
    );
  } finally {
    await child?.stop();
    await csms.close();
  }
}

main().catch((err: unknown) => {
  console.error(`offline-replay: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
