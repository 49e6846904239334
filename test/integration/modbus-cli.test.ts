// GIVEN a simulated meter on a pty WHEN `evse meter read|probe` runs (in-process through main, on the real
// driver and serial port) THEN it prints the reading or the models that fit; errors are one line with a
// non-zero exit (1 for the line or meter, 2 for a bad command line).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/evse.js';
import { startModbusRig, type ModbusRig } from '../helpers/modbus-rig.js';

let rig: ModbusRig;
beforeAll(async () => {
  rig = await startModbusRig({ baud: 38400, turnaroundMs: 1 });
  rig.slave.serve(1, 'sdm630', { energyWh: 1_234_500, powerW: 7_245.5, voltageV: [230.1, 231.2, 229.3], currentA: [10.5, 10.25, 10.75], frequencyHz: 50.02, serial: 777 });
  rig.slave.serve(2, 'sdm120', { energyWh: 500, powerW: 640, voltageV: [229.5, 0, 0], currentA: [2.8, 0, 0], frequencyHz: 49.98 });
  rig.slave.serve(3, 'em340', { energyWh: 98_700, powerW: 11_000 });
});
afterAll(async () => {
  await rig.close();
});

async function evse(...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['node', 'evse', ...args], { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out, err };
}

const line = () => ['--port', rig.pty.a, '--baud', '38400'];

describe('evse meter read', () => {
  it('GIVEN an SDM630 WHEN read THEN energy, power, V and A per phase and frequency are printed', async () => {
    const r = await evse('meter', 'read', ...line(), '--model', 'sdm630', '--address', '1');
    expect(r).toMatchObject({ code: 0, err: [] });
    expect(r.out.join('\n')).toBe(
      [
        `Eastron SDM630 (sdm630) at ${rig.pty.a}, id 1, serial 777`,
        '  energy     1,234.50 kWh (1,234,500.0 Wh)',
        '  power      7.2 kW',
        '  voltage    L1 230.1 V   L2 231.2 V   L3 229.3 V',
        '  current    L1 10.50 A   L2 10.25 A   L3 10.75 A',
        '  frequency  50.02 Hz',
      ].join('\n'),
    );
  });

  it('GIVEN an SDM120 WHEN read with --json THEN one JSON document with the reading, single phase', async () => {
    const r = await evse('meter', 'read', ...line(), '--model', 'sdm120', '--address', '2', '--json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out.join('\n'));
    expect(doc).toMatchObject({ port: rig.pty.a, address: 2, model: 'sdm120', name: 'Eastron SDM120', phases: 1 });
    expect(doc.reading).toMatchObject({ energyImportWh: 500, powerW: 640, voltageV: { l1: 229.5, l2: 0, l3: 0 }, currentA: { l1: 2.8, l2: 0, l3: 0 }, frequencyHz: 49.98 });
    expect(typeof doc.reading.takenAt).toBe('number');
  });

  it('GIVEN nobody at the address WHEN read THEN exit 1 with one error line naming the port and id', async () => {
    const r = await evse('meter', 'read', ...line(), '--model', 'sdm630', '--address', '9', '--timeout', '100');
    expect(r.code).toBe(1);
    expect(r.out).toEqual([]);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(new RegExp(`^evse: meter: read FC04 0x0000 x74 from Modbus id 9 on ${rig.pty.a}: no answer within 100 ms \\(2 attempts\\)$`));
  });

  it('GIVEN a port that does not exist WHEN read THEN exit 1 with one line saying it cannot be opened', async () => {
    const r = await evse('meter', 'read', '--port', '/dev/no-such-tty', '--model', 'em340');
    expect(r.code).toBe(1);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(/^evse: meter: .*cannot open \/dev\/no-such-tty/);
  });

  it.each([
    [['--model', 'sdm999'], /--model must be one of sdm630, sdm72dm, sdm120, abb-b23, em340, got "sdm999"/],
    [['--model', 'sdm630', '--address', '0'], /--address must be a Modbus unit id 1-247, got "0"/],
    [['--model', 'sdm630', '--parity', 'mark'], /--parity must be one of none, even, odd, got "mark"/],
    [['--model', 'sdm630', '--baud', '1000'], /--baud must be one of 1200, 2400/],
    [['--model', 'sdm630', '--stop-bits', '3'], /--stop-bits must be 1 or 2/],
  ])('GIVEN bad options %j WHEN read THEN exit 2 with the reason', async (args, message) => {
    const r = await evse('meter', 'read', '--port', rig.pty.a, ...args);
    expect(r.code).toBe(2);
    expect(r.err.join('\n')).toMatch(message);
  });

  it('GIVEN no --port WHEN read THEN exit 2 (commander names the missing option)', async () => {
    const r = await evse('meter', 'read', '--model', 'sdm630');
    expect(r.code).toBe(2);
    expect(r.err.join('\n')).toMatch(/--port/);
  });
});

describe('evse meter probe', () => {
  it('GIVEN an EM340 WHEN probed THEN only em340 answers plausibly, with its reading', async () => {
    const r = await evse('meter', 'probe', ...line(), '--address', '3', '--timeout', '500');
    expect(r).toMatchObject({ code: 0, err: [] });
    const text = r.out.join('\n');
    expect(text).toContain(`Probing Modbus id 3 on ${rig.pty.a} at 38400 baud, parity none:`);
    expect(text).toMatch(/ {2}em340 +answers plausibly: 98\.70 kWh, 11\.0 kW, L1 230\.1 V, 50\.00 Hz/);
    for (const other of ['sdm630', 'sdm72dm', 'sdm120', 'abb-b23']) expect(text).toMatch(new RegExp(`  ${other} +no: `));
  });

  it('GIVEN an Eastron meter WHEN probed with --json THEN all Eastron models fit (one layout) and ABB/EM340 do not', async () => {
    const r = await evse('meter', 'probe', ...line(), '--address', '1', '--timeout', '500', '--json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out.join('\n'));
    expect(doc.found).toEqual(['sdm630', 'sdm72dm', 'sdm120']);
    expect(doc.results.find((x: any) => x.model === 'abb-b23').problem).toMatch(/exception 2 \(illegal data address\)/);
    expect(doc.results.find((x: any) => x.model === 'em340').problem).toMatch(/voltage L1 .* is not a mains voltage/);
  });

  it('GIVEN nobody at the address WHEN probed THEN every model is listed as not answering and exit is 1', async () => {
    const r = await evse('meter', 'probe', ...line(), '--address', '200', '--timeout', '80');
    expect(r.code).toBe(1);
    expect(r.out.join('\n').match(/no: no answer within 80 ms/g)).toHaveLength(5);
    expect(r.err).toEqual([`evse: no known meter model answered plausibly at id 200 on ${rig.pty.a} (38400 baud, parity none)`]);
  });
});
