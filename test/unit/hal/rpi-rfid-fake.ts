// A fake mfrc522-rpi MFRC522 object for the driver tests: the same methods the driver calls, answering like a
// chip with a card model behind it (ISO/IEC 14443-3 cascade levels with BCC, SELECT checked with CRC_A).
// Knobs simulate a card present/absent, bad BCC, a SAK without the cascade bit, a silent chip and I/O errors.

import type { Mfrc522Chip } from '../../../hal/rpi/rfid-mfrc522.js';

const SEL = [0x93, 0x95, 0x97];
const PCD_TRANSCEIVE = 0x0c;
const FAIL = { status: false, data: [] as number[], bitSize: 0 };

/** ISO/IEC 14443-3 Annex B CRC_A, as [low, high]. */
export function crcA(data: number[]): number[] {
  let crc = 0x6363;
  for (const b of data) {
    let ch = (b ^ crc) & 0xff;
    ch = (ch ^ (ch << 4)) & 0xff;
    crc = ((crc >> 8) ^ (ch << 8) ^ (ch << 3) ^ (ch >> 4)) & 0xffff;
  }
  return [crc & 0xff, crc >> 8];
}

const bcc = (b: number[]): number => b[0]! ^ b[1]! ^ b[2]! ^ b[3]!;

/** The anticollision frames (4 bytes + BCC) of a 4-, 7- or 10-byte UID, one per cascade level. */
export function cascadeFrames(uid: number[]): number[][] {
  const parts = uid.length === 4 ? [uid] : uid.length === 7 ? [[0x88, ...uid.slice(0, 3)], uid.slice(3)] : [[0x88, ...uid.slice(0, 3)], [0x88, ...uid.slice(3, 6)], uid.slice(6)];
  return parts.map((p) => [...p, bcc(p)]);
}

export class FakeMfrc522 implements Mfrc522Chip {
  /** The card in the field (its UID bytes), or null. */
  card: number[] | null = null;
  /** VersionReg (0x92 = MFRC522 v2); 0x00 or 0xFF play a chip that does not answer. */
  version = 0x92;
  /** Thrown by reset(), as rpio would on an I/O failure. */
  ioError: Error | null = null;
  /** Cascade levels (1-3) whose BCC the card gets wrong. */
  readonly badBcc = new Set<number>();
  /** SAK answered to SELECT at cascade level 1, overriding the card model. */
  sakAtLevel1: number | null = null;
  /** Number of polls (reset() calls) and every frame sent to the card through toCard. */
  polls = 0;
  readonly frames: number[][] = [];
  /** Cascade level whose ANTICOLLISION the card answers next (0: not woken by REQA). */
  private level = 0;
  /** The frame answered at the current level, which SELECT must repeat. */
  private answered: number[] | null = null;

  reset(): void {
    if (this.ioError) throw this.ioError;
    this.polls++;
    this.level = 0; // the field went off: the card is back to IDLE
  }

  readRegister(addr: number): number {
    return addr === 0x37 ? this.version : 0;
  }

  /** Every register write, in order. */
  readonly writes: Array<[number, number]> = [];

  writeRegister(addr: number, val: number): void {
    this.writes.push([addr, val]);
  }

  findCard(): { status: boolean; bitSize: number } {
    if (!this.card) return { status: false, bitSize: 0 };
    this.level = 1;
    return { status: true, bitSize: 16 };
  }

  /** As the library: anticollision CL1 (0x93 0x20), status false on a BCC mismatch. */
  getUid(): { status: boolean; data: number[] } {
    const r = this.toCard(PCD_TRANSCEIVE, [0x93, 0x20]);
    return { status: r.status && bcc(r.data) === r.data[4], data: r.data };
  }

  /** As the library: SELECT CL1 with 5 bytes + CRC_A; the SAK, or 0. */
  selectCard(uid: number[]): number {
    const request = [0x93, 0x70, ...uid.slice(0, 5)];
    const r = this.toCard(PCD_TRANSCEIVE, [...request, ...this.calculateCRC(request)]);
    return r.status && r.bitSize === 0x18 ? r.data[0]! : 0;
  }

  calculateCRC(data: number[]): number[] {
    return crcA(data);
  }

  toCard(command: number, bytes: number[]): { status: boolean; data: number[]; bitSize: number } {
    this.frames.push([...bytes]);
    if (command !== PCD_TRANSCEIVE || !this.card || this.level === 0 || bytes[0] !== SEL[this.level - 1]) return FAIL;
    if (bytes.length === 2 && bytes[1] === 0x20) return this.anticollision();
    if (bytes.length === 9 && bytes[1] === 0x70) return this.select(bytes);
    return FAIL;
  }

  private anticollision(): { status: boolean; data: number[]; bitSize: number } {
    const frame = [...cascadeFrames(this.card!)[this.level - 1]!];
    this.answered = frame;
    if (this.badBcc.has(this.level)) frame[4] = frame[4]! ^ 0x5a;
    return { status: true, data: frame, bitSize: 40 };
  }

  private select(bytes: number[]): { status: boolean; data: number[]; bitSize: number } {
    const [crcLow, crcHigh] = crcA(bytes.slice(0, 7));
    const repeated = this.answered !== null && bytes.slice(2, 7).every((b, i) => b === this.answered![i]);
    if (!repeated || bytes[7] !== crcLow || bytes[8] !== crcHigh) return FAIL;
    const last = this.level === cascadeFrames(this.card!).length;
    let sak = last ? 0x08 : 0x04;
    if (this.level === 1 && this.sakAtLevel1 !== null) sak = this.sakAtLevel1;
    this.level = last ? 0 : this.level + 1;
    this.answered = null;
    return { status: true, data: [sak, ...crcA([sak])], bitSize: 24 };
  }
}
