// RFID reader driver for an MFRC522 module over the mfrc522-rpi package (REFERENCE.md 6).
// Owns: opening the chip, the poll loop on the injected clock, debounce/hold-off, and the 'rfid-io' fault.
// Must not: turn UIDs into idTags (src/auth/id-tag.ts does) or know about sessions.
//
// Platform limit: mfrc522-rpi bit-bangs SPI through rpio on physical header pins (SCLK 23, MOSI 19, MISO 21,
// CS 24, RST 22 = BCM 11, 10, 9, 8, 25; /dev/spidev is not used). rpio drives the GPIO block of the Raspberry
// Pi models up to 4/400/Zero 2 W through /dev/gpiomem. A Raspberry Pi 5 (GPIO behind the RP1 chip) is NOT
// supported by this driver: start fails with a HalError saying so (a Pi 5 needs an spidev-based driver).
// Each poll runs synchronously on the event loop (bit-banged SPI); with no card it waits for the chip's
// receive timeout (about 15 ms with the library's timer settings), so keep pollMs well above that. The daemon
// therefore runs this driver in a child process (rfid-process.ts forks rfid-child.ts), never on its main thread.

import { createRequire } from 'node:module';
import fs from 'node:fs';
import type { Clock } from '../clock.js';
import { HalError } from '../errors.js';
import { Subject } from '../observable.js';
import type { CardPresented, DeviceFaultEvent, RfidFault, RfidReader } from '../types.js';
import { CardDebounce } from './rfid-debounce.js';
import { pollCard, type Mfrc522Chip, type PollResult } from './rfid-mfrc522-chip.js';

export type { Mfrc522Chip } from './rfid-mfrc522-chip.js';

export interface Mfrc522ReaderConfig {
  /** Time between polls, ms. */
  pollMs: number;
  /** The same UID is ignored for this long after it was last reported, ms. */
  holdOffMs: number;
}

/** The two classes the driver takes from the packages (tests inject fakes through `importModule`). */
export interface Mfrc522Library {
  MFRC522: new (spi: unknown) => Mfrc522Chip & { setResetPin(pin: number): unknown };
  SoftSPI: new (pins: { clock: number; mosi: number; miso: number; client: number }) => unknown;
}

export interface Mfrc522Deps {
  /** An opened chip (tests pass a fake). When given, no board check and no package is loaded. */
  chip?: Mfrc522Chip;
  /** The board model as in /proc/device-tree/model, null when unreadable. */
  boardModel?: () => string | null;
  /** Loads a package by name (default: import() for mfrc522-rpi, its own require for rpi-softspi). */
  importModule?: (name: string) => Promise<unknown>;
}

export interface Mfrc522Capabilities {
  maxUidBytes: number;
  /** Boards this driver runs on (rpio /dev/gpiomem). */
  boards: string;
}

const DEVICE = 'rfid';
const LIBRARY = 'mfrc522-rpi';
const BOARDS = 'Raspberry Pi 1-4, 400, Zero/Zero 2 W, CM1-CM4 (rpio /dev/gpiomem); not Raspberry Pi 5';
/** Cascade levels 1-3 are read (rfid-mfrc522-chip.ts), so 4-, 7- and 10-byte UIDs. */
export const MFRC522_CAPABILITIES: Readonly<Mfrc522Capabilities> = { maxUidBytes: 10, boards: BOARDS };
/** Physical header pins mfrc522-rpi's example uses; hal-schema claims the matching BCM numbers. */
const PINS = { clock: 23, mosi: 19, miso: 21, client: 24 } as const;
const RESET_PIN = 22;
/** Consecutive failed polls before 'rfid-io' is raised (one bad read while a card moves is normal). */
export const RFID_IO_FAULT_AFTER = 3;

export class Mfrc522Reader implements RfidReader {
  readonly capabilities: Mfrc522Capabilities = { ...MFRC522_CAPABILITIES };
  readonly cards = new Subject<CardPresented>();
  readonly faults = new Subject<DeviceFaultEvent<RfidFault>>();
  private readonly debounce: CardDebounce;
  private timer: unknown = null;
  private failures = 0;
  private faultActive = false;
  private closed = false;

  constructor(
    private readonly chip: Mfrc522Chip,
    private readonly cfg: Mfrc522ReaderConfig,
    private readonly clock: Clock,
  ) {
    this.debounce = new CardDebounce(cfg.holdOffMs);
    this.schedule();
  }

  /** Stops polling (the chip's pins stay as they are; rpio releases them on process exit). */
  close(): void {
    this.closed = true;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    this.timer = this.clock.setTimeout(() => this.poll(), this.cfg.pollMs);
  }

  private poll(): void {
    this.timer = null;
    if (this.closed) return;
    const result = pollCard(this.chip);
    this.schedule();
    this.trackFaults(result);
    if (result.kind === 'none') this.debounce.empty();
    else if (result.kind === 'card' && this.debounce.read(result.uid, this.clock.now())) this.cards.emit({ uid: result.uid });
  }

  /** Raises 'rfid-io' after RFID_IO_FAULT_AFTER failed polls in a row; clears it on the next good poll. */
  private trackFaults(result: PollResult): void {
    if (result.kind !== 'error') {
      this.failures = 0;
      if (!this.faultActive) return;
      this.faultActive = false;
      this.faults.emit({ fault: 'rfid-io', active: false });
      return;
    }
    this.failures++;
    if (this.faultActive || this.failures < RFID_IO_FAULT_AFTER) return;
    this.faultActive = true;
    this.faults.emit({ fault: 'rfid-io', active: true, detail: `MFRC522: ${this.failures} failed polls in a row; last: ${result.detail}` });
  }
}

/** Opens the MFRC522 (unless deps.chip is given) and starts polling every cfg.pollMs on `clock`. */
export async function createMfrc522Reader(cfg: Mfrc522ReaderConfig, clock: Clock, deps: Mfrc522Deps = {}): Promise<Mfrc522Reader> {
  if (!(Number.isFinite(cfg.pollMs) && cfg.pollMs > 0) || !(cfg.holdOffMs >= 0)) {
    throw new HalError(DEVICE, `mfrc522 needs pollMs > 0 and holdOffMs >= 0 (got pollMs ${cfg.pollMs}, holdOffMs ${cfg.holdOffMs})`);
  }
  const chip = deps.chip ?? (await openChip(deps));
  return new Mfrc522Reader(chip, cfg, clock);
}

async function openChip(deps: Mfrc522Deps): Promise<Mfrc522Chip> {
  checkBoard((deps.boardModel ?? readBoardModel)());
  const lib = await loadLibrary(deps.importModule);
  try {
    const chip = new lib.MFRC522(new lib.SoftSPI(PINS)); // opens the pins: rpio maps /dev/gpiomem here
    chip.setResetPin(RESET_PIN); // hard reset: RST low for 50 ms, then high
    return chip;
  } catch (err) {
    throw new HalError(
      DEVICE,
      `rpio could not open /dev/gpiomem (${messageOf(err)}). The mfrc522 driver bit-bangs SPI through rpio and runs on ` +
        `Raspberry Pi models up to 4/400/Zero 2 W only; a Raspberry Pi 5 is not supported. On a Pi 1-4 check that ` +
        `/dev/gpiomem exists and the service user is in group "gpio"`,
      { cause: err },
    );
  }
}

/** Refuses boards rpio cannot drive: it would silently fall back to a mock and never see a card. */
export function checkBoard(model: string | null): void {
  if (model === null || !/^Raspberry Pi\b/.test(model)) {
    const found = model === null ? '/proc/device-tree/model is unreadable' : `board is "${model}"`;
    throw new HalError(DEVICE, `the mfrc522 driver needs a Raspberry Pi 1-4/400/Zero (${found}); use hal.rfid.driver: sim or none`);
  }
  if (/^Raspberry Pi (5|500|Compute Module 5)\b/.test(model)) {
    throw new HalError(
      DEVICE,
      `"${model}": a Raspberry Pi 5 is not supported by the mfrc522 driver (mfrc522-rpi bit-bangs SPI through rpio, ` +
        `which drives only the GPIO of Pi models up to 4/400/Zero 2 W via /dev/gpiomem); set hal.rfid.driver: none`,
    );
  }
}

function readBoardModel(): string | null {
  try {
    return fs.readFileSync('/proc/device-tree/model', 'ascii').replace(/\0+$/, '');
  } catch {
    return null;
  }
}

/** mfrc522-rpi by import(); rpi-softspi (its dependency, not ours) resolved from mfrc522-rpi's own location. */
async function defaultImport(name: string): Promise<unknown> {
  if (name === LIBRARY) return import(name);
  const fromHere = createRequire(import.meta.url);
  return createRequire(fromHere.resolve(LIBRARY))(name);
}

/** Loads mfrc522-rpi and rpi-softspi, turning a missing package or a broken rpio build into a clear HalError. */
export async function loadLibrary(importModule: (name: string) => Promise<unknown> = defaultImport): Promise<Mfrc522Library> {
  let MFRC522: unknown;
  let SoftSPI: unknown;
  try {
    MFRC522 = defaultExport(await importModule(LIBRARY));
    SoftSPI = defaultExport(await importModule('rpi-softspi'));
  } catch (err) {
    if (isModuleNotFound(err, LIBRARY)) {
      throw new HalError(DEVICE, `driver mfrc522 needs package ${LIBRARY}, install with: npm install ${LIBRARY} (Node 20: with "overrides": {"rpio": "2.4.2"})`, { cause: err });
    }
    throw new HalError(DEVICE, `package ${LIBRARY} failed to load (${messageOf(err)}); its native dependency rpio must be built for this Node (Node 20: "overrides": {"rpio": "2.4.2"})`, { cause: err });
  }
  if (typeof MFRC522 !== 'function' || typeof SoftSPI !== 'function') {
    throw new HalError(DEVICE, `package ${LIBRARY} does not export the MFRC522 class this driver was written for (2.1.x)`);
  }
  return { MFRC522, SoftSPI } as Mfrc522Library;
}

function defaultExport(mod: unknown): unknown {
  return (typeof mod === 'object' || typeof mod === 'function') && mod !== null && 'default' in mod ? mod.default : mod;
}

function isModuleNotFound(err: unknown, name: string): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && messageOf(err).includes(name);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
