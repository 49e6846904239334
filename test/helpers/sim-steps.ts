// Steps for in-process controller tests on the simulated HAL and a manual clock: advance time in 50 ms ticks
// (letting promise callbacks run between ticks), and tap a card given as hex (authorization is asynchronous).

import type { ManualClock } from '../../hal/sim/manual-clock.js';
import type { createSimHal } from '../../hal/sim/index.js';

export function simSteps(clock: ManualClock, hal: ReturnType<typeof createSimHal>) {
  const advance = async (ms: number): Promise<void> => {
    for (let t = 0; t < ms; t += 50) {
      clock.advance(50);
      for (let i = 0; i < 3; i++) await Promise.resolve();
    }
  };
  const tap = async (hex: string): Promise<void> => {
    hal.control.rfid.present(Uint8Array.from(Buffer.from(hex, 'hex')));
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return { advance, tap };
}
