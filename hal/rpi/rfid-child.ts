// Child-process entry of the MFRC522 reader, forked by rfid-process.ts (argv[2]: the reader config as JSON).
// Owns: opening the chip and running the existing poll loop + debounce (rfid-mfrc522.ts) in its own process,
// so the ~15 ms synchronous bit-banged polls never block the parent's event loop (the safety path), and a
// crash of the native rpio code kills this process only. Reports over the IPC channel (ChildMessage).
// Must not: decide anything about restarts or fault policy (the parent does), or outlive the parent: it exits
// when the IPC channel closes, and ignores SIGINT (a terminal's Ctrl-C goes to the parent, which closes us).

import { pathToFileURL } from 'node:url';
import { systemClock } from '../clock.js';
import { createMfrc522Reader, type Mfrc522Deps, type Mfrc522ReaderConfig } from './rfid-mfrc522.js';

/** Messages the child sends to the parent. */
export type ChildMessage =
  | { type: 'ready' }
  | { type: 'card'; uid: number[] }
  | { type: 'fault'; active: boolean; detail?: string }
  /** Opening the chip failed (board check, package, rpio); the child exits right after. */
  | { type: 'error'; message: string };

/**
 * The one test injection point: an absolute path to a module exporting `boardModel()` and
 * `importModule(name)` (Mfrc522Deps), which then stand in for /proc/device-tree/model and the packages.
 */
export const FAKE_MODULE_ENV = 'EVSE_RFID_FAKE_MODULE';

function send(msg: ChildMessage, then?: () => void): void {
  if (!process.connected || !process.send) {
    then?.();
    return;
  }
  process.send(msg, undefined, undefined, () => then?.());
}

function parseConfig(arg: string | undefined): Mfrc522ReaderConfig {
  const cfg = JSON.parse(arg ?? 'null') as Partial<Mfrc522ReaderConfig> | null;
  return { pollMs: Number(cfg?.pollMs), holdOffMs: Number(cfg?.holdOffMs) };
}

async function injectedDeps(): Promise<Mfrc522Deps> {
  const file = process.env[FAKE_MODULE_ENV];
  if (!file) return {};
  const fake = (await import(pathToFileURL(file).href)) as Pick<Mfrc522Deps, 'boardModel' | 'importModule'>;
  return { boardModel: fake.boardModel, importModule: fake.importModule };
}

async function main(): Promise<void> {
  if (!process.send) {
    console.error('rfid-child: start it through hal/rpi/rfid-process.ts (it needs an IPC channel)');
    return;
  }
  // The IPC channel keeps this process alive (the poll timers are unref'd); when it closes, the parent is gone.
  process.on('disconnect', () => process.exit(0));
  process.on('SIGINT', () => {});
  let reader;
  try {
    reader = await createMfrc522Reader(parseConfig(process.argv[2]), systemClock, await injectedDeps());
  } catch (err) {
    send({ type: 'error', message: err instanceof Error ? err.message : String(err) }, () => process.exit(1));
    return;
  }
  reader.cards.on((c) => send({ type: 'card', uid: [...c.uid] }));
  reader.faults.on((f) => send({ type: 'fault', active: f.active, ...(f.detail === undefined ? {} : { detail: f.detail }) }));
  send({ type: 'ready' });
}

void main();
