// Tests specific to the simulated board (hal/sim): the EV model coupled to the CP line, current draw,
// energy integration and the injected faults, all on a ManualClock.

import { describe, expect, it } from 'vitest';
import { HalError } from '../../../hal/errors.js';
import { createSimHal, ManualClock } from '../../../hal/sim/index.js';
import type { PilotSample } from '../../../hal/types.js';

const TIMINGS = { evReactionMs: 50, contactorFeedbackMs: 20, lockTravelMs: 100 };
const HOUR_MS = 3_600_000;

function startBoard() {
  const clock = new ManualClock();
  const sim = createSimHal({ connectors: 1, timings: TIMINGS }, clock);
  const board = sim.control.connector(1);
  const hal = sim.connectors[0]!;
  const samples: PilotSample[] = [];
  hal.pilot.samples.on((s) => samples.push(s));
  const last = (): PilotSample | undefined => samples.at(-1);
  /** GIVEN helper: EV plugged, wanting charge, PWM offering `duty` %, contacts closed and settled. */
  const charging = (duty: number): void => {
    board.plug();
    board.request('charge');
    hal.pilot.setOutput({ mode: 'pwm', dutyPercent: duty });
    clock.advance(TIMINGS.evReactionMs);
    hal.contactor.close();
    clock.advance(TIMINGS.contactorFeedbackMs);
  };
  return { clock, sim, board, hal, samples, last, charging };
}

describe('sim board: EV model on the CP line (REFERENCE.md 1.1)', () => {
  it('GIVEN no EV WHEN the EV is plugged in THEN a B sample at 9 V arrives in the same call', () => {
    const b = startBoard();
    b.board.plug();
    expect(b.samples).toEqual([{ state: 'B', highV: 9, lowV: 9, diodeOk: null }]);
  });

  it('GIVEN an EV wanting charge WHEN PWM starts THEN it presents C (6 V) after evReactionMs, not before', () => {
    const b = startBoard();
    b.board.plug();
    b.board.request('charge');
    expect(b.last()?.state).toBe('B'); // no PWM yet: S2 stays open
    b.hal.pilot.setOutput({ mode: 'pwm', dutyPercent: 26.7 });
    b.clock.advance(TIMINGS.evReactionMs - 1);
    expect(b.last()?.state).toBe('B');
    b.clock.advance(1);
    expect(b.last()).toEqual({ state: 'C', highV: 6, lowV: -12, diodeOk: true });
  });

  it('GIVEN a charging EV WHEN the EV pauses THEN it presents B (9 V, PWM still on)', () => {
    const b = startBoard();
    b.charging(26.7);
    b.board.request('pause');
    expect(b.last()).toEqual({ state: 'B', highV: 9, lowV: -12, diodeOk: true });
  });

  it('GIVEN a charging EV WHEN it is unplugged THEN the line shows A (12 V) at once', () => {
    const b = startBoard();
    b.charging(26.7);
    b.board.unplug();
    expect(b.last()?.state).toBe('A');
    expect(b.last()?.highV).toBe(12);
  });

  it('GIVEN an EV needing ventilation WHEN it requests charge under PWM THEN it presents D (3 V)', () => {
    const b = startBoard();
    b.board.configureEv({ needsVentilation: true });
    b.charging(26.7);
    expect(b.last()).toMatchObject({ state: 'D', highV: 3 });
  });

  it('GIVEN an EV not plugged WHEN a charge is requested THEN it is refused with a HalError', () => {
    const b = startBoard();
    expect(() => b.board.request('charge')).toThrow(HalError);
  });
});

describe('sim board: current draw and energy (REFERENCE.md 1.2 field notes: EVs draw ~95 %)', () => {
  it('GIVEN 32 A offered and an EV limited to 16 A WHEN charging THEN each phase draws 16 x 0.95 A', async () => {
    const b = startBoard();
    b.board.configureEv({ maxCurrentA: 16 });
    b.charging(53.3);
    const r = await b.hal.meter.read();
    expect(r.currentA.l1).toBeCloseTo(16 * 0.95, 9);
    expect(r.currentA.l2).toBeCloseTo(16 * 0.95, 9);
    expect(r.currentA.l3).toBeCloseTo(16 * 0.95, 9);
    expect(r.powerW).toBeCloseTo(16 * 0.95 * 230 * 3, 6);
  });

  it('GIVEN 10 A offered and a 32 A EV WHEN charging THEN it draws the offered current x 0.95', () => {
    const b = startBoard();
    b.charging(16.7); // 16.7 % x 0.6 = 10.02 A
    expect(b.board.physical.currentA).toBeCloseTo(10.02 * 0.95, 9);
  });

  it('GIVEN PWM and an EV in C WHEN the contactor was never closed THEN no current flows', () => {
    const b = startBoard();
    b.board.plug();
    b.board.request('charge');
    b.hal.pilot.setOutput({ mode: 'pwm', dutyPercent: 53.3 });
    b.clock.advance(1000);
    expect(b.last()?.state).toBe('C');
    expect(b.board.physical.currentA).toBe(0);
  });

  it('GIVEN a closed contactor WHEN the EV pauses (B) THEN no current flows', () => {
    const b = startBoard();
    b.charging(53.3);
    b.board.request('pause');
    expect(b.board.physical.currentA).toBe(0);
  });

  it('GIVEN a closed contactor and an EV in C WHEN PWM goes to steady THEN a well-behaved EV stops drawing', () => {
    const b = startBoard();
    b.charging(53.3);
    b.hal.pilot.setOutput({ mode: 'steady' });
    b.clock.advance(TIMINGS.evReactionMs);
    expect(b.last()?.state).toBe('B');
    expect(b.board.physical.currentA).toBe(0);
  });

  it('GIVEN a 1-phase EV WHEN charging THEN only L1 carries current', async () => {
    const b = startBoard();
    b.board.configureEv({ phases: 1 });
    b.charging(26.7);
    const r = await b.hal.meter.read();
    expect(r.currentA.l1).toBeGreaterThan(15);
    expect([r.currentA.l2, r.currentA.l3]).toEqual([0, 0]);
  });

  it('GIVEN 32 A offered to a 16 A 3-phase EV WHEN 1 h passes THEN 16 x 0.95 x 230 x 3 Wh are added (0.1 %)', async () => {
    const b = startBoard();
    b.board.configureEv({ maxCurrentA: 16, phases: 3 });
    b.charging(53.3);
    const before = (await b.hal.meter.read()).energyImportWh;
    b.clock.advance(HOUR_MS);
    const after = (await b.hal.meter.read()).energyImportWh;
    const expected = 16 * 0.95 * 230 * 3;
    expect(Math.abs(after - before - expected) / expected).toBeLessThan(0.001);
  });

  it('GIVEN charging WHEN the register is read every minute for an hour THEN it never decreases and sums the same', async () => {
    const b = startBoard();
    b.board.configureEv({ maxCurrentA: 16 });
    b.charging(53.3);
    const start = (await b.hal.meter.read()).energyImportWh;
    let previous = start;
    for (let i = 0; i < 60; i++) {
      b.clock.advance(60_000);
      const now = (await b.hal.meter.read()).energyImportWh;
      expect(now).toBeGreaterThanOrEqual(previous);
      previous = now;
    }
    expect(previous - start).toBeCloseTo(16 * 0.95 * 230 * 3, 0);
  });

  // Exposes a bug: SimPilot.setOutput applies the new output before the board integrates the elapsed
  // interval, so the past hour is integrated at the new (lower) current. See the report.
  it('GIVEN an hour at 32 A without a read WHEN the offer drops to 6 A THEN the past hour still counts at 32 A', () => {
    const b = startBoard();
    b.charging(53.3);
    const before = b.board.physical.energyWh;
    b.clock.advance(HOUR_MS);
    b.hal.pilot.setOutput({ mode: 'pwm', dutyPercent: 10 });
    const expected = 53.3 * 0.6 * 0.95 * 230 * 3;
    expect(b.board.physical.energyWh - before).toBeCloseTo(expected, 0);
  });

  // Same bug through the control surface: configureEv mutates the EV before integrating.
  it('GIVEN an hour at 32 A without a read WHEN the EV limits itself to 6 A THEN the past hour still counts at 32 A', () => {
    const b = startBoard();
    b.charging(53.3);
    const before = b.board.physical.energyWh;
    b.clock.advance(HOUR_MS);
    b.board.configureEv({ maxCurrentA: 6 });
    const expected = 53.3 * 0.6 * 0.95 * 230 * 3;
    expect(b.board.physical.energyWh - before).toBeCloseTo(expected, 0);
  });
});

describe('sim board: injected faults', () => {
  it('GIVEN meter-offline WHEN the meter is read THEN it rejects with a HalError from the meter', async () => {
    const b = startBoard();
    b.board.setFault('meter-offline', true);
    await expect(b.hal.meter.read()).rejects.toBeInstanceOf(HalError);
    await expect(b.hal.meter.read()).rejects.toMatchObject({ device: 'meter' });
    b.board.setFault('meter-offline', false);
    await expect(b.hal.meter.read()).resolves.toMatchObject({ frequencyHz: 50 });
  });

  it.each([
    ['B', 'pause', 9],
    ['C', 'charge', 6],
  ] as const)('GIVEN a missing diode WHEN PWM runs with the EV in %s THEN diodeOk is false and lowV = -highV', (state, kind, highV) => {
    const b = startBoard();
    b.board.setFault('diode', true);
    b.board.plug();
    b.board.request(kind);
    b.hal.pilot.setOutput({ mode: 'pwm', dutyPercent: 26.7 });
    b.clock.advance(TIMINGS.evReactionMs);
    expect(b.last()).toEqual({ state, highV, lowV: -highV, diodeOk: false });
  });

  it('GIVEN a plugged EV WHEN the pilot is shorted THEN the line shows E (0 V) at once', () => {
    const b = startBoard();
    b.board.plug();
    b.board.setFault('pilot-short', true);
    expect(b.last()).toEqual({ state: 'E', highV: 0, lowV: 0, diodeOk: null });
  });

  it('GIVEN closed contacts that weld WHEN open() is commanded THEN they stay closed and no open edge comes', () => {
    const b = startBoard();
    b.charging(26.7);
    const edges: boolean[] = [];
    b.hal.contactor.feedback.on((f) => edges.push(f.closed));
    b.board.setFault('welded-contactor', true);
    b.hal.contactor.open();
    b.clock.advance(1000);
    expect(b.hal.contactor.commandedClosed).toBe(false);
    expect(b.board.physical.contactsClosed).toBe(true);
    expect(edges).toEqual([]);
  });

  it('GIVEN a contactor that fails to close WHEN close() is commanded THEN it never closes and reports no edge', () => {
    const b = startBoard();
    const edges: boolean[] = [];
    b.hal.contactor.feedback.on((f) => edges.push(f.closed));
    b.board.setFault('contactor-fails-to-close', true);
    b.hal.contactor.close();
    b.clock.advance(10_000);
    expect(b.board.physical.contactsClosed).toBe(false);
    expect(edges).toEqual([]);
  });

  it('GIVEN an RCM WHEN the rcd fault is injected and removed THEN changes emits tripped true then false', async () => {
    const b = startBoard();
    const changes: boolean[] = [];
    b.hal.rcm.changes.on((c) => changes.push(c.tripped));
    b.board.setFault('rcd', true);
    expect(b.hal.rcm.tripped).toBe(true);
    expect(await b.hal.rcm.selfTest()).toBe(false);
    b.board.setFault('rcd', false);
    expect(changes).toEqual([true, false]);
    expect(await b.hal.rcm.selfTest()).toBe(true);
  });

  it('GIVEN overtemp WHEN the temperature is read THEN 85 degrees, and back to ambient when removed', async () => {
    const b = startBoard();
    b.board.setFault('overtemp', true);
    expect(await b.hal.temperature.read()).toBe(85);
    b.board.setFault('overtemp', false);
    expect(await b.hal.temperature.read()).toBeLessThan(85);
  });
});
