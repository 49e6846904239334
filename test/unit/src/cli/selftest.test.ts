// GIVEN the simulated board standing in for the wiring (real HAL interfaces, sim faults for broken parts)
// WHEN `evse selftest` runs THEN each item reports PASS/FAIL/SKIP with the likely fix, exit 0 only without
// a FAIL; and it refuses while the controller owns the hardware. Interrupted: selftest-signals.test.ts.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../../hal/clock.js';
import { createSimHal, type SimFault, type SimHal } from '../../../../hal/sim/index.js';
import type { Hal } from '../../../../hal/types.js';
import { controllerRunning } from '../../../../src/cli/selftest.js';
import { validateConfig } from '../../../../src/config/load.js';
import { runCli } from './installer-io.js';

const SKELETON = resolve(import.meta.dirname, '../../../../systemd/config.skeleton.yaml');
let dir: string;
let simConfig: string;
let server: Server | null = null;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'evse-selftest-'));
  simConfig = join(dir, 'sim.yaml');
  writeFileSync(simConfig, 'hal: { driver: sim }\napi: { port: 0 }\n');
});
afterEach(async () => {
  rmSync(dir, { recursive: true, force: true });
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = null;
});

/** The sim board as the "hardware"; `prepare` breaks or plugs things before the checks run. */
function simHal(prepare: (hal: SimHal) => void = () => undefined) {
  const made: SimHal[] = [];
  return {
    made,
    createHal: async (): Promise<Hal> => {
      const hal = createSimHal({ connectors: 1 }, systemClock);
      prepare(hal);
      made.push(hal);
      return hal;
    },
  };
}
const withFault = (fault: SimFault) => simHal((hal) => hal.control.connector(1).setFault(fault, true));
const notRunning = async () => null;

async function selftest(args: string[], hal = simHal(), extra: { progress?: (l: string) => void } = {}) {
  return runCli(['selftest', ...args], { selftest: { createHal: hal.createHal, controllerRunning: notRunning, ...extra } });
}
const line = (out: string[], prefix: RegExp) => out.find((l) => prefix.test(l));

describe('evse selftest on a healthy board', () => {
  it('GIVEN a healthy board and a card presented WHEN run THEN every item PASSes, exit 0', async () => {
    const hal = simHal();
    const r = await runCli(['selftest', '--config', simConfig, '--rfid-wait', '5'], {
      selftest: {
        createHal: hal.createHal,
        controllerRunning: notRunning,
        progress: (l) => l.startsWith('rfid:') && setTimeout(() => hal.made[0]!.control.rfid.present(Uint8Array.from([0x04, 0xa1, 0xb2, 0xc3])), 100),
      },
    });
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    expect(line(r.out, /^PASS {2}pilot 1 /)).toMatch(/state A \(no vehicle\): high \+12\.0 V/);
    expect(line(r.out, /^PASS {2}relay 1 /)).toContain('the mirror contact followed both');
    expect(line(r.out, /^PASS {2}rcd 1 /)).toContain('tripped on its test input and recovered');
    expect(line(r.out, /^PASS {2}meter 1 /)).toContain('SIM-METER');
    expect(line(r.out, /^PASS {2}temperature 1 /)).toContain('25.0 °C');
    expect(line(r.out, /^PASS {2}rfid /)).toContain('card 04A1B2C3 read');
    expect(r.out.at(-1)).toBe('selftest: 6 PASS, 0 FAIL, 0 SKIP');
    expect(hal.made[0]!.control.connector(1).contactor.commandedClosed).toBe(false);
  });

  it('GIVEN --json and --no-rfid WHEN run THEN a JSON list of items, rfid SKIP', async () => {
    const r = await selftest(['--config', simConfig, '--json', '--no-rfid']);
    expect(r.code).toBe(0);
    const items = JSON.parse(r.out.join('\n')) as Array<{ item: string; outcome: string; connector: number | null }>;
    expect(items.map((i) => `${i.item}:${i.outcome}`)).toEqual(['pilot:PASS', 'relay:PASS', 'rcd:PASS', 'meter:PASS', 'temperature:PASS', 'rfid:SKIP']);
  });

  it('GIVEN an EV plugged in WHEN run THEN the relay is not clicked (SKIP) and the pilot shows state B', async () => {
    const hal = simHal((h) => h.control.connector(1).plug());
    const r = await selftest(['--config', simConfig, '--no-rfid'], hal);
    expect(r.code).toBe(0);
    expect(line(r.out, /^PASS {2}pilot 1 /)).toContain('state B (vehicle connected)');
    expect(line(r.out, /^SKIP {2}relay 1 /)).toContain('vehicle connected (pilot state B): unplug it to test the relay');
    expect(hal.made[0]!.control.connector(1).contactor.closeCommands).toBe(0);
  });

  it('GIVEN a meter model probe WHEN run THEN its answer is in the meter line', async () => {
    const hal = simHal();
    const r = await runCli(['selftest', '--config', simConfig, '--no-rfid'], {
      selftest: { createHal: hal.createHal, controllerRunning: notRunning, probeMeter: async (id) => `Eastron SDM630 at connector ${id}` },
    });
    expect(r.code).toBe(0);
    expect(line(r.out, /^PASS {2}meter 1 /)).toContain('probe: Eastron SDM630 at connector 1');
  });
});

describe('evse selftest finds broken parts', () => {
  it('GIVEN no card presented WHEN the wait ends THEN rfid FAILs with the wiring fix, exit 1', async () => {
    const r = await selftest(['--config', simConfig, '--rfid-wait', '1']);
    expect(r.code).toBe(1);
    expect(line(r.out, /^FAIL {2}rfid /)).toContain('no card presented within 1 s');
    expect(r.err).toEqual(['evse: selftest: 1 FAIL (fix hints above)']);
  });

  it('GIVEN a welded contactor WHEN run THEN relay FAILs before any close, with the weld fix', async () => {
    const hal = withFault('welded-contactor');
    const r = await selftest(['--config', simConfig, '--no-rfid'], hal);
    expect(r.code).toBe(1);
    const i = r.out.findIndex((l) => /^FAIL {2}relay 1 /.test(l));
    expect(r.out[i]).toContain('mirror contact reads closed while the contactor is commanded open');
    expect(r.out[i + 1]).toMatch(/^ +fix: welded contacts \(do not charge\), or the mirror sense is inverted/);
    expect(hal.made[0]!.control.connector(1).contactor.closeCommands).toBe(0);
  });

  it('GIVEN the Pi wiring (skeleton config) and a contactor that does not close WHEN run THEN the fix names GPIO27 and the config key', async () => {
    const hal = withFault('contactor-fails-to-close');
    const r = await selftest(['--config', SKELETON, '--no-rfid'], hal);
    expect(r.code).toBe(1);
    const i = r.out.findIndex((l) => /^FAIL {2}relay 1 /.test(l));
    expect(r.out[i]).toContain('mirror contact did not follow the close command within 1000 ms');
    expect(r.out[i + 1]).toContain(
      'fix: check the auxiliary contact wiring to GPIO27 (hal.connectors[0].contactor.mirror, active low); if the contactor did not click, the coil driver on GPIO17 (hal.connectors[0].contactor.coil)',
    );
    expect(hal.made[0]!.control.connector(1).contactor.commandedClosed).toBe(false);
  });

  it('GIVEN the RCD tripped WHEN run THEN rcd FAILs with the trip-input fix', async () => {
    const r = await selftest(['--config', SKELETON, '--no-rfid'], withFault('rcd'));
    expect(r.code).toBe(1);
    const i = r.out.findIndex((l) => /^FAIL {2}rcd 1 /.test(l));
    expect(r.out[i]).toContain('the RCD module reports tripped now');
    expect(r.out[i + 1]).toContain('check GPIO22 (hal.connectors[0].rcd.trip, active low)');
  });

  it('GIVEN the meter silent WHEN run THEN meter FAILs with the RS-485 fix from the config', async () => {
    const r = await selftest(['--config', SKELETON, '--no-rfid'], withFault('meter-offline'));
    expect(r.code).toBe(1);
    const i = r.out.findIndex((l) => /^FAIL {2}meter 1 /.test(l));
    expect(r.out[i]).toContain('read failed: meter: no response');
    expect(r.out[i + 1]).toContain('/dev/ttyUSB0 at 9600 baud, and Modbus address 1 (hal.connectors[0].meter.address)');
  });

  it('GIVEN a probe that finds another model WHEN run on the Pi config THEN meter FAILs naming both', async () => {
    const hal = simHal();
    const r = await runCli(['selftest', '--config', SKELETON, '--no-rfid'], {
      selftest: { createHal: hal.createHal, controllerRunning: notRunning, probeMeter: async () => 'ABB B23 212-100' },
    });
    expect(r.code).toBe(1);
    expect(line(r.out, /^FAIL {2}meter 1 /)).toContain('the probe found ABB B23 212-100, configured sdm630');
  });

  it('GIVEN the enclosure over temperature.tripC WHEN run THEN temperature FAILs', async () => {
    const r = await selftest(['--config', simConfig, '--no-rfid'], withFault('overtemp'));
    expect(r.code).toBe(1);
    expect(line(r.out, /^FAIL {2}temperature 1 /)).toContain('85.0 °C is at or above temperature.tripC (71 °C)');
  });
});

describe('evse selftest refuses while the controller runs', () => {
  it('GIVEN something answering on the configured API port WHEN run THEN refused, the HAL never built', async () => {
    server = createServer((_req, res) => res.end('{}'));
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const cfg = join(dir, 'running.yaml');
    writeFileSync(cfg, `hal: { driver: sim }\napi: { host: 127.0.0.1, port: ${port} }\n`);
    const hal = simHal();
    const r = await runCli(['selftest', '--config', cfg, '--no-rfid'], { selftest: { createHal: hal.createHal } });
    expect(r.code).toBe(1);
    expect(r.err).toEqual([
      `evse: the controller is running and owns the hardware (its API answers at http://127.0.0.1:${port}/api/status); stop it first: sudo systemctl stop evse, then run the self-test, then: sudo systemctl start evse`,
    ]);
    expect(hal.made).toHaveLength(0);
  });

  it('GIVEN systemd reports the unit activating WHEN checked THEN running; inactive or no systemctl THEN not', async () => {
    const config = validateConfig({ api: { port: 0 } });
    expect(await controllerRunning(config, async () => 'activating')).toBe('systemctl is-active evse: activating');
    expect(await controllerRunning(config, async () => 'inactive')).toBeNull();
    expect(await controllerRunning(config, async () => null)).toBeNull();
  });

  it('GIVEN no configuration file at the default path WHEN run THEN it says so instead of testing defaults; EVSE_CONFIG is used', async () => {
    const missing = join(dir, 'etc-evse', 'config.yaml');
    const r = await runCli(['selftest', '--no-rfid'], { defaultConfig: missing, selftest: { createHal: simHal().createHal, controllerRunning: notRunning } });
    expect(r.code).toBe(1);
    expect(r.err).toEqual([`evse: no configuration file at ${missing} (use --config FILE)`]);
    const viaEnv = await runCli(['selftest', '--no-rfid'], { defaultConfig: missing, env: { EVSE_CONFIG: simConfig }, selftest: { createHal: simHal().createHal, controllerRunning: notRunning } });
    expect(viaEnv.code).toBe(0);
    expect(viaEnv.out[0]).toBe(`selftest: ${simConfig}, hal sim, 1 connector(s)`);
  });
});
