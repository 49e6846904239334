// Runs the shared RfidReader contract (test/contracts/rfid-reader.ts) against the simulated reader and against
// the MFRC522 driver over a fake mfrc522-rpi chip, both on a ManualClock.

import { createMfrc522Reader } from '../../../hal/rpi/rfid-mfrc522.js';
import { SimRfid } from '../../../hal/sim/devices.js';
import { ManualClock } from '../../../hal/sim/index.js';
import { describeRfidReaderContract } from '../../contracts/rfid-reader.js';
import { FakeMfrc522 } from './rpi-rfid-fake.js';

const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describeRfidReaderContract('sim', () => {
  const clock = new ManualClock();
  const reader = new SimRfid();
  return {
    reader,
    present: (uid) => reader.present(uid), // the simulator reports a tap at once
    remove: () => {},
    async settle(ms) {
      clock.advance(ms);
      await flush();
    },
    detectMs: 0,
    rearmMs: 0,
    dispose: async () => {},
  };
});

describeRfidReaderContract(
  'mfrc522 (fake chip)',
  async () => {
    const clock = new ManualClock();
    const chip = new FakeMfrc522();
    const cfg = { pollMs: 300, holdOffMs: 3000 };
    const reader = await createMfrc522Reader(cfg, clock, { chip });
    return {
      reader,
      present: (uid) => {
        chip.card = [...uid];
      },
      remove: () => {
        chip.card = null;
      },
      async settle(ms) {
        clock.advance(ms);
        await flush();
      },
      detectMs: cfg.pollMs,
      rearmMs: cfg.holdOffMs,
      io: {
        break: () => {
          chip.ioError = new Error('EIO');
        },
        repair: () => {
          chip.ioError = null;
        },
      },
      dispose: async () => reader.close(),
    };
  },
  { ioFaults: true },
);
