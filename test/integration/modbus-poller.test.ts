// GIVEN the connector's meter poller on the real Modbus driver over a pty WHEN the meter goes silent THEN
// meter-offline is raised after exactly meter.offlineAfterFailures failed reads, and cleared by the first
// good read once it answers again (src/connector/meter-poller.ts with hal/modbus, nothing faked but the meter).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../hal/clock.js';
import { createSimHal } from '../../hal/sim/index.js';
import type { MeterReading } from '../../hal/types.js';
import { MeterPoller } from '../../src/connector/meter-poller.js';
import { FaultRegistry } from '../../src/faults/registry.js';
import { silentLogger } from '../../src/log.js';
import { startModbusRig, type ModbusRig } from '../helpers/modbus-rig.js';

let rig: ModbusRig;
beforeAll(async () => {
  rig = await startModbusRig({ baud: 19200, turnaroundMs: 2 });
});
afterAll(async () => {
  await rig.close();
});

const OFFLINE_AFTER = 3;

describe('meter poller on a Modbus meter', () => {
  it('GIVEN a polled SDM630 WHEN it goes silent THEN meter-offline after N failures; WHEN it answers again THEN cleared', async () => {
    rig.slave.serve(1, 'sdm630', { energyWh: 42_000 });
    const { meters } = await rig.meters([{ model: 'sdm630', address: 1 }], { timeoutMs: 250, retries: 1 });
    const sim = createSimHal({ connectors: 1 }, systemClock);
    const hal = { ...sim.connectors[0]!, meter: meters[0]! };
    const faults = new FaultRegistry();
    const changes: string[][] = [];
    faults.onChange((_id, list) => changes.push(list.map((f) => f.name)));
    const readings: MeterReading[] = [];
    const cfg = { meterIntervalMs: 1000, offlineAfterFailures: OFFLINE_AFTER, temperatureIntervalMs: 5000, tripC: 71, resumeC: 62 };
    const poller = new MeterPoller(hal, cfg, { clock: systemClock, faults, log: silentLogger(), onReading: (r) => readings.push(r) });

    expect((await poller.pollMeter())?.energyImportWh).toBe(42_000);
    rig.slave.fault(1, 'silent');
    for (let i = 1; i < OFFLINE_AFTER; i++) {
      expect(await poller.pollMeter()).toBeNull();
      expect(faults.has(1, 'meter-offline')).toBe(false);
    }
    expect(await poller.pollMeter()).toBeNull();
    expect(faults.has(1, 'meter-offline')).toBe(true);
    expect(faults.list(1)[0]).toMatchObject({ errorCode: 'PowerMeterFailure', blocking: true, detail: expect.stringMatching(/meter: read FC04 0x0000 x74 from Modbus id 1 .*no answer within 250 ms \(2 attempts\)/) });
    expect(poller.last?.energyImportWh).toBe(42_000); // the last good reading is kept

    rig.slave.fault(1, 'none');
    rig.slave.update(1, { energyWh: 42_500 });
    expect((await poller.pollMeter())?.energyImportWh).toBe(42_500);
    expect(faults.has(1, 'meter-offline')).toBe(false);
    expect(changes).toEqual([['meter-offline'], []]);
    expect(readings.map((r) => r.energyImportWh)).toEqual([42_000, 42_500]);
    poller.stop();
    await sim.close();
  });
});
