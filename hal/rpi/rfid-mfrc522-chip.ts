// One poll of an MFRC522 reader: the subset of mfrc522-rpi's MFRC522 methods the driver calls, and reading a
// card's full UID with ISO/IEC 14443-3 anticollision + select over cascade levels 1-3. The library implements
// cascade level 1 only (getUid: 0x93 0x20 + BCC check; a 7-byte UID comes back as 0x88 + 3 bytes); the higher
// levels are built here from its low-level writeRegister/toCard/calculateCRC (REFERENCE.md 6).
// Must not: debounce, schedule polls or raise faults (rfid-mfrc522.ts does); block longer than one poll.

/** The methods of mfrc522-rpi 2.1.3's MFRC522 class the driver uses (tests pass a fake with the same shape). */
export interface Mfrc522Chip {
  /** Soft reset + timer setup + antenna on: cycles the RF field, so every card starts again from IDLE. */
  reset(): void;
  readRegister(addr: number): number;
  writeRegister(addr: number, val: number): void;
  /** REQA (REQIDL); status true when a card answered with a 16-bit ATQA. */
  findCard(): { status: boolean | null; bitSize: number | null };
  /** Anticollision at cascade level 1; status false on a transfer error or a BCC mismatch. data: 4 bytes + BCC. */
  getUid(): { status: boolean; data: number[] };
  /** SELECT at cascade level 1 with 4 bytes + BCC; returns the SAK, or 0 on failure. */
  selectCard(uid: number[]): number;
  toCard(command: number, bitsToSend: number[]): { status: boolean; data: number[]; bitSize: number };
  /** CRC_A over data, as [low, high] (the order it is sent). */
  calculateCRC(data: number[]): number[];
}

export const MFRC522_REG = { BitFramingReg: 0x0d, TReloadRegL: 0x2d, VersionReg: 0x37 } as const;

/**
 * Receive timeout in timer ticks of 0.5 ms (the library's prescaler 0xD3E: 13.56 MHz / 6781). The library
 * sets 30 (15 ms) and busy-waits for it on every poll without a card; a card answers REQA, anticollision
 * and SELECT within about 0.1 ms (ISO/IEC 14443-3 frame delay), so 4 ticks (2 ms) cut the cost of an
 * empty poll about sevenfold.
 */
export const RECEIVE_TIMEOUT_TICKS = 4;
const PCD_TRANSCEIVE = 0x0c;
const CASCADE_TAG = 0x88;
/** SEL codes of cascade levels 1, 2, 3 (ISO/IEC 14443-3 6.5.3). */
const SEL = [0x93, 0x95, 0x97] as const;
/** SAK bit 3 (0x04): UID not complete, go on with the next cascade level. */
const SAK_CASCADE = 0x04;

export type PollResult =
  | { kind: 'none' }
  | { kind: 'card'; uid: Uint8Array }
  /** The chip did not answer, or a card was seen but its UID could not be read. */
  | { kind: 'error'; detail: string };

/** Resets the chip, checks it answers, looks for a card and reads its UID. Never throws. */
export function pollCard(chip: Mfrc522Chip): PollResult {
  try {
    chip.reset();
    chip.writeRegister(MFRC522_REG.TReloadRegL, RECEIVE_TIMEOUT_TICKS);
    // Bit-banged SPI never fails by itself: a missing/unpowered chip reads as all 0s or all 1s.
    const version = chip.readRegister(MFRC522_REG.VersionReg);
    if (version === 0x00 || version === 0xff) {
      return { kind: 'error', detail: `no answer from the MFRC522 (VersionReg reads 0x${hex(version)}): check wiring and 3.3 V supply` };
    }
    if (!chip.findCard().status) return { kind: 'none' };
    return readUid(chip);
  } catch (err) {
    return { kind: 'error', detail: `I/O error: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** Anticollision (+ select while the cascade tag says the UID goes on), byte 0 first. */
function readUid(chip: Mfrc522Chip): PollResult {
  const cl1 = chip.getUid();
  if (!cl1.status || cl1.data.length < 5) return fail(1, 'anticollision failed or BCC mismatch');
  const uid: number[] = [];
  let frame = cl1.data.slice(0, 5);
  for (let level = 1; ; level++) {
    if (frame[0] !== CASCADE_TAG) return { kind: 'card', uid: Uint8Array.from([...uid, ...frame.slice(0, 4)]) };
    if (level === SEL.length) return fail(level, 'cascade tag 0x88 at the last cascade level');
    uid.push(...frame.slice(1, 4));
    const sak = level === 1 ? chip.selectCard(frame) : select(chip, SEL[level - 1]!, frame);
    if ((sak & SAK_CASCADE) === 0) return fail(level, `SELECT answered SAK 0x${hex(sak)} without the cascade bit`);
    const next = anticollision(chip, SEL[level]!);
    if (typeof next === 'string') return fail(level + 1, next);
    frame = next;
  }
}

/** ANTICOLLISION with NVB 0x20 (no known bits): 4 bytes + BCC, BCC checked. Returns the frame or why not. */
function anticollision(chip: Mfrc522Chip, sel: number): number[] | string {
  chip.writeRegister(MFRC522_REG.BitFramingReg, 0x00); // whole bytes
  const r = chip.toCard(PCD_TRANSCEIVE, [sel, 0x20]);
  if (!r.status || r.data.length < 5) return `anticollision failed (${r.data.length} bytes received)`;
  const frame = r.data.slice(0, 5);
  const bcc = frame[0]! ^ frame[1]! ^ frame[2]! ^ frame[3]!;
  if (bcc !== frame[4]) return `BCC mismatch (computed 0x${hex(bcc)}, received 0x${hex(frame[4]!)})`;
  return frame;
}

/** SELECT with NVB 0x70 (all 40 bits) + CRC_A; returns the SAK, or 0 on failure (as the library's selectCard). */
function select(chip: Mfrc522Chip, sel: number, frame: number[]): number {
  const request = [sel, 0x70, ...frame];
  const r = chip.toCard(PCD_TRANSCEIVE, [...request, ...chip.calculateCRC(request)]);
  return r.status && r.bitSize === 24 ? (r.data[0] ?? 0) : 0;
}

function fail(level: number, what: string): PollResult {
  return { kind: 'error', detail: `card UID unreadable at cascade level ${level}: ${what}` };
}

function hex(byte: number): string {
  return byte.toString(16).toUpperCase().padStart(2, '0');
}
