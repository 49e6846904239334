// The per-device contracts (test/contracts/*) run against the simulated drivers and the Raspberry Pi drivers
// over a fake sysfs tree, fake onoff and fake ADC bus (test/helpers/rpi-rig.ts), all on a ManualClock.

import { writeFileSync } from 'node:fs';
import { createSimHal, ManualClock } from '../../../hal/sim/index.js';
import type { SimConnectorBoard } from '../../../hal/sim/index.js';
import type { ConnectorHal } from '../../../hal/types.js';
import { describeContactorContract } from '../../contracts/contactor.js';
import { describeIndicatorContract } from '../../contracts/indicator.js';
import { describeLockContract } from '../../contracts/lock.js';
import { describePilotContract } from '../../contracts/pilot.js';
import { describeRcmContract } from '../../contracts/rcm.js';
import { describeTemperatureContract } from '../../contracts/temperature.js';
import { createRpiRig, settleClock, type RpiRig, type RpiRigOptions } from '../../helpers/rpi-rig.js';

interface SimRig {
  hal: ConnectorHal;
  board: SimConnectorBoard;
  settle(ms: number): Promise<void>;
  dispose(): Promise<void>;
}

function simRig(): SimRig {
  const clock = new ManualClock();
  const sim = createSimHal({ connectors: 1 }, clock);
  return { hal: sim.connectors[0]!, board: sim.control.connector(1), settle: (ms) => settleClock(clock, ms), dispose: () => sim.close() };
}

const evOnRpi = (rig: RpiRig) => (action: 'plug' | 'charge' | 'unplug') => {
  const ev = rig.line.ev;
  if (action === 'plug') ev.plugged = true;
  if (action === 'charge') ev.wantsCharge = true;
  if (action === 'unplug') Object.assign(ev, { plugged: false, wantsCharge: false });
};

const rpi = async (o: RpiRigOptions = {}) => {
  const rig = await createRpiRig(o);
  return { rig, settle: rig.settle, dispose: rig.dispose };
};

// ----- pilot ---------------------------------------------------------------------------------------------
describePilotContract('sim', () => {
  const s = simRig();
  const ev = (a: 'plug' | 'charge' | 'unplug'): void => (a === 'plug' ? s.board.plug() : a === 'unplug' ? s.board.unplug() : s.board.request('charge'));
  return { pilot: s.hal.pilot, settle: s.settle, ev, dispose: s.dispose };
});
for (const adc of ['mcp3008', 'ads1115'] as const) {
  describePilotContract(`rpi, ${adc}`, async () => {
    const { rig, settle, dispose } = await rpi({ adc });
    return { pilot: rig.hal.pilot, settle, ev: evOnRpi(rig), dispose };
  });
}
describePilotContract('rpi, no stage enable or peak reset, 5 ms sampling', async () => {
  const { rig, settle, dispose } = await rpi({ enable: false, peakReset: false, sampleIntervalMs: 5 });
  return { pilot: rig.hal.pilot, settle, ev: evOnRpi(rig), dispose };
});

// ----- contactor -----------------------------------------------------------------------------------------
describeContactorContract('sim', () => {
  const s = simRig();
  return { contactor: s.hal.contactor, settle: s.settle, dispose: s.dispose };
});
describeContactorContract('rpi, with mirror', async () => {
  const { rig, settle, dispose } = await rpi();
  return { contactor: rig.hal.contactor, settle, dispose };
});
describeContactorContract('rpi, without mirror', async () => {
  const { rig, settle, dispose } = await rpi({ mirror: false });
  return { contactor: rig.hal.contactor, settle, dispose };
});

// ----- lock ----------------------------------------------------------------------------------------------
describeLockContract('sim', () => {
  const s = simRig();
  return { lock: s.hal.lock!, settle: s.settle, dispose: s.dispose };
});
describeLockContract('rpi, with feedback', async () => {
  const { rig, settle, dispose } = await rpi();
  return { lock: rig.hal.lock!, settle, dispose };
});
describeLockContract('rpi, without feedback', async () => {
  const { rig, settle, dispose } = await rpi({ lockFeedback: false });
  return { lock: rig.hal.lock!, settle, dispose };
});

// ----- RCM -----------------------------------------------------------------------------------------------
describeRcmContract('sim', () => {
  const s = simRig();
  return { rcm: s.hal.rcm, settle: s.settle, residual: (on) => s.board.setFault('rcd', on), dispose: s.dispose };
});
describeRcmContract('rpi, with test output', async () => {
  const { rig, settle, dispose } = await rpi();
  return { rcm: rig.hal.rcm, settle, residual: rig.residual, dispose };
});
describeRcmContract('rpi, without test output', async () => {
  const { rig, settle, dispose } = await rpi({ rcdTest: false });
  return { rcm: rig.hal.rcm, settle, residual: rig.residual, dispose };
});

// ----- indicator -----------------------------------------------------------------------------------------
describeIndicatorContract('sim', () => {
  const s = simRig();
  return { indicator: s.hal.indicator, settle: s.settle, dispose: s.dispose };
});
describeIndicatorContract('rpi, RGB', async () => {
  const { rig, settle, dispose } = await rpi();
  return { indicator: rig.hal.indicator, settle, dispose };
});
describeIndicatorContract('rpi, red and green only', async () => {
  const { rig, settle, dispose } = await rpi({ leds: ['red', 'green'] });
  return { indicator: rig.hal.indicator, settle, dispose };
});

// ----- temperature ---------------------------------------------------------------------------------------
describeTemperatureContract('sim', () => {
  const s = simRig();
  const board = s.board;
  return { sensor: s.hal.temperature, heat: (c) => (board.temperature.celsius = c), dispose: s.dispose };
});
describeTemperatureContract('rpi, cpu millidegree file', async () => {
  const { rig, dispose } = await rpi();
  return { sensor: rig.hal.temperature, heat: (c) => writeFileSync(rig.tempFile, `${Math.round(c * 1000)}\n`), dispose };
});
