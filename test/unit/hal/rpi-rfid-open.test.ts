// GIVEN the MFRC522 driver factory WHEN it opens the chip THEN unsupported boards (Pi 5, not a Pi), a missing or
// broken package and an rpio that cannot open /dev/gpiomem fail at start with a clear HalError, and on a Pi 1-4
// it builds mfrc522-rpi over rpi-softspi on the documented pins. The real package is loaded once to check that
// it still has every method the driver calls.

import { describe, expect, it } from 'vitest';
import { HalError } from '../../../hal/errors.js';
import { checkBoard, createMfrc522Reader, loadLibrary, type Mfrc522Deps } from '../../../hal/rpi/rfid-mfrc522.js';
import { ManualClock } from '../../../hal/sim/index.js';
import { FakeMfrc522 } from './rpi-rfid-fake.js';

const CFG = { pollMs: 300, holdOffMs: 3000 };
const PI4 = () => 'Raspberry Pi 4 Model B Rev 1.4';

async function startError(deps: Mfrc522Deps, cfg = CFG): Promise<HalError> {
  try {
    const reader = await createMfrc522Reader(cfg, new ManualClock(), deps);
    reader.close();
  } catch (err) {
    expect(err).toBeInstanceOf(HalError);
    expect((err as HalError).device).toBe('rfid');
    return err as HalError;
  }
  throw new Error('expected createMfrc522Reader to fail');
}

/** A fake package pair: records how the driver builds the chip; `openFails` plays rpio failing to map GPIO. */
function fakePackages(openFails?: Error) {
  const built: { pins?: unknown; resetPin?: number; chip?: FakeMfrc522 } = {};
  class SoftSPI {
    constructor(readonly pins: unknown) {}
    open(): void {
      if (openFails) throw openFails;
    }
  }
  class MFRC522 extends FakeMfrc522 {
    constructor(spi: SoftSPI) {
      super();
      spi.open(); // as the library's constructor does
      built.pins = spi.pins;
      built.chip = this;
    }
    setResetPin(pin: number): this {
      built.resetPin = pin;
      return this;
    }
  }
  const importModule = async (name: string): Promise<unknown> => {
    if (name === 'mfrc522-rpi') return { default: MFRC522 };
    if (name === 'rpi-softspi') return SoftSPI;
    throw new Error(`unexpected import ${name}`);
  };
  return { built, importModule };
}

describe('mfrc522 driver: boards', () => {
  it.each(['Raspberry Pi 5 Model B Rev 1.0', 'Raspberry Pi 500 Rev 1.0', 'Raspberry Pi Compute Module 5 Rev 1.0'])(
    'GIVEN board "%s" WHEN the driver starts THEN it refuses: a Pi 5 is not supported',
    async (model) => {
      const { importModule } = fakePackages();
      const err = await startError({ boardModel: () => model, importModule });
      expect(err.message).toContain(model);
      expect(err.message).toMatch(/Raspberry Pi 5 is not supported by the mfrc522 driver.*up to 4\/400\/Zero 2 W.*hal\.rfid\.driver: none/);
    },
  );

  it.each([
    ['an x86 PC', () => 'Generic x86 PC', /board is "Generic x86 PC"/],
    ['no device tree', () => null, /\/proc\/device-tree\/model is unreadable/],
  ])('GIVEN %s WHEN the driver starts THEN it refuses instead of letting rpio fall back to a mock', async (_name, boardModel, found) => {
    const err = await startError({ boardModel, importModule: fakePackages().importModule });
    expect(err.message).toMatch(/needs a Raspberry Pi 1-4\/400\/Zero/);
    expect(err.message).toMatch(found);
  });

  it.each(['Raspberry Pi 4 Model B Rev 1.4', 'Raspberry Pi 400 Rev 1.0', 'Raspberry Pi Zero 2 W Rev 1.0', 'Raspberry Pi 3 Model B Plus Rev 1.3', 'Raspberry Pi Compute Module 4 Rev 1.0'])(
    'GIVEN board "%s" THEN the board check passes',
    (model) => {
      expect(() => checkBoard(model)).not.toThrow();
    },
  );
});

describe('mfrc522 driver: opening the chip', () => {
  it('GIVEN a Pi 4 WHEN the driver starts THEN it builds MFRC522 over SoftSPI on physical pins 23/19/21/24, resets on pin 22, and polls that chip', async () => {
    const { built, importModule } = fakePackages();
    const clock = new ManualClock();
    const reader = await createMfrc522Reader(CFG, clock, { boardModel: PI4, importModule });
    expect(built.pins).toEqual({ clock: 23, mosi: 19, miso: 21, client: 24 });
    expect(built.resetPin).toBe(22);
    const cards: number[][] = [];
    reader.cards.on((c) => cards.push([...c.uid]));
    built.chip!.card = [1, 2, 3, 4];
    clock.advance(CFG.pollMs);
    expect(cards).toEqual([[1, 2, 3, 4]]);
    expect(reader.capabilities.boards).toMatch(/not Raspberry Pi 5/);
    reader.close();
  });

  it('GIVEN rpio cannot open /dev/gpiomem WHEN the driver starts THEN the error names /dev/gpiomem, the cause and the Pi <= 4 limit', async () => {
    const cause = new Error('Could not initialize bcm2835');
    const err = await startError({ boardModel: PI4, importModule: fakePackages(cause).importModule });
    expect(err.message).toMatch(/rpio could not open \/dev\/gpiomem \(Could not initialize bcm2835\)/);
    expect(err.message).toMatch(/up to 4\/400\/Zero 2 W only; a Raspberry Pi 5 is not supported/);
    expect(err.cause).toBe(cause);
  });

  it('GIVEN mfrc522-rpi is not installed WHEN the driver starts THEN it says which package to install', async () => {
    const missing = Object.assign(new Error("Cannot find package 'mfrc522-rpi' imported from /app/hal/rpi/rfid-mfrc522.js"), { code: 'ERR_MODULE_NOT_FOUND' });
    const err = await startError({ boardModel: PI4, importModule: async () => Promise.reject(missing) });
    expect(err.message).toMatch(/driver mfrc522 needs package mfrc522-rpi, install with: npm install mfrc522-rpi/);
  });

  it('GIVEN rpio fails to load (native build for another Node) WHEN the driver starts THEN it points at rpio', async () => {
    const broken = new Error('Module did not self-register: rpio.node');
    const err = await startError({ boardModel: PI4, importModule: async () => Promise.reject(broken) });
    expect(err.message).toMatch(/package mfrc522-rpi failed to load \(Module did not self-register: rpio\.node\); its native dependency rpio/);
  });

  it('GIVEN a package without the MFRC522 class WHEN the driver starts THEN it says the version does not fit', async () => {
    const err = await startError({ boardModel: PI4, importModule: async () => ({ default: {} }) });
    expect(err.message).toMatch(/does not export the MFRC522 class/);
  });

  it.each([
    [{ pollMs: 0, holdOffMs: 0 }],
    [{ pollMs: Number.NaN, holdOffMs: 0 }],
    [{ pollMs: 100, holdOffMs: -1 }],
  ])('GIVEN config %o WHEN the driver starts THEN it refuses (no busy loop)', async (cfg) => {
    const err = await startError({ chip: new FakeMfrc522() }, cfg);
    expect(err.message).toMatch(/pollMs > 0 and holdOffMs >= 0/);
  });

  it('GIVEN the installed mfrc522-rpi WHEN loaded THEN it has every method the driver calls', async () => {
    const lib = await loadLibrary();
    const proto = lib.MFRC522.prototype as unknown as Record<string, unknown>;
    for (const method of ['reset', 'readRegister', 'writeRegister', 'findCard', 'getUid', 'selectCard', 'toCard', 'calculateCRC', 'setResetPin']) {
      expect(typeof proto[method], method).toBe('function');
    }
    expect(typeof lib.SoftSPI).toBe('function');
  });
});
