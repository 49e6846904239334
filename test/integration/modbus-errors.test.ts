// GIVEN a misbehaving line (silence, noise, CRC errors, a wrong unit id, exception replies) WHEN the
// Modbus driver reads THEN the read rejects with HalError('meter'), the bus counts the kind of failure,
// and the next read on a healthy line works. Also: retries, and strict one-at-a-time access to a shared bus.

import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../hal/clock.js';
import { HalError } from '../../hal/errors.js';
import { createModbusMeters, ModbusError, type BusCounters } from '../../hal/modbus/index.js';
import type { SlaveFault } from '../../bench/modbus-slave.js';
import { startModbusRig, type ModbusRig } from '../helpers/modbus-rig.js';

let rig: ModbusRig;
beforeAll(async () => {
  rig = await startModbusRig({ baud: 38400, turnaroundMs: 1 });
});
afterEach(async () => {
  await rig.closeMeters();
});
afterAll(async () => {
  await rig.close();
});

const FAULTS: Array<[Exclude<SlaveFault, 'none'>, keyof BusCounters, RegExp]> = [
  ['silent', 'timeouts', /no answer within 300 ms/],
  ['garbage', 'garbage', /bytes of noise or a wrong unit id/],
  ['bad-crc', 'crcErrors', /CRC error/],
  ['wrong-id', 'garbage', /bytes of noise or a wrong unit id/],
  ['exception', 'exceptions', /exception 4 \(slave device failure\)/],
];

describe('Modbus bus: failures are rejected, counted and recovered from', () => {
  it.each(FAULTS)('GIVEN a meter that turns %s WHEN read THEN HalError, counted as %s; the next read works', async (fault, counter, message) => {
    rig.slave.serve(1, 'sdm630', { energyWh: 5_000 });
    const { meters, buses } = await rig.meters([{ model: 'sdm630', address: 1 }], { timeoutMs: 300 });
    const bus = buses.get('rs485')!;
    await meters[0]!.read();
    rig.slave.fault(1, fault);
    const err = await meters[0]!.read().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HalError);
    expect((err as HalError).device).toBe('meter');
    expect((err as HalError).message).toMatch(message);
    expect((err as HalError).message).toContain(`Modbus id 1 on ${rig.pty.a}`);
    expect(bus.counters[counter]).toBe(1);
    rig.slave.fault(1, 'none');
    expect((await meters[0]!.read()).energyImportWh).toBe(5_000);
    expect(bus.counters.requests - bus.counters.ok).toBe(1);
  });

  it('GIVEN retries 1 and one garbled reply WHEN read THEN the retry answers and both attempts are counted', async () => {
    rig.slave.serve(1, 'sdm630', { energyWh: 6_000 });
    const { meters, buses } = await rig.meters([{ model: 'sdm630', address: 1 }], { timeoutMs: 300, retries: 1 });
    await meters[0]!.read();
    rig.slave.fault(1, 'bad-crc', { times: 1 });
    expect((await meters[0]!.read()).energyImportWh).toBe(6_000);
    expect(buses.get('rs485')!.counters).toMatchObject({ crcErrors: 1, retries: 1 });
  });

  it('GIVEN retries 2 and a silent meter WHEN read THEN three attempts are made before the read rejects', async () => {
    rig.slave.serve(1, 'sdm630');
    const { meters, buses } = await rig.meters([{ model: 'sdm630', address: 1 }], { timeoutMs: 200, retries: 2 });
    rig.slave.fault(1, 'silent');
    const before = rig.slave.seen.length;
    await expect(meters[0]!.read()).rejects.toThrow(/no answer within 200 ms \(3 attempts\)/);
    expect(rig.slave.seen.length - before).toBe(3);
    expect(buses.get('rs485')!.counters).toMatchObject({ timeouts: 3, retries: 2, ok: 0 });
  });

  it('GIVEN an exception reply WHEN read with retries THEN it is not retried (the meter answered)', async () => {
    rig.slave.serve(1, 'sdm630');
    const { meters, buses } = await rig.meters([{ model: 'sdm630', address: 1 }], { retries: 2 });
    rig.slave.fault(1, 'exception', { exceptionCode: 6 });
    const err = await meters[0]!.read().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModbusError);
    expect(err).toMatchObject({ kind: 'exception', exceptionCode: 6 });
    expect(buses.get('rs485')!.counters).toMatchObject({ exceptions: 1, retries: 0 });
  });

  it('GIVEN two meters on one bus WHEN read concurrently many times THEN the slave never sees overlapping requests and each gets its own values', async () => {
    rig.slave.serve(1, 'sdm630', { energyWh: 111_000 });
    rig.slave.serve(2, 'abb-b23', { energyWh: 222_000 });
    const { meters, buses } = await rig.meters([
      { model: 'sdm630', address: 1 },
      { model: 'abb-b23', address: 2 },
    ]);
    const before = rig.slave.seen.length;
    for (let round = 0; round < 5; round++) {
      const [a, b] = await Promise.all([meters[0]!.read(), meters[1]!.read()]);
      expect([a.energyImportWh, b.energyImportWh]).toEqual([111_000, 222_000]);
    }
    const seen = rig.slave.seen.slice(before);
    expect(seen.filter((s) => s.unit === 1).length).toBeGreaterThanOrEqual(5);
    expect(seen.filter((s) => s.unit === 2).length).toBeGreaterThanOrEqual(10);
    expect(seen.filter((s) => s.overlapped)).toEqual([]);
    expect(buses.size).toBe(1);
  });

  it('GIVEN one silent meter and one healthy one on a bus WHEN both are read THEN only the silent one fails', async () => {
    rig.slave.serve(1, 'sdm630', { energyWh: 1_000 });
    rig.slave.serve(2, 'em340', { energyWh: 2_000 });
    const { meters } = await rig.meters(
      [
        { model: 'sdm630', address: 1 },
        { model: 'em340', address: 2 },
      ],
      { timeoutMs: 300 },
    );
    rig.slave.fault(1, 'silent');
    const [a, b] = await Promise.allSettled([meters[0]!.read(), meters[1]!.read()]);
    expect(a.status).toBe('rejected');
    expect(b).toMatchObject({ status: 'fulfilled', value: { energyImportWh: 2_000 } });
  });

  it('GIVEN a port that does not exist WHEN read THEN HalError naming the port, counted as a port error', async () => {
    const cfg = rig.busConfig({ port: '/dev/does-not-exist-evse' });
    const { meters, buses, close } = await createModbusMeters([cfg], [{ bus: 'rs485', model: 'sdm630', address: 1 }], systemClock);
    try {
      const err = await meters[0]!.read().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HalError);
      expect((err as Error).message).toMatch(/cannot open \/dev\/does-not-exist-evse/);
      expect(buses.get('rs485')!.counters.portErrors).toBe(1);
    } finally {
      await close();
    }
  });

  it('GIVEN a port that appears later (adapter plugged in) WHEN read again THEN the bus opens it and reads', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evse-modbus-'));
    const link = join(dir, 'ttyUSB0');
    rig.slave.serve(1, 'sdm630', { energyWh: 3_000 });
    const { meters, buses } = await rig.meters([{ model: 'sdm630', address: 1 }], { port: link });
    try {
      await expect(meters[0]!.read()).rejects.toThrow(/cannot open/);
      symlinkSync(rig.pty.a, link);
      expect((await meters[0]!.read()).energyImportWh).toBe(3_000);
      expect(buses.get('rs485')!.counters).toMatchObject({ portErrors: 1, ok: 2 }); // reading + serial number
    } finally {
      await rig.closeMeters();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('GIVEN a meter naming an unknown bus or model WHEN created THEN HalError listing what exists', async () => {
    await expect(createModbusMeters([rig.busConfig()], [{ bus: 'nope', model: 'sdm630', address: 1 }], systemClock)).rejects.toThrow(
      /no Modbus bus "nope"; configured buses: rs485/,
    );
    await expect(createModbusMeters([rig.busConfig()], [{ bus: 'rs485', model: 'x1' as never, address: 1 }], systemClock)).rejects.toThrow(
      /unknown meter model "x1"; known models: sdm630, sdm72dm, sdm120, abb-b23, em340/,
    );
  });

  it('GIVEN a closed bus WHEN read THEN it rejects with a port error instead of reopening', async () => {
    rig.slave.serve(1, 'sdm630');
    const { meters, close } = await rig.meters([{ model: 'sdm630', address: 1 }]);
    await meters[0]!.read();
    await close();
    await expect(meters[0]!.read()).rejects.toMatchObject({ kind: 'port', message: expect.stringMatching(/the bus is closed/) });
  });
});
