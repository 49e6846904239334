// The simulated PP (hal/sim/proximity.ts) through the board's control surface: sockets report the EV cable's
// rating (32 A unless set) while plugged and null while not, the rating is validated and survives a replug,
// tethered connectors have no PP, and createHal's sim driver hands it out.

import { describe, expect, it } from 'vitest';
import { HalError } from '../../../hal/errors.js';
import { createHal } from '../../../hal/index.js';
import { createSimHal, ManualClock } from '../../../hal/sim/index.js';
import type { CableRating } from '../../../hal/types.js';

function socket() {
  const sim = createSimHal({ connectors: 2 }, new ManualClock());
  return { sim, board: sim.control.connector(1), pp: sim.connectors[0]!.proximity! };
}

describe('sim PP on a socket', () => {
  it('GIVEN a new socket WHEN read before and after a plug-in THEN null, then the default 32 A cable', async () => {
    const { board, pp } = socket();
    expect(await pp.read()).toBeNull();
    board.plug();
    expect(await pp.read()).toBe(32);
    board.unplug();
    expect(await pp.read()).toBeNull();
  });

  it('GIVEN a 13 A cable set while unplugged WHEN plugged, unplugged and plugged again THEN 13 each time it is in', async () => {
    const { board, pp } = socket();
    board.setCableRating(13);
    board.plug();
    expect(await pp.read()).toBe(13);
    board.unplug();
    board.plug();
    expect(await pp.read()).toBe(13);
  });

  it('GIVEN two sockets WHEN only the second gets a 63 A cable THEN each reports its own cable', async () => {
    const { sim } = socket();
    sim.control.connector(1).plug();
    sim.control.connector(2).setCableRating(63);
    sim.control.connector(2).plug();
    expect(await sim.connectors[0]!.proximity!.read()).toBe(32);
    expect(await sim.connectors[1]!.proximity!.read()).toBe(63);
  });

  it.each([16, 0, 70, '32'])('GIVEN a rating %j that no PP resistor codes WHEN set THEN a HalError lists the valid ones and the cable stays', async (bad) => {
    const { board, pp } = socket();
    expect(() => board.setCableRating(bad as unknown as CableRating)).toThrow(/is not one of 13, 20, 32, 63/);
    board.plug();
    expect(await pp.read()).toBe(32);
  });

  it('GIVEN a PP short WHEN read with and without a cable THEN it rejects; once repaired the cable reads again', async () => {
    const { board, pp } = socket();
    board.setProximityShorted(true);
    await expect(pp.read()).rejects.toThrow(/^proximity:1: PP shorted to PE/);
    board.plug();
    await expect(pp.read()).rejects.toBeInstanceOf(HalError);
    board.setProximityShorted(false);
    expect(await pp.read()).toBe(32);
  });
});

describe('sim PP on a tethered cable', () => {
  it('GIVEN tethered connectors WHEN created THEN proximity is null and setting a cable rating or a PP short is refused', () => {
    const sim = createSimHal({ connectors: 1, tethered: true }, new ManualClock());
    expect(sim.connectors[0]!.proximity).toBeNull();
    const board = sim.control.connector(1);
    expect(() => board.setCableRating(20)).toThrow(/connector 1 has a tethered cable: no PP, so a cable rating cannot be set/);
    expect(() => board.setProximityShorted(true)).toThrow(HalError);
  });
});

describe('createHal sim driver', () => {
  it('GIVEN socket and tethered configurations WHEN created THEN sockets have a PP and tethered ones none', async () => {
    const clock = new ManualClock();
    const socketHal = await createHal({ driver: 'sim', connectors: [{ tethered: false, phases: 3 }] }, clock);
    const tetheredHal = await createHal({ driver: 'sim', connectors: [{ tethered: true, phases: 3 }] }, clock);
    expect(socketHal.hal.connectors[0]!.proximity?.capabilities.ratings).toEqual([13, 20, 32, 63]);
    expect(tetheredHal.hal.connectors[0]!.proximity).toBeNull();
    await socketHal.hal.close();
    await tetheredHal.hal.close();
  });
});
