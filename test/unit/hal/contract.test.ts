// The shared ConnectorHal driver contract (DESIGN.md "House style": one contract suite runs against every
// driver). `describeDriverContract` states what any driver must do; it is run below against the simulated
// driver and the Raspberry Pi connector (hal/rpi/connector.ts over the fake sysfs tree, fake onoff and fake
// CP line/ADC of test/helpers/rpi-rig.ts, on a ManualClock). A driver joins by providing a rig: its
// ConnectorHal, a way to let time pass and a way to change what the far end of the CP line presents.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HalError } from '../../../hal/errors.js';
import { Subject } from '../../../hal/observable.js';
import { createSimHal, ManualClock } from '../../../hal/sim/index.js';
import type { ConnectorHal, MeterReading, PilotOutput, PilotSample } from '../../../hal/types.js';
import { TIMING } from '../../../state-machines/timing.js';
import { createRpiRig, type RpiRigOptions } from '../../helpers/rpi-rig.js';

/** Longer than any driver's RCM self-test (the Pi's: trip within 1 s, recover within 2 s). */
const RCM_SELF_TEST_MS = 3500;

interface DriverRig {
  hal: ConnectorHal;
  /** Lets `ms` of driver time pass (timers fire, pending promise callbacks run). */
  settle(ms: number): Promise<void>;
  /** Changes what the far end presents on the CP line, so the driver observes a new pilot sample. */
  changeLine(): void;
  dispose(): Promise<void>;
}

function describeDriverContract(name: string, makeConnectorHal: () => DriverRig | Promise<DriverRig>): void {
  describe(`ConnectorHal contract: ${name}`, () => {
    let rig: DriverRig;
    let hal: ConnectorHal;
    beforeEach(async () => {
      rig = await makeConnectorHal();
      hal = rig.hal;
    });
    afterEach(async () => {
      await rig.dispose();
    });

    it('GIVEN a driver WHEN created THEN every device declares its capabilities', () => {
      expect(typeof hal.pilot.capabilities.canDriveNegative).toBe('boolean');
      expect(typeof hal.pilot.capabilities.diodeCheck).toBe('boolean');
      expect(typeof hal.contactor.capabilities.hasFeedback).toBe('boolean');
      expect([1, 3]).toContain(hal.meter.capabilities.phases);
      expect(hal.meter.capabilities.model).not.toBe('');
      expect(typeof hal.rcm.capabilities.selfTest).toBe('boolean');
      expect(hal.indicator.capabilities.colours.length).toBeGreaterThan(0);
      if (hal.lock) expect(typeof hal.lock.capabilities.hasFeedback).toBe('boolean');
      expect(Number.isInteger(hal.id) && hal.id >= 1).toBe(true);
    });

    it('GIVEN an open contactor WHEN close() and open() return THEN commandedClosed already reflects each', () => {
      expect(hal.contactor.commandedClosed).toBe(false);
      hal.contactor.close();
      expect(hal.contactor.commandedClosed).toBe(true);
      hal.contactor.open();
      expect(hal.contactor.commandedClosed).toBe(false);
    });

    it('GIVEN a contactor with feedback WHEN closed then opened THEN each edge is reported within 250 ms', async () => {
      if (!hal.contactor.capabilities.hasFeedback) return;
      const edges: boolean[] = [];
      hal.contactor.feedback.on((f) => edges.push(f.closed));
      hal.contactor.close();
      await rig.settle(TIMING.contactorFeedback);
      expect(edges).toEqual([true]);
      hal.contactor.open();
      await rig.settle(TIMING.contactorFeedback);
      expect(edges).toEqual([true, false]);
    });

    it.each<PilotOutput>([{ mode: 'pwm', dutyPercent: 53.3 }, { mode: 'steady' }, { mode: 'negative' }, { mode: 'off' }])(
      'GIVEN a pilot WHEN setOutput($mode) returns THEN pilot.output is that output',
      (output) => {
        if (output.mode === 'negative' && !hal.pilot.capabilities.canDriveNegative) return;
        hal.pilot.setOutput(output);
        expect(hal.pilot.output).toEqual(output);
      },
    );

    it.each([0, 100, -1, 150, Number.NaN, Number.POSITIVE_INFINITY])(
      'GIVEN a pilot WHEN PWM with duty %s is commanded THEN it throws a HalError naming the device and keeps its output',
      (duty) => {
        hal.pilot.setOutput({ mode: 'pwm', dutyPercent: 26.7 });
        let thrown: unknown;
        try {
          hal.pilot.setOutput({ mode: 'pwm', dutyPercent: duty });
        } catch (err) {
          thrown = err;
        }
        expect(thrown).toBeInstanceOf(HalError);
        const err = thrown as HalError;
        expect(err.device).toMatch(/pilot/i);
        expect(err.message).toContain(err.device);
        expect(hal.pilot.output).toEqual({ mode: 'pwm', dutyPercent: 26.7 });
      },
    );

    it('GIVEN two listeners WHEN the line changes THEN both run before the call returns, in subscription order', () => {
      const calls: string[] = [];
      hal.pilot.samples.on(() => calls.push('first'));
      hal.pilot.samples.on(() => calls.push('second'));
      rig.changeLine();
      expect(calls).toEqual(['first', 'second']);
    });

    it('GIVEN a listener that unsubscribed WHEN the line changes THEN only the others are called', () => {
      const a: PilotSample[] = [];
      const b: PilotSample[] = [];
      const offA = hal.pilot.samples.on((s) => a.push(s));
      hal.pilot.samples.on((s) => b.push(s));
      rig.changeLine();
      offA();
      offA(); // idempotent
      rig.changeLine();
      expect(a).toHaveLength(1);
      expect(b).toHaveLength(2);
    });

    it('GIVEN a listener that throws WHEN the line changes THEN later listeners still run and the error is reported', () => {
      const reported: unknown[] = [];
      const saved = Subject.onListenerError;
      Subject.onListenerError = (err) => reported.push(err);
      try {
        const boom = new Error('listener bug');
        const seen = vi.fn();
        hal.pilot.samples.on(() => {
          throw boom;
        });
        hal.pilot.samples.on(seen);
        expect(() => rig.changeLine()).not.toThrow();
        expect(seen).toHaveBeenCalledTimes(1);
        expect(reported).toEqual([boom]);
      } finally {
        Subject.onListenerError = saved;
      }
    });

    it('GIVEN a meter WHEN read twice with time between THEN finite numbers and a non-decreasing register', async () => {
      const finite = (r: MeterReading): number[] => [
        r.energyImportWh,
        r.powerW,
        r.frequencyHz,
        r.takenAt,
        ...Object.values(r.voltageV),
        ...Object.values(r.currentA),
      ];
      const first = await hal.meter.read();
      await rig.settle(1000);
      const second = await hal.meter.read();
      for (const v of [...finite(first), ...finite(second)]) expect(Number.isFinite(v)).toBe(true);
      expect(second.energyImportWh).toBeGreaterThanOrEqual(first.energyImportWh);
      expect(second.takenAt).toBeGreaterThanOrEqual(first.takenAt);
    });

    it('GIVEN a lock with feedback WHEN locked then unlocked THEN feedback follows within the lock timeout', async () => {
      const lock = hal.lock;
      if (!lock || !lock.capabilities.hasFeedback) return;
      const seen: boolean[] = [];
      lock.feedback.on((f) => seen.push(f.locked));
      lock.lock();
      await rig.settle(TIMING.lockFeedback);
      expect(seen).toEqual([true]);
      lock.unlock();
      await rig.settle(TIMING.lockFeedback);
      expect(seen).toEqual([true, false]);
    });

    it('GIVEN an RCM WHEN self-tested THEN it resolves a boolean (rejects with a HalError without a test output) and reports its trip state', async () => {
      // A real self-test pulses the test output and waits for the trip input: driver time has to pass.
      const result = hal.rcm.selfTest().then(
        (ok) => ({ ok }),
        (err: unknown) => ({ err }),
      );
      await rig.settle(RCM_SELF_TEST_MS);
      const outcome = await result;
      if (hal.rcm.capabilities.selfTest) expect(outcome).toEqual({ ok: expect.any(Boolean) });
      else expect((outcome as { err: unknown }).err).toBeInstanceOf(HalError);
      expect(typeof hal.rcm.tripped).toBe('boolean');
    });

    it('GIVEN a temperature sensor WHEN read THEN it resolves a finite number of degrees', async () => {
      expect(Number.isFinite(await hal.temperature.read())).toBe(true);
    });

    it('GIVEN an indicator WHEN set THEN its state is what was set', () => {
      hal.indicator.set({ colour: 'green', pattern: 'pulse' });
      expect(hal.indicator.state).toEqual({ colour: 'green', pattern: 'pulse' });
    });
  });
}

function simRig(tethered: boolean): DriverRig {
  const clock = new ManualClock();
  const sim = createSimHal({ connectors: 1, tethered }, clock);
  const board = sim.control.connector(1);
  const hal = sim.connectors[0]!;
  return {
    hal,
    async settle(ms) {
      clock.advance(ms);
      for (let i = 0; i < 5; i++) await Promise.resolve();
    },
    changeLine() {
      if (board.ev.plugged) board.unplug();
      else board.plug();
    },
    dispose: () => sim.close(),
  };
}

describeDriverContract('sim', () => simRig(false));
describeDriverContract('sim, tethered cable', () => simRig(true));

/** The Pi connector over the fake rig: the far end of the CP line is the rig's EV; two agreeing samples settle it. */
async function rpiRig(o: RpiRigOptions): Promise<DriverRig> {
  const rig = await createRpiRig(o);
  return {
    hal: rig.hal,
    settle: rig.settle,
    changeLine() {
      rig.line.ev.plugged = !rig.line.ev.plugged;
      rig.clock.advance(3 * rig.hw.pilot.sampleIntervalMs); // an ADS1115 sample completes 4 ms after its tick
    },
    dispose: rig.dispose,
  };
}

describeDriverContract('rpi (mirror, lock with feedback, RCM test output)', () => rpiRig({}));
describeDriverContract('rpi, tethered cable, no mirror, no RCM test output, ADS1115', () => rpiRig({ tethered: true, mirror: false, rcdTest: false, adc: 'ads1115' }));
