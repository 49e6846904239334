// GIVEN the MFRC522 driver over a fake mfrc522-rpi chip on a ManualClock WHEN cards come and go THEN it polls
// every pollMs, reads 4-, 7- and 10-byte UIDs through the cascade levels, reports each presentation once (hold-off
// honoured) and turns repeated read failures into the rfid-io fault.

import { afterEach, describe, expect, it } from 'vitest';
import { Subject } from '../../../hal/observable.js';
import { createMfrc522Reader, RFID_IO_FAULT_AFTER, type Mfrc522Reader } from '../../../hal/rpi/rfid-mfrc522.js';
import { MFRC522_REG, RECEIVE_TIMEOUT_TICKS } from '../../../hal/rpi/rfid-mfrc522-chip.js';
import { ManualClock } from '../../../hal/sim/index.js';
import type { CardPresented, DeviceFaultEvent, RfidFault } from '../../../hal/types.js';
import { cascadeFrames, crcA, FakeMfrc522 } from './rpi-rfid-fake.js';

const POLL = 100;
const HOLD_OFF = 1000;
const UID4 = [0x04, 0xa1, 0xb2, 0xc3];
const UID7 = [0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66];
const UID10 = [0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99];

const readers: Mfrc522Reader[] = [];
afterEach(() => {
  for (const r of readers.splice(0)) r.close();
});

async function start(cfg: { pollMs?: number; holdOffMs?: number } = {}) {
  const clock = new ManualClock();
  const chip = new FakeMfrc522();
  const reader = await createMfrc522Reader({ pollMs: cfg.pollMs ?? POLL, holdOffMs: cfg.holdOffMs ?? HOLD_OFF }, clock, { chip });
  readers.push(reader);
  const cards: number[][] = [];
  const faults: Array<DeviceFaultEvent<RfidFault>> = [];
  reader.cards.on((c: CardPresented) => cards.push([...c.uid]));
  reader.faults.on((f) => faults.push(f));
  /** Lets `n` poll periods pass. */
  const polls = (n: number): void => clock.advance(n * (cfg.pollMs ?? POLL));
  return { clock, chip, reader, cards, faults, polls };
}

describe('mfrc522 driver: polling', () => {
  it('GIVEN pollMs 250 WHEN time passes THEN the chip is polled once per period, and no more after close()', async () => {
    const { clock, chip, reader } = await start({ pollMs: 250 });
    clock.advance(249);
    expect(chip.polls).toBe(0);
    clock.advance(1);
    expect(chip.polls).toBe(1);
    clock.advance(2250);
    expect(chip.polls).toBe(10);
    reader.close();
    expect(clock.pending).toBe(0);
    clock.advance(10_000);
    expect(chip.polls).toBe(10);
  });

  it('GIVEN a listener that throws WHEN a card is read THEN polling goes on', async () => {
    const saved = Subject.onListenerError;
    Subject.onListenerError = () => {};
    try {
      const { chip, reader, polls } = await start();
      reader.cards.on(() => {
        throw new Error('listener bug');
      });
      chip.card = UID4;
      polls(1);
      polls(5);
      expect(chip.polls).toBe(6);
    } finally {
      Subject.onListenerError = saved;
    }
  });
});

describe('mfrc522 driver: receive timeout', () => {
  it('GIVEN the library sets a 15 ms receive timer WHEN a poll resets the chip THEN the timer is cut to RECEIVE_TIMEOUT_TICKS before looking for a card', async () => {
    const { chip, polls } = await start();
    polls(1);
    expect(chip.writes).toContainEqual([MFRC522_REG.TReloadRegL, RECEIVE_TIMEOUT_TICKS]);
    expect(RECEIVE_TIMEOUT_TICKS).toBeLessThan(30);
  });
});

describe('mfrc522 driver: UIDs and cascade levels', () => {
  it('GIVEN a 4-byte card WHEN polled THEN its UID is reported byte 0 first, from cascade level 1 alone', async () => {
    const { chip, cards, polls } = await start();
    chip.card = UID4;
    polls(1);
    expect(cards).toEqual([UID4]);
    expect(chip.frames).toEqual([[0x93, 0x20]]);
  });

  it('GIVEN a 7-byte card WHEN polled THEN CL1 (0x88 + 3 bytes) is selected, CL2 read, and all 7 bytes reported', async () => {
    const { chip, cards, polls } = await start();
    chip.card = UID7;
    polls(1);
    expect(cards).toEqual([UID7]);
    const selectCl1 = [0x93, 0x70, 0x88, 0x04, 0x11, 0x22, 0xbf]; // BCC = 88 ^ 04 ^ 11 ^ 22
    expect(chip.frames).toEqual([[0x93, 0x20], [...selectCl1, ...crcA(selectCl1)], [0x95, 0x20]]);
  });

  it('GIVEN a 10-byte card WHEN polled THEN CL2 is selected too, CL3 read, and all 10 bytes reported', async () => {
    const { chip, cards, polls, reader } = await start();
    chip.card = UID10;
    polls(1);
    expect(cards).toEqual([UID10]);
    const selectCl2 = [0x95, 0x70, ...cascadeFrames(UID10)[1]!];
    expect(chip.frames.slice(2)).toEqual([[0x95, 0x20], [...selectCl2, ...crcA(selectCl2)], [0x97, 0x20]]);
    expect(reader.capabilities.maxUidBytes).toBe(10);
  });

  it.each([
    [1, UID4, /cascade level 1: anticollision failed or BCC mismatch/],
    [2, UID7, /cascade level 2: BCC mismatch \(computed 0x[0-9A-F]{2}, received 0x[0-9A-F]{2}\)/],
    [3, UID10, /cascade level 3: BCC mismatch/],
  ])('GIVEN a card whose BCC is wrong at cascade level %s WHEN polled repeatedly THEN nothing is reported and rfid-io is raised', async (level, uid, detail) => {
    const { chip, cards, faults, polls } = await start();
    chip.card = uid;
    chip.badBcc.add(level);
    polls(RFID_IO_FAULT_AFTER - 1);
    expect(faults).toEqual([]);
    polls(1);
    expect(cards).toEqual([]);
    expect(faults).toEqual([{ fault: 'rfid-io', active: true, detail: expect.stringMatching(detail) }]);
  });

  it('GIVEN a card with cascade tag 0x88 whose SELECT answers without the cascade bit WHEN polled THEN no 0x88 UID is reported', async () => {
    const { chip, cards, faults, polls } = await start();
    chip.card = UID7;
    chip.sakAtLevel1 = 0x08;
    polls(RFID_IO_FAULT_AFTER);
    expect(cards).toEqual([]);
    expect(faults[0]?.detail).toMatch(/cascade level 1: SELECT answered SAK 0x08 without the cascade bit/);
  });
});

describe('mfrc522 driver: one event per presentation', () => {
  it('GIVEN a card left on the reader for many polls THEN it is reported once', async () => {
    const { chip, cards, polls } = await start();
    chip.card = UID4;
    polls(30);
    expect(cards).toEqual([UID4]);
  });

  it('GIVEN a reported card WHEN removed for one poll and presented again after the hold-off THEN it is reported again', async () => {
    const { chip, cards, polls } = await start();
    chip.card = UID4;
    polls(11); // reported at 100 ms, still there at 1100 ms
    chip.card = null;
    polls(1);
    chip.card = UID4;
    polls(1);
    expect(cards).toEqual([UID4, UID4]);
  });

  it('GIVEN a reported card WHEN removed and presented again within the hold-off THEN that presentation is ignored, even after the hold-off ends', async () => {
    const { chip, cards, polls } = await start();
    chip.card = UID4;
    polls(1);
    chip.card = null;
    polls(1);
    chip.card = UID4;
    polls(20); // re-presented at 300 ms, left on the reader past the hold-off
    expect(cards).toEqual([UID4]);
    chip.card = null;
    polls(1);
    chip.card = UID4;
    polls(1);
    expect(cards).toEqual([UID4, UID4]);
  });

  it('GIVEN a card reported at 100 ms and removed at 1000 ms WHEN presented again at 1100 ms THEN the hold-off counted from the report has ended', async () => {
    const { chip, cards, polls } = await start();
    chip.card = UID4;
    polls(9); // polls at 100..900 ms see it
    chip.card = null;
    polls(1); // 1000 ms: empty
    chip.card = UID4;
    polls(1); // 1100 ms: 1000 ms after the report
    expect(cards).toEqual([UID4, UID4]);
  });

  it('GIVEN holdOffMs 0 WHEN a card is removed for one poll and presented again THEN it is reported again', async () => {
    const { chip, cards, polls } = await start({ holdOffMs: 0 });
    chip.card = UID4;
    polls(1);
    chip.card = null;
    polls(1);
    chip.card = UID4;
    polls(1);
    expect(cards).toEqual([UID4, UID4]);
  });

  it('GIVEN a card on the reader WHEN one read fails (bad BCC) THEN the reader does not re-arm and the card is not reported twice', async () => {
    const { chip, cards, faults, polls } = await start({ holdOffMs: 0 });
    chip.card = UID4;
    polls(1);
    chip.badBcc.add(1);
    polls(1);
    chip.badBcc.clear();
    polls(3);
    expect(cards).toEqual([UID4]);
    expect(faults).toEqual([]);
  });

  it('GIVEN one card reported WHEN another card is presented (removed between, or swapped within a poll) THEN each is reported at once', async () => {
    const { chip, cards, polls } = await start();
    chip.card = UID4;
    polls(1);
    chip.card = UID7; // swapped without an empty poll
    polls(1);
    chip.card = null;
    polls(1);
    chip.card = UID10;
    polls(1);
    expect(cards).toEqual([UID4, UID7, UID10]);
  });
});

describe('mfrc522 driver: rfid-io fault', () => {
  it(`GIVEN I/O errors WHEN ${RFID_IO_FAULT_AFTER} polls in a row fail THEN rfid-io is raised once with the error; the next good poll clears it`, async () => {
    const { chip, faults, cards, polls } = await start();
    chip.ioError = new Error('EIO: bit-bang read failed');
    polls(RFID_IO_FAULT_AFTER - 1);
    expect(faults).toEqual([]);
    polls(10);
    expect(faults).toEqual([{ fault: 'rfid-io', active: true, detail: expect.stringMatching(/failed polls in a row; last: I\/O error: EIO: bit-bang read failed/) }]);
    chip.ioError = null;
    chip.card = UID4;
    polls(1);
    expect(faults.slice(1)).toEqual([{ fault: 'rfid-io', active: false }]);
    expect(cards).toEqual([UID4]);
    polls(5);
    expect(faults).toHaveLength(2);
  });

  it('GIVEN failures that never reach the threshold in a row WHEN good polls come between THEN no fault is raised', async () => {
    const { chip, faults, polls } = await start();
    for (let i = 0; i < 5; i++) {
      chip.ioError = new Error('EIO');
      polls(RFID_IO_FAULT_AFTER - 1);
      chip.ioError = null;
      polls(1);
    }
    expect(faults).toEqual([]);
  });

  it.each([
    ['00', 0x00],
    ['FF', 0xff],
  ])('GIVEN a chip whose VersionReg reads 0x%s (not answering) WHEN polled THEN rfid-io says so', async (text, version) => {
    const { chip, faults, polls } = await start();
    chip.version = version;
    chip.card = UID4;
    polls(RFID_IO_FAULT_AFTER);
    expect(faults[0]?.detail).toContain(`no answer from the MFRC522 (VersionReg reads 0x${text})`);
  });
});
