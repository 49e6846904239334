// The simulated grid meter (hal/sim/grid.ts) on a two-connector sim board and a ManualClock: each phase reads
// the house load plus what the simulated connectors draw (a three-phase and a one-phase EV), its register
// counts the house and the chargers, reads fail while failGridMeter(true) without touching the connectors'
// meters, bad house loads are refused, and it meets the EnergyMeter contract.

import { describe, expect, it } from 'vitest';
import { HalError } from '../../../hal/errors.js';
import { createSimHal, ManualClock, MAX_HOUSE_A, type SimHal } from '../../../hal/sim/index.js';
import type { HouseLoadA } from '../../../hal/config.js';
import { describeEnergyMeterContract } from '../../contracts/energy-meter.js';

const TIMINGS = { evReactionMs: 50, contactorFeedbackMs: 20, lockTravelMs: 100 };
const HOUR_MS = 3_600_000;
/** 26.7 % duty offers 16.02 A; the sim EV draws 95 % of it. */
const DRAW_16A = 16.02 * 0.95;
/** 16.7 % duty offers 10.02 A. */
const DRAW_10A = 10.02 * 0.95;

function site(houseA?: HouseLoadA) {
  const clock = new ManualClock();
  const sim: SimHal = createSimHal({ connectors: 2, timings: TIMINGS, gridMeter: houseA === undefined ? {} : { houseA } }, clock);
  const grid = sim.control.grid!;
  /** Connector `id` charging at `duty` % with an EV of `phases` phases, contacts settled. */
  const charge = (id: number, duty: number, phases: 1 | 3): void => {
    const board = sim.control.connector(id);
    board.configureEv({ phases });
    board.plug();
    board.request('charge');
    board.pilot.setOutput({ mode: 'pwm', dutyPercent: duty });
    clock.advance(TIMINGS.evReactionMs);
    board.contactor.close();
    clock.advance(TIMINGS.contactorFeedbackMs);
  };
  return { clock, sim, grid, meter: sim.gridMeter!, charge };
}

describe('sim grid meter: house load plus the chargers, per phase', () => {
  it('GIVEN a grid meter and idle connectors WHEN read THEN 0 A and 0 W on every phase at 230 V / 50 Hz', async () => {
    const { meter } = site();
    const r = await meter.read();
    expect(r.currentA).toEqual({ l1: 0, l2: 0, l3: 0 });
    expect(r).toMatchObject({ powerW: 0, energyImportWh: 0, frequencyHz: 50, voltageV: { l1: 230, l2: 230, l3: 230 } });
    expect(meter.capabilities).toEqual({ phases: 3, model: 'SIM-GRID-METER', serial: 'SIMGRID' });
  });

  it('GIVEN a house load of 10 A WHEN set as one value and then per phase THEN every phase, then each phase, reads it', async () => {
    const { grid, meter } = site();
    grid.setHouseLoad(10);
    expect((await meter.read()).currentA).toEqual({ l1: 10, l2: 10, l3: 10 });
    expect((await meter.read()).powerW).toBe(30 * 230);
    grid.setHouseLoad([5, 0, 12.5]);
    expect((await meter.read()).currentA).toEqual({ l1: 5, l2: 0, l3: 12.5 });
    expect(grid.state.houseA).toEqual({ l1: 5, l2: 0, l3: 12.5 });
  });

  it('GIVEN a house load configured at creation WHEN read THEN the meter starts with it', async () => {
    const { meter } = site([3, 4, 5]);
    expect((await meter.read()).currentA).toEqual({ l1: 3, l2: 4, l3: 5 });
  });

  it('GIVEN connector 1 charging 16 A on three phases and connector 2 10 A on one phase WHEN read THEN each phase is the house plus what the chargers on it draw', async () => {
    const { sim, grid, meter, charge } = site([8, 6, 4]);
    charge(1, 26.7, 3);
    charge(2, 16.7, 1);
    const r = await meter.read();
    expect(r.currentA.l1).toBeCloseTo(8 + DRAW_16A + DRAW_10A, 6);
    expect(r.currentA.l2).toBeCloseTo(6 + DRAW_16A, 6);
    expect(r.currentA.l3).toBeCloseTo(4 + DRAW_16A, 6);
    expect(r.powerW).toBeCloseTo((18 + 3 * DRAW_16A + DRAW_10A) * 230, 6);
    // The connectors' own meters read the same charger currents.
    const [c1, c2] = await Promise.all(sim.connectors.map((c) => c.meter.read()));
    expect(c1!.currentA.l2).toBeCloseTo(DRAW_16A, 6);
    expect(c2!.currentA.l1).toBeCloseTo(DRAW_10A, 6);
    expect([c2!.currentA.l2, c2!.currentA.l3]).toEqual([0, 0]);
    expect(grid.state.currentA).toEqual(r.currentA);
  });

  it('GIVEN a charger stopping WHEN its contactor opens THEN the grid meter falls back to the house load', async () => {
    const { sim, clock, meter, charge } = site(7);
    charge(1, 26.7, 3);
    expect((await meter.read()).currentA.l3).toBeCloseTo(7 + DRAW_16A, 6);
    sim.connectors[0]!.contactor.open();
    clock.advance(TIMINGS.contactorFeedbackMs);
    expect((await meter.read()).currentA).toEqual({ l1: 7, l2: 7, l3: 7 });
  });

  it('GIVEN 10 A of house load and a charger for an hour WHEN read THEN the register grew by the house energy plus the connector meter delta', async () => {
    const { sim, clock, meter, charge } = site(10);
    charge(1, 26.7, 3);
    const [g0, c0] = [await meter.read(), await sim.connectors[0]!.meter.read()];
    clock.advance(HOUR_MS);
    const [g1, c1] = [await meter.read(), await sim.connectors[0]!.meter.read()];
    const houseWh = 30 * 230;
    expect(g1.energyImportWh - g0.energyImportWh).toBeCloseTo(houseWh + (c1.energyImportWh - c0.energyImportWh), 2);
    expect(c1.energyImportWh - c0.energyImportWh).toBeCloseTo(3 * DRAW_16A * 230, 2);
    expect(g1.takenAt - g0.takenAt).toBe(HOUR_MS);
  });
});

describe('sim grid meter: failures and refusals', () => {
  it('GIVEN failGridMeter(true) WHEN read THEN it rejects with HalError "meter" while the connector meters still read; failGridMeter(false) repairs it', async () => {
    const { sim, grid, meter } = site(5);
    grid.failGridMeter(true);
    const err = await meter.read().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HalError);
    expect((err as HalError).device).toBe('meter');
    expect((err as HalError).message).toBe('meter: grid meter: no response (timeout)');
    expect(grid.state.meterOffline).toBe(true);
    await expect(sim.connectors[0]!.meter.read()).resolves.toMatchObject({ powerW: 0 });
    grid.failGridMeter(false);
    expect((await meter.read()).currentA).toEqual({ l1: 5, l2: 5, l3: 5 });
  });

  it("GIVEN a connector meter offline WHEN the grid meter is read THEN it still sees that charger's current (it measures at the grid connection)", async () => {
    const { sim, meter, charge } = site(0);
    charge(1, 26.7, 3);
    sim.control.connector(1).setFault('meter-offline', true);
    await expect(sim.connectors[0]!.meter.read()).rejects.toBeInstanceOf(HalError);
    expect((await meter.read()).currentA.l1).toBeCloseTo(DRAW_16A, 6);
  });

  it.each([-1, MAX_HOUSE_A + 1, Number.NaN, Number.POSITIVE_INFINITY, [1, 2], [1, 2, -3], [1, 2, 3, 4], '10'])(
    'GIVEN a house load %j WHEN set THEN a HalError names the expected form and the load stays',
    async (bad) => {
      const { grid, meter } = site(2);
      expect(() => grid.setHouseLoad(bad as unknown as HouseLoadA)).toThrow(/^sim-grid: house load must be a number of amps 0-250 \(every phase\) or \[L1, L2, L3\], got /);
      expect((await meter.read()).currentA).toEqual({ l1: 2, l2: 2, l3: 2 });
    },
  );

  it('GIVEN a house load of 0 and of 250 A WHEN set THEN both ends of the range are accepted', async () => {
    const { grid, meter } = site();
    grid.setHouseLoad(MAX_HOUSE_A);
    expect((await meter.read()).currentA.l2).toBe(250);
    grid.setHouseLoad([0, 0, 0]);
    expect((await meter.read()).powerW).toBe(0);
  });

  it('GIVEN no gridMeter option WHEN the sim HAL is created THEN there is no grid meter and no grid control', () => {
    const sim = createSimHal({ connectors: 1 }, new ManualClock());
    expect(sim.gridMeter).toBeNull();
    expect(sim.control.grid).toBeNull();
  });
});

describeEnergyMeterContract('sim grid meter (house load)', async () => {
  const { clock, sim, grid, meter } = site();
  return {
    meter,
    async consume() {
      grid.setHouseLoad([10, 0, 3]);
      clock.advance(60_000);
    },
    breakDevice: () => grid.failGridMeter(true),
    repairDevice: () => grid.failGridMeter(false),
    dispose: () => sim.close(),
  };
});
