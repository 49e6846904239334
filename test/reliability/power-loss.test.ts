// GIVEN the real controller process on the simulated HAL, one strict CSMS that stays up and one data
// directory kept across runs, WHEN the process is killed with SIGKILL at random moments of sessions
// (idle during replay, right after the plug or the tap, mid-charge, right after or well after the stop,
// and in the at-least-once window: after the CSMS processed a transaction message, before the controller
// removed it from its outbox) at least 20 times, THEN after a last clean start and a drained outbox the
// CSMS holds exactly one Start and one Stop per transaction, no Stop without a Start, energy that never
// goes backwards, the right stop reasons, no schema violation, and the controller's own records agree.
// At-least-once: the CSMS gives every StartTransaction it receives a new id (a real CSMS creates a second
// transaction), so a Start sent again after a kill in the window leaves the first id without a Stop. The
// test prints every redelivery and such orphaned ids, and tolerates them only as byte-identical copies.
// Replay a run: POWER_LOSS_SEED=<seed printed> npx vitest run test/reliability/power-loss.test.ts
// (the plan replays exactly; the kill instants are timing-dependent). POWER_LOSS_ROUNDS changes the count.

import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCsms, type TestCsms } from '../helpers/csms.js';
import { buildLedger, type Ledger, type TxMessage } from '../helpers/ocpp-ledger.js';
import { startController, waitFor, type Controller } from '../helpers/process.js';

const SEED = Number(process.env.POWER_LOSS_SEED ?? Math.floor(Math.random() * 2 ** 31));
const ROUNDS = Math.max(20, Number(process.env.POWER_LOSS_ROUNDS ?? 22));

/** mulberry32: small, seedable, good enough to pick scenarios. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(SEED);
const between = (lo: number, hi: number): number => Math.floor(lo + random() * (hi - lo + 1));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const config = (url: string) => `
chargePointId: CP-POWERLOSS
hal: { driver: sim }
connectors: [{ id: 1, maxCurrentA: 32 }]
auth: { allowList: ["04A1B2C3"] }
api: { host: 127.0.0.1, port: 0 }
meter: { pollIntervalMs: 200 }
ocpp: { url: "${url}", securityProfile: 0, pingIntervalS: 5 }
log: { level: info }
`;

type TxAction = TxMessage['action'];
type StopKind = 'none' | 'unplug' | 'tap';
interface Kill {
  round: number;
  idTag: string;
  mode: string;
  stop: StopKind;
  /** The controller reported the session ended (stop recorded) before the kill. */
  endedBeforeKill: boolean;
  /** For a kill in the at-least-once window: the message the CSMS had just processed. */
  windowKey?: string;
}

/** Stop reasons: PowerLoss for a killed session; the completion's reason once the stop was recorded. */
function reasonProblems(kills: Kill[], ledger: Ledger): string[] {
  const problems: string[] = [];
  const completion = { unplug: 'EVDisconnected', tap: 'Local', none: 'PowerLoss' } as const;
  for (const k of kills) {
    const distinctStarts = new Set(ledger.txs.filter((t) => t.start.idTag === k.idTag).map((t) => JSON.stringify(t.start)));
    if (distinctStarts.size > 1) problems.push(`round ${k.round}: ${distinctStarts.size} different transactions for one tap`);
    for (const tx of ledger.txs.filter((t) => t.start.idTag === k.idTag && t.stops.length > 0)) {
      const reason = tx.stops[0].reason ?? 'Local';
      const allowed = k.endedBeforeKill ? [completion[k.stop]] : [...new Set(['PowerLoss', completion[k.stop]])];
      if (!allowed.includes(reason)) problems.push(`round ${k.round} (${k.mode}): transaction ${tx.id} stopped with ${reason}, expected ${allowed.join(' or ')}`);
    }
  }
  return problems;
}

/** The simulated meter keeps its register in the data dir (a real meter never loses it): never backwards. */
function registerFileProblems(files: string[], kills: Kill[]): string[] {
  const problems: string[] = [];
  let register = 0;
  files.forEach((text, i) => {
    if (text === '(none)') return;
    let wh = NaN;
    try {
      wh = Number(JSON.parse(text).energyWh);
    } catch {
      /* reported below */
    }
    if (!(wh >= register)) {
      problems.push(
        `simulated meter register lost by the kill in round ${i - 1} (${kills[i - 1]?.mode}): sim-meter-1.json held ${JSON.stringify(text)} ` +
          `at the next start, ${register} Wh before (hal/sim/board.ts rewrites it in place, not atomically)`,
      );
    }
    if (Number.isFinite(wh)) register = wh;
  });
  return problems;
}

interface LocalRecords {
  rows: any[];
  outboxLeft: number;
}

function localRecords(dbFile: string): LocalRecords {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT * FROM transactions ORDER BY local_id').all() as any[];
    return { rows, outboxLeft: (db.prepare('SELECT COUNT(*) AS n FROM outbox').get() as { n: number }).n };
  } finally {
    db.close();
  }
}

/** Nothing lost: every transaction the controller recorded reached the CSMS, stopped, with the same figures. */
function localProblems(local: LocalRecords, ledger: Ledger): string[] {
  const problems: string[] = [];
  if (local.outboxLeft !== 0) problems.push(`${local.outboxLeft} messages left in the outbox after the clean run`);
  const billed = ledger.txs.filter((t) => t.stops.length > 0);
  if (billed.length !== local.rows.length) problems.push(`controller recorded ${local.rows.length} transactions, the CSMS billed ${billed.length}`);
  for (const row of local.rows) {
    const tx = ledger.txs.find((t) => t.id === row.csms_id);
    if (row.stopped_at === null) problems.push(`local transaction ${row.local_id} still open after the clean run`);
    if (!tx) {
      problems.push(`local transaction ${row.local_id} (idTag ${row.id_tag}) has CSMS id ${row.csms_id}, which the CSMS never gave out`);
      continue;
    }
    const stop = tx.stops[0];
    if (tx.start.meterStart !== row.meter_start_wh || stop?.meterStop !== row.meter_stop_wh || (stop?.reason ?? 'Local') !== row.stop_reason) {
      problems.push(
        `local transaction ${row.local_id} differs from the CSMS: local ${row.meter_start_wh}->${row.meter_stop_wh} ${row.stop_reason}, ` +
          `CSMS ${tx.start.meterStart}->${stop?.meterStop} ${stop?.reason}`,
      );
    }
  }
  return problems;
}

let csms: TestCsms | undefined;
let current: Controller | undefined;
const dir = mkdtempSync(join(tmpdir(), 'evse-powerloss-'));
afterAll(async () => {
  if (current) await current.stop({ keep: true, signal: 'SIGKILL' }).catch(() => undefined);
  await csms?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('power loss: kill -9 at random moments of sessions', () => {
  it(`loses no transaction and stops each exactly once (seed ${SEED})`, async () => {
    console.log(`power-loss seed=${SEED} rounds=${ROUNDS} (replay: POWER_LOSS_SEED=${SEED} npx vitest run test/reliability/power-loss.test.ts)`);
    const t0 = Date.now();
    csms = await startCsms();
    const server = csms;
    const txLog: Array<TxMessage & { epoch: number }> = [];
    let epoch = 0;
    let nextId = 5000;
    let armed: { action: TxAction; fired?: string } | null = null;
    const record = (action: TxAction, params: any, assignedId?: number): void => {
      txLog.push({ action, params, at: Date.now(), epoch, ...(assignedId === undefined ? {} : { assignedId }) });
      if (armed?.action === action && !armed.fired && current) {
        // The CSMS has processed the message (a real CSMS commits, then answers): power goes now.
        armed.fired = `${action}:${JSON.stringify(params)}`;
        current.proc.kill('SIGKILL');
      }
    };
    server.on('StartTransaction', (p) => {
      const id = nextId++; // a real CSMS creates a new transaction for every StartTransaction it receives
      record('StartTransaction', p, id);
      return { transactionId: id, idTagInfo: { status: 'Accepted' } };
    });
    server.on('MeterValues', (p) => {
      if (p.transactionId !== undefined) record('MeterValues', p);
      return {};
    });
    server.on('StopTransaction', (p) => {
      record('StopTransaction', p);
      return { idTagInfo: { status: 'Accepted' } };
    });

    const registerFiles: string[] = [];
    const boot = async (): Promise<Controller> => {
      epoch++;
      const file = join(dir, 'data', 'sim-meter-1.json');
      registerFiles.push(existsSync(file) ? readFileSync(file, 'utf8') : '(none)');
      const ctl = await startController(config(server.url), { dir });
      current = ctl;
      await waitFor('Accepted', async () => (await ctl.get('/api/status')).body.ocpp.registration === 'Accepted', 10_000);
      return ctl;
    };
    const kills: Kill[] = [];
    const kill = async (k: Kill): Promise<void> => {
      kills.push(k);
      await current!.stop({ keep: true, signal: 'SIGKILL' });
      current = undefined;
    };
    /** A control-surface request; failing only because a window kill just took the process down is fine. */
    const act = async (ctl: Controller, path: string, body?: unknown): Promise<void> => {
      try {
        await ctl.post(path, body);
      } catch (err) {
        if (!armed?.fired && ctl.proc.exitCode === null && ctl.proc.signalCode === null) throw err;
      }
    };
    const txOf = async (ctl: Controller) => (await ctl.get('/api/status')).body.connectors[0].transaction;

    for (let round = 0; round < ROUNDS; round++) {
      const ctl = await boot();
      if (round === 0) {
        // Sampled MeterValues every second (persisted by the controller: holds for every later run).
        const conf = await server.client!.call('ChangeConfiguration', { key: 'MeterValueSampleInterval', value: '1' });
        expect(conf).toEqual({ status: 'Accepted' });
      }
      const idTag = `0A5E${(SEED & 0xff).toString(16).padStart(2, '0')}${round.toString(16).padStart(2, '0')}`.toUpperCase();
      const base = { round, idTag, stop: 'none' as StopKind, endedBeforeKill: false };
      const window: TxAction | null = round % 5 === 2 ? (['StartTransaction', 'MeterValues', 'StopTransaction'] as const)[(round / 5) % 3 | 0]! : null;
      const r = random();
      if (!window && r < 0.08) {
        await sleep(between(0, 400)); // idle, possibly mid-replay of the outbox
        await kill({ ...base, mode: 'idle' });
        continue;
      }
      await act(ctl, '/api/sim/connectors/1/plug');
      if (!window && r < 0.14) {
        await sleep(between(0, 200));
        await kill({ ...base, mode: 'after-plug' });
        continue;
      }
      if (window) armed = { action: window };
      await act(ctl, '/api/sim/rfid', { uid: idTag });
      if (!window && r < 0.32) {
        await sleep(between(0, 300)); // Authorize / StartTransaction in flight or just queued
        await kill({ ...base, mode: 'after-tap' });
        continue;
      }
      await act(ctl, '/api/sim/connectors/1/ev', { request: 'charge' });
      // The charge time counts from the contactor closing (about 0.9 s after the plug on the sim).
      await waitFor('contactor closed', async () => armed?.fired ?? (await ctl.get('/api/status')).body.connectors[0].contactorClosed, 3000).catch(() => undefined);
      const chargeMs = window ? between(1500, 2500) : between(0, 3000);
      if (!window && r < 0.52) {
        await sleep(between(0, chargeMs));
        await kill({ ...base, mode: 'mid-charge' });
        continue;
      }
      await sleep(chargeMs);
      const s = random();
      const stop: StopKind = window === 'StopTransaction' ? 'unplug' : s < 0.45 ? 'unplug' : s < 0.75 ? 'tap' : 'none';
      if (armed?.fired) {
        await kill({ ...base, mode: `window:${window}`, windowKey: armed.fired });
        armed = null;
        continue;
      }
      if (stop === 'none') {
        armed = null;
        await kill({ ...base, mode: 'charging' });
        continue;
      }
      // A tap stops only a session that has started; give the start a moment first.
      if (stop === 'tap') await waitFor('transaction', () => txOf(ctl), 3000).catch(() => undefined);
      if (stop === 'unplug') await act(ctl, '/api/sim/connectors/1/unplug');
      else await act(ctl, '/api/sim/rfid', { uid: idTag });
      if (window) {
        await waitFor(`kill on ${window}`, async () => armed?.fired ?? (current?.proc.signalCode ? 'gone' : undefined), 3000).catch(() => undefined);
        const fired = armed?.fired;
        armed = null;
        await kill({ ...base, stop, mode: `window:${window}${fired ? '' : ' (not reached)'}`, ...(fired ? { windowKey: fired } : {}) });
        continue;
      }
      if (random() < 0.5) {
        await sleep(between(0, 40));
        await kill({ ...base, stop, mode: `right-after-stop-by-${stop}` });
        continue;
      }
      const ended = await waitFor('stop recorded', async () => (await txOf(ctl)) === null, 3000).then(() => true, () => false);
      await sleep(between(0, 400));
      await kill({ ...base, stop, endedBeforeKill: ended, mode: `after-stop-by-${stop}-settled` });
    }

    // Last clean start: the outbox drains, nothing stays open.
    const last = await boot();
    const dbFile = join(dir, 'data', 'evse.db');
    const probe = new Database(dbFile, { readonly: true, fileMustExist: true });
    const drained = await waitFor('outbox drained', async () => (probe.prepare('SELECT COUNT(*) AS n FROM outbox').get() as { n: number }).n === 0, 20_000).then(
      () => true,
      () => false,
    );
    const stuck = drained ? [] : (probe.prepare('SELECT seq, action, attempts, not_before, substr(payload, 1, 120) AS payload FROM outbox ORDER BY seq LIMIT 5').all() as any[]);
    probe.close();
    const warnings = last.logs.filter((l) => /"level":(4|5)0/.test(l)).map((l) => l.slice(0, 300));
    await sleep(300);
    await last.stop({ keep: true });
    current = undefined;
    const elapsedS = (Date.now() - t0) / 1000;

    const ledger = buildLedger(txLog);
    const problems = [...ledger.problems];
    if (!drained) problems.push(`outbox not drained 20 s after the clean start; head: ${JSON.stringify(stuck)}; warnings: ${warnings.join(' | ')}`);

    problems.push(...reasonProblems(kills, ledger), ...registerFileProblems(registerFiles, kills));
    const local = localRecords(dbFile);
    problems.push(...localProblems(local, ledger));
    const billed = ledger.txs.filter((t) => t.stops.length > 0);

    // At-least-once: how often the CSMS got a message twice, and the window in which a kill causes it.
    const targeted = new Set(kills.flatMap((k) => (k.windowKey ? [k.windowKey] : [])));
    const randomDup = ledger.redeliveries.filter((d) => !targeted.has(d.key));
    for (const d of ledger.redeliveries) {
      if (d.action !== 'StartTransaction' && d.copies > 2) problems.push(`${d.action} for transaction ${d.ids[0]} delivered ${d.copies} times`);
    }
    // Back-to-back sends (a replay after a restart): the time from one message to the next bounds the
    // window in which a kill makes the controller send the message again (answer in flight + delete).
    const gaps = txLog
      .slice(1)
      .flatMap((m, i) => (m.epoch === txLog[i]!.epoch && m.at - txLog[i]!.at < 250 ? [m.at - txLog[i]!.at] : []))
      .sort((a, b) => a - b);
    const median = gaps.length > 0 ? gaps[gaps.length >> 1] : NaN;
    const modes = kills.reduce<Record<string, number>>((acc, k) => ({ ...acc, [k.mode]: (acc[k.mode] ?? 0) + 1 }), {});
    console.log(`power-loss: ${kills.length} kills in ${elapsedS.toFixed(1)} s; modes ${JSON.stringify(modes)}`);
    console.log(
      `power-loss: ${ledger.txs.length} CSMS transaction ids, ${billed.length} billed, ${local.rows.length} local; ` +
        `${txLog.length} transaction messages; redeliveries ${ledger.redeliveries.length} ` +
        `(${ledger.redeliveries.length - randomDup.length} from window kills, ${randomDup.length} from random kills); ` +
        `orphaned Starts (second transaction for one session) ${ledger.orphanedByRedelivery.map((t) => t.id).join(', ') || 'none'}`,
    );
    for (const d of ledger.redeliveries) console.log(`power-loss: redelivered x${d.copies}: ${d.key.slice(0, 160)}`);
    console.log(`power-loss: at-least-once window per message (back-to-back sends, CSMS receipt -> next receipt): median ${median} ms, max ${gaps.at(-1)} ms over ${gaps.length} pairs`);
    console.log(`power-loss rounds: ${kills.map((k) => `${k.round}:${k.mode}`).join(' ')}`);
    console.log(`power-loss transactions (id idTag: meterStart [MeterValues] meterStop reason): ${ledger.txs.map((t) => `${t.id} ${t.start.idTag}: ${t.start.meterStart} [${t.meterValuesWh.join(',')}] ${t.stops[0]?.meterStop ?? '-'} ${t.stops[0]?.reason ?? '(no stop)'}`).join('; ')}`);
    console.log(`power-loss simulated meter register file at each start: ${registerFiles.map((f, i) => `${i}:${f}`).join(' ')}`);
    if (problems.length > 0) console.log(`power-loss problems (seed ${SEED}):\n  ${problems.join('\n  ')}`);

    expect(kills.length).toBeGreaterThanOrEqual(20);
    expect(server.validationFailures).toEqual([]);
    expect(existsSync(dbFile)).toBe(true);
    expect(problems).toEqual([]);
  }, 170_000);
});
