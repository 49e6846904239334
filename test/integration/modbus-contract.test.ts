// The EnergyMeter contract (test/contracts/energy-meter.ts) run against the simulated meter (hal/sim) and
// against the Modbus driver for every model, over a real pty to the simulated slave.

import { afterAll, beforeAll } from 'vitest';
import { createSimHal, ManualClock } from '../../hal/sim/index.js';
import type { SimModel } from '../../bench/modbus-registers.js';
import { describeEnergyMeterContract, type EnergyMeterRig } from '../contracts/energy-meter.js';
import { startModbusRig, type ModbusRig } from '../helpers/modbus-rig.js';

async function simRig(): Promise<EnergyMeterRig> {
  const clock = new ManualClock();
  const sim = createSimHal({ connectors: 1 }, clock);
  const board = sim.control.connector(1);
  const settle = async (ms: number) => {
    for (let t = 0; t < ms; t += 100) clock.advance(100);
    await Promise.resolve();
  };
  return {
    meter: sim.connectors[0]!.meter,
    async consume() {
      board.plug();
      board.pilot.setOutput({ mode: 'pwm', dutyPercent: 26.7 }); // 16 A
      board.contactor.close();
      board.request('charge');
      await settle(60_000);
    },
    breakDevice: () => board.setFault('meter-offline', true),
    repairDevice: () => board.setFault('meter-offline', false),
    dispose: () => sim.close(),
  };
}

describeEnergyMeterContract('sim meter', simRig);

let modbus: ModbusRig;
beforeAll(async () => {
  modbus = await startModbusRig({ baud: 38400, turnaroundMs: 1 });
});
afterAll(async () => {
  await modbus.close();
});

function modbusRig(model: SimModel): () => Promise<EnergyMeterRig> {
  return async () => {
    modbus.slave.serve(5, model, { energyWh: 10_000 });
    const { meters } = await modbus.meters([{ model, address: 5 }], { timeoutMs: 400 });
    return {
      meter: meters[0]!,
      async consume() {
        modbus.slave.update(5, { energyWh: modbus.slave.values(5).energyWh + 1_000 });
      },
      breakDevice: () => modbus.slave.fault(5, 'silent'),
      repairDevice: () => modbus.slave.fault(5, 'none'),
      dispose: () => modbus.closeMeters(),
    };
  };
}

for (const model of ['sdm630', 'sdm72dm', 'sdm120', 'abb-b23', 'em340'] as const) {
  describeEnergyMeterContract(`Modbus ${model} over a pty`, modbusRig(model));
}
