// The shared RfidReader contract (hal/types.ts; DESIGN.md "House style": one contract suite runs against every
// driver). `describeRfidReaderContract` states what any RFID reader driver must do; test files run it against
// each driver with a rig that puts cards on the reader and lets driver time pass.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CardPresented, DeviceFaultEvent, RfidFault, RfidReader } from '../../hal/types.js';

export interface RfidRig {
  reader: RfidReader;
  /** Puts a card with this UID (byte 0 first) on the reader; it stays until remove(). */
  present(uid: Uint8Array): void;
  /** Takes the card away. */
  remove(): void;
  /** Lets `ms` of driver time pass (timers fire, pending promise callbacks run). */
  settle(ms: number): Promise<void>;
  /** Time a driver may take to report a card after it was presented (its poll period; 0 when event-driven). */
  detectMs: number;
  /** After a card was reported and removed, time before the same card is reported again (the hold-off). */
  rearmMs: number;
  /** Drivers with I/O that can fail (describe with { ioFaults: true }): make every read fail, and work again. */
  io?: { break(): void; repair(): void };
  dispose(): Promise<void>;
}

const UID4 = Uint8Array.from([0x04, 0xa1, 0xb2, 0xc3]);
const UID7 = Uint8Array.from([0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66]);
const OTHER4 = Uint8Array.from([0xde, 0xad, 0xbe, 0xef]);
const hex = (c: CardPresented): string => Buffer.from(c.uid).toString('hex');

export interface RfidContractFeatures {
  /** The rig can break and repair the driver's I/O (rig.io), so the rfid-io fault is exercised. */
  ioFaults?: boolean;
}

export function describeRfidReaderContract(name: string, makeRig: () => RfidRig | Promise<RfidRig>, features: RfidContractFeatures = {}): void {
  describe(`RfidReader contract: ${name}`, () => {
    let rig: RfidRig;
    let cards: CardPresented[];
    /** Presents a card, waits until the driver must have seen it, and takes it away again. */
    const tap = async (uid: Uint8Array): Promise<void> => {
      rig.present(uid);
      await rig.settle(rig.detectMs);
      rig.remove();
      await rig.settle(rig.detectMs);
    };
    beforeEach(async () => {
      rig = await makeRig();
      cards = [];
      rig.reader.cards.on((c) => cards.push(c));
    });
    afterEach(async () => {
      await rig.dispose();
    });

    it('GIVEN a reader WHEN created THEN it declares the largest UID it reads as 4, 7 or 10 bytes and offers fault events', () => {
      expect([4, 7, 10]).toContain(rig.reader.capabilities.maxUidBytes);
      expect(typeof rig.reader.faults.on(() => {})).toBe('function');
    });

    it('GIVEN a 4-byte card WHEN presented THEN exactly one event carries its bytes, byte 0 first', async () => {
      await tap(UID4);
      expect(cards.map(hex)).toEqual(['04a1b2c3']);
      expect(cards[0]!.uid).toBeInstanceOf(Uint8Array);
    });

    it('GIVEN a 7-byte card and a reader that reads 7 bytes WHEN presented THEN one event carries all 7 bytes', async () => {
      if (rig.reader.capabilities.maxUidBytes < 7) return;
      await tap(UID7);
      expect(cards.map(hex)).toEqual(['04112233445566']);
    });

    it('GIVEN a card left on the reader WHEN a long time passes THEN it is still reported once', async () => {
      rig.present(UID4);
      await rig.settle(rig.detectMs + 20 * Math.max(rig.detectMs, 100));
      expect(cards.map(hex)).toEqual(['04a1b2c3']);
    });

    it('GIVEN a card reported and removed WHEN it is presented again after the hold-off THEN it is reported again', async () => {
      await tap(UID4);
      await rig.settle(rig.rearmMs);
      await tap(UID4);
      expect(cards.map(hex)).toEqual(['04a1b2c3', '04a1b2c3']);
    });

    it('GIVEN two different cards WHEN tapped one after the other THEN both are reported, in order', async () => {
      await tap(UID4);
      await tap(OTHER4);
      expect(cards.map(hex)).toEqual(['04a1b2c3', 'deadbeef']);
    });

    it('GIVEN two listeners, one unsubscribed WHEN a card is presented THEN only the subscribed one hears it', async () => {
      const a: CardPresented[] = [];
      const b: CardPresented[] = [];
      const offA = rig.reader.cards.on((c) => a.push(c));
      rig.reader.cards.on((c) => b.push(c));
      offA();
      await tap(UID4);
      expect(a).toEqual([]);
      expect(b.map(hex)).toEqual(['04a1b2c3']);
    });

    if (!features.ioFaults) return;
    it('GIVEN a driver with failing I/O WHEN reads keep failing THEN rfid-io is raised once, and cleared once reads work', async () => {
      const io = rig.io;
      if (!io) throw new Error(`rig ${name} declares ioFaults but has no io control`);
      const faults: Array<DeviceFaultEvent<RfidFault>> = [];
      rig.reader.faults.on((f) => faults.push(f));
      io.break();
      await rig.settle(20 * Math.max(rig.detectMs, 100));
      expect(faults.map((f) => [f.fault, f.active])).toEqual([['rfid-io', true]]);
      expect(faults[0]!.detail).toBeTruthy();
      expect(cards).toEqual([]);
      io.repair();
      await tap(UID4);
      expect(faults.map((f) => [f.fault, f.active])).toEqual([['rfid-io', true], ['rfid-io', false]]);
      expect(cards.map(hex)).toEqual(['04a1b2c3']);
    });
  });
}
