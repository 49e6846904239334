// GIVEN the MFRC522 reader in a child process (rfid-process.ts forking dist/hal/rpi/rfid-child.js) over a fake chip
// (test/fixtures/rfid-fake-mfrc522.mjs, steered through a state file) WHEN cards come and go, reads fail, the child
// dies or fails to start, or the reader closes THEN the parent sees one card per presentation, the child's faults,
// 'rfid-io' while it is down, its start error, and no process left behind; plus the shared RfidReader contract.
// Real processes and timers: tests wait for the child's polls (counted by the fake), never assert durations.
// Needs the tsc output (npm test builds first; alone: npx tsc -p tsconfig.build.json).

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../hal/clock.js';
import { HalError } from '../../../hal/errors.js';
import { childEntryFile, createRfidProcessReader, type RfidProcessDeps } from '../../../hal/rpi/rfid-process.js';
import type { CardPresented, DeviceFaultEvent, RfidFault } from '../../../hal/types.js';
import { describeRfidReaderContract } from '../../contracts/rfid-reader.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const FAKE = join(ROOT, 'test', 'fixtures', 'rfid-fake-mfrc522.mjs');
const POLL = 20;
const HOLD_OFF = 150;
const UID4 = [0x04, 0xa1, 0xb2, 0xc3];
const UID7 = [0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66];
const OTHER4 = [0xde, 0xad, 0xbe, 0xef];
const hex = (c: CardPresented): string => Buffer.from(c.uid).toString('hex');
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(what: string, cond: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** A temporary state file for the fake chip in the child, and what the fake reports back. */
class FakeState {
  readonly dir = mkdtempSync(join(tmpdir(), 'evse-rfid-proc-'));
  readonly file = join(this.dir, 'state.json');
  readonly env = { ...process.env, EVSE_RFID_FAKE_MODULE: FAKE, EVSE_RFID_FAKE_STATE: this.file };

  constructor(initial: object = {}) {
    this.set(initial);
  }

  set(state: object): void {
    writeFileSync(`${this.file}.tmp`, JSON.stringify(state));
    renameSync(`${this.file}.tmp`, this.file);
  }

  /** Process id of the child that loaded the fake last. */
  get pid(): number {
    return Number(readFileSync(`${this.file}.pid`, 'utf8'));
  }

  /** Polls the current child has started (a new child counts from 0 again). */
  polls(): number {
    return existsSync(`${this.file}.polls`) ? Number(readFileSync(`${this.file}.polls`, 'utf8')) || 0 : 0;
  }

  /** Waits until the child has completed `n` more polls, and their messages had time to arrive. */
  async waitPolls(n: number): Promise<void> {
    let base = this.polls();
    await waitFor(`${n} polls`, () => {
      const now = this.polls();
      if (now < base) base = 0; // restarted
      return now - base >= n + 1;
    });
    await sleep(2 * POLL);
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
beforeAll(() => {
  const entry = childEntryFile();
  if (!entry || !existsSync(entry)) throw new Error(`${entry} is missing: build first (npx tsc -p tsconfig.build.json)`);
});

function fakeState(initial: object = {}): FakeState {
  const state = new FakeState(initial);
  cleanups.push(() => state.dispose());
  return state;
}

async function start(state: FakeState, deps: RfidProcessDeps = {}) {
  const reader = await createRfidProcessReader({ pollMs: POLL, holdOffMs: HOLD_OFF }, systemClock, { env: state.env, ...deps });
  cleanups.push(() => reader.close());
  const cards: CardPresented[] = [];
  const faults: Array<DeviceFaultEvent<RfidFault>> = [];
  reader.cards.on((c) => cards.push(c));
  reader.faults.on((f) => faults.push(f));
  return { reader, cards, faults };
}

async function startError(state: FakeState, deps: RfidProcessDeps = {}, cfg = { pollMs: POLL, holdOffMs: HOLD_OFF }): Promise<HalError> {
  const started = createRfidProcessReader(cfg, systemClock, { env: state.env, ...deps });
  const err = await started.then(async (reader) => reader.close().then(() => new Error('expected the start to fail')), (e: unknown) => e);
  expect(err).toBeInstanceOf(HalError);
  expect((err as HalError).device).toBe('rfid');
  expect((err as HalError).message).not.toMatch(/^rfid: rfid:/);
  return err as HalError;
}

describe('mfrc522 reader process: locating the child entry', () => {
  it('GIVEN the TS source, the tsc output or the esbuild bundle WHEN the entry is located THEN it is dist/hal/rpi/rfid-child.js under the package root', () => {
    const expected = join(ROOT, 'dist', 'hal', 'rpi', 'rfid-child.js');
    for (const from of ['hal/rpi/rfid-process.ts', 'dist/hal/rpi/rfid-process.js', 'dist/src/main.bundle.js']) {
      expect(childEntryFile(pathToFileURL(join(ROOT, from)).href), from).toBe(expected);
    }
  });

  it('GIVEN a module outside any package WHEN the entry is located THEN there is none, and a missing entry fails the start with a build hint', async () => {
    const dir = fakeState().dir;
    expect(childEntryFile(pathToFileURL(join(dir, 'x.js')).href)).toBeNull();
    const err = await startError(fakeState(), { entry: join(dir, 'rfid-child.js') });
    expect(err.message).toMatch(/rfid-child\.js does not exist; build with: npm run build/);
  });
});

describe('mfrc522 reader process: cards and faults', () => {
  it('GIVEN cards presented, left, swapped and re-presented WHEN the child polls THEN the parent gets one event per presentation, hold-off honoured', async () => {
    const state = fakeState();
    const { cards } = await start(state);
    state.set({ card: UID7 });
    await state.waitPolls(15);
    expect(cards.map(hex)).toEqual(['04112233445566']);
    expect(cards[0]!.uid).toBeInstanceOf(Uint8Array);
    state.set({ card: OTHER4 }); // swapped without an empty poll
    await state.waitPolls(3);
    state.set({ card: null });
    await state.waitPolls(2);
    await sleep(HOLD_OFF);
    state.set({ card: UID7 });
    await state.waitPolls(3);
    expect(cards.map(hex)).toEqual(['04112233445566', 'deadbeef', '04112233445566']);
  });

  it('GIVEN failing reads in the child WHEN they go on and then stop THEN rfid-io is raised once with the child\'s detail and cleared once, by the same child', async () => {
    const state = fakeState();
    const { reader, faults } = await start(state);
    const pid = reader.pid;
    state.set({ ioError: 'EIO: bit-bang read failed' });
    await waitFor('rfid-io raised', () => faults.length > 0);
    await state.waitPolls(5);
    expect(faults).toEqual([{ fault: 'rfid-io', active: true, detail: expect.stringMatching(/failed polls in a row; last: I\/O error: EIO: bit-bang read failed/) }]);
    state.set({ card: UID4 });
    await waitFor('rfid-io cleared', () => faults.length > 1);
    await state.waitPolls(3);
    expect(faults.slice(1)).toEqual([{ fault: 'rfid-io', active: false }]);
    expect(reader.pid).toBe(pid);
  });
});

describe('mfrc522 reader process: child life cycle', () => {
  it('GIVEN a running child WHEN it is killed THEN rfid-io is raised, a new child starts, the fault clears and cards arrive again', async () => {
    const state = fakeState();
    const { reader, faults, cards } = await start(state, { restartMs: { min: 100, max: 400 } });
    const first = reader.pid!;
    process.kill(first, 'SIGKILL');
    await waitFor('rfid-io raised', () => faults.length > 0);
    expect(faults[0]).toEqual({ fault: 'rfid-io', active: true, detail: expect.stringMatching(/reader process was killed by SIGKILL; restarting it in 100 ms/) });
    await waitFor('rfid-io cleared', () => faults.length > 1);
    expect(faults.slice(1)).toEqual([{ fault: 'rfid-io', active: false }]);
    const second = reader.pid!;
    expect(second).not.toBe(first);
    expect(alive(first)).toBe(false);
    expect(alive(second)).toBe(true);
    state.set({ card: UID4 });
    await state.waitPolls(3);
    expect(cards.map(hex)).toEqual(['04a1b2c3']);
  });

  it('GIVEN a child that died WHEN its restarts fail (board check) THEN rfid-io stays raised and retries go on until a start succeeds', async () => {
    const state = fakeState();
    const { reader, faults } = await start(state, { restartMs: { min: 50, max: 200 } });
    const first = reader.pid!;
    state.set({ board: 'Raspberry Pi 5 Model B Rev 1.0' });
    process.kill(first, 'SIGKILL');
    await waitFor('rfid-io raised', () => faults.length > 0);
    const failed = new Set<number>();
    await waitFor('three failed restarts', () => {
      if (existsSync(`${state.file}.pid`) && state.pid !== first) failed.add(state.pid);
      return failed.size >= 3;
    });
    expect(faults.map((f) => f.active)).toEqual([true]);
    state.set({});
    await waitFor('rfid-io cleared', () => faults.length > 1);
    expect(faults.map((f) => f.active)).toEqual([true, false]);
    expect(alive(reader.pid!)).toBe(true);
  });

  it('GIVEN a running child WHEN close() resolves THEN the child process is gone and no new one starts', async () => {
    const state = fakeState();
    const { reader, faults } = await start(state, { restartMs: { min: 20, max: 20 } });
    const pid = reader.pid!;
    expect(alive(pid)).toBe(true);
    await reader.close();
    expect(alive(pid)).toBe(false);
    expect(reader.pid).toBeNull();
    await sleep(300);
    expect(state.pid).toBe(pid);
    expect(faults).toEqual([]);
  });

  it('GIVEN the parent process is killed WHEN its child notices the closed channel THEN the child exits too (no orphan holding the GPIO)', async () => {
    const state = fakeState();
    const script = `
      import { createRfidProcessReader } from ${JSON.stringify(pathToFileURL(join(ROOT, 'dist/hal/rpi/rfid-process.js')).href)};
      import { systemClock } from ${JSON.stringify(pathToFileURL(join(ROOT, 'dist/hal/clock.js')).href)};
      const reader = await createRfidProcessReader({ pollMs: ${POLL}, holdOffMs: 0 }, systemClock);
      console.log(reader.pid);
      setInterval(() => {}, 1000);`;
    const parent = spawn(process.execPath, ['--input-type=module', '-e', script], { env: state.env, stdio: ['ignore', 'pipe', 'inherit'] });
    cleanups.push(() => void parent.kill('SIGKILL'));
    let out = '';
    parent.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor('the child pid from the parent', () => /^\d+\n/.test(out));
    const child = Number(out.trim());
    expect(alive(child)).toBe(true);
    parent.kill('SIGKILL');
    await waitFor('the orphaned child to exit', () => !alive(child));
  });
});

describe('mfrc522 reader process: start errors', () => {
  it('GIVEN a Raspberry Pi 5 WHEN the reader starts THEN it rejects with the child\'s board-check message and no child is left', async () => {
    const state = fakeState({ board: 'Raspberry Pi 5 Model B Rev 1.0' });
    const err = await startError(state);
    expect(err.message).toMatch(/^rfid: "Raspberry Pi 5 Model B Rev 1\.0": a Raspberry Pi 5 is not supported by the mfrc522 driver/);
    expect(alive(state.pid)).toBe(false);
  });

  it('GIVEN mfrc522-rpi missing in the child WHEN the reader starts THEN it rejects with the install hint', async () => {
    const state = fakeState({ loadError: { message: "Cannot find package 'mfrc522-rpi' imported from x.js", code: 'ERR_MODULE_NOT_FOUND' } });
    const err = await startError(state);
    expect(err.message).toMatch(/needs package mfrc522-rpi, install with: npm install mfrc522-rpi/);
    expect(alive(state.pid)).toBe(false);
  });

  it('GIVEN pollMs 0 WHEN the reader starts THEN the child refuses the config and the start rejects', async () => {
    const err = await startError(fakeState(), {}, { pollMs: 0, holdOffMs: 0 });
    expect(err.message).toMatch(/pollMs > 0 and holdOffMs >= 0/);
  });

  it('GIVEN a child that never gets ready WHEN the start timeout passes THEN the start rejects and the child is killed', async () => {
    const state = fakeState({ hang: true });
    const err = await startError(state, { startTimeoutMs: 1500 });
    expect(err.message).toMatch(/no ready message within 1500 ms/);
    expect(alive(state.pid)).toBe(false);
  });
});

describeRfidReaderContract(
  'mfrc522 in a child process (fake chip)',
  async () => {
    const state = new FakeState();
    const reader = await createRfidProcessReader({ pollMs: POLL, holdOffMs: HOLD_OFF }, systemClock, { env: state.env });
    let current: { card?: number[]; ioError?: string } = {};
    const update = (change: typeof current): void => {
      current = { ...current, ...change };
      state.set(current);
    };
    return {
      reader,
      present: (uid) => update({ card: [...uid] }),
      remove: () => update({ card: undefined }),
      /** Real time passes, and at least as many of the child's polls as fit into it (a loaded machine is slow). */
      async settle(ms) {
        if (ms <= 0) return;
        await Promise.all([sleep(ms), state.waitPolls(Math.ceil(ms / POLL))]);
      },
      detectMs: 3 * POLL,
      rearmMs: HOLD_OFF,
      io: { break: () => update({ ioError: 'EIO' }), repair: () => update({ ioError: undefined }) },
      async dispose() {
        await reader.close();
        state.dispose();
      },
    };
  },
  { ioFaults: true },
);
