import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from '../../../../src/config/load.js';

/** The problem lines of the ConfigError `run` throws; the test fails on any other outcome. */
function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const error = err as ConfigError;
    expect(error.message).toBe(error.problems.join('\n'));
    return error.problems;
  }
  throw new Error('expected a ConfigError');
}

const problems = (text: string, source = 'config.yaml'): string[] => problemsOf(() => parseConfig(text, source));

const DEFAULTS = {
  chargePointId: 'EVSE-SIM-1',
  hal: { driver: 'sim', gpio: { sysfsRoot: '/sys/class/gpio', chipLabel: 'auto', debounceMs: 10 }, modbus: [], rfid: { driver: 'none' }, connectors: [] },
  connectors: [{ id: 1, maxCurrentA: 32, phases: 3, tethered: false, ventilationAllowed: false }],
  auth: { mode: 'allow-list', allowList: [], freeVendIdTag: 'FREEVEND', connectionTimeoutS: 60, uidFormat: 'hex', cacheMaxEntries: 1000 },
  sessions: { retentionDays: 730, maxRecords: 50_000 },
  api: { host: '127.0.0.1', port: 8080 },
  dataDir: '/var/lib/evse',
  log: { level: 'info' },
  meter: { pollIntervalMs: 1000, offlineAfterFailures: 3 },
  temperature: { pollIntervalMs: 5000, tripC: 71, resumeC: 62, derateFromC: 60 },
  charging: { nominalVoltageV: 230 },
  identity: { vendor: 'OpenEVSE-Pi', model: 'EVSE-PI-AC', serialNumber: 'SIM-0001', firmwareVersion: '0.2.0' },
};

const VALID_YAML = `
chargePointId: WB-garage.01
hal:
  driver: rpi
  connectors:
    - pilot: { adc: { type: ads1115 } }
      contactor: { coil: 17, mirror: 27 }
      rcd: { trip: 22 }
      lock: { motorA: 5, motorB: 6, feedback: 13 }
    - pilot: { pwm: { channel: 1 }, adc: { type: ads1115, address: 0x49 } }
      contactor: { coil: 16, mirror: 20 }
      rcd: { trip: 21 }
connectors:
  - id: 1
    maxCurrentA: 16
    phases: 1
  - id: 2
    tethered: true
auth:
  mode: free-vend
  allowList: [ABC123, "04:A2:FF"]
  uidFormat: decimal-reversed
api:
  port: 9000
log:
  level: debug
temperature:
  tripC: 80
  resumeC: 70
`;

describe('parseConfig', () => {
  it('GIVEN an empty file WHEN parsed THEN every key takes its default', () => {
    expect(parseConfig('', 'config.yaml')).toEqual(DEFAULTS);
    expect(parseConfig('# only a comment\n', 'config.yaml')).toEqual(DEFAULTS);
    expect(parseConfig('{}', 'config.json')).toEqual(DEFAULTS);
  });

  it('GIVEN a valid YAML file WHEN parsed THEN its values are kept and the rest defaulted', () => {
    const config = parseConfig(VALID_YAML, 'config.yaml');
    expect(config.chargePointId).toBe('WB-garage.01');
    expect(config.hal.driver).toBe('rpi');
    expect(config.connectors).toEqual([
      { id: 1, maxCurrentA: 16, phases: 1, tethered: false, ventilationAllowed: false },
      { id: 2, maxCurrentA: 32, phases: 3, tethered: true, ventilationAllowed: false },
    ]);
    expect(config.auth).toEqual({
      mode: 'free-vend',
      allowList: ['ABC123', '04:A2:FF'],
      freeVendIdTag: 'FREEVEND',
      connectionTimeoutS: 60,
      uidFormat: 'decimal-reversed',
      cacheMaxEntries: 1000,
    });
    expect(config.api).toEqual({ host: '127.0.0.1', port: 9000 });
    expect(config.log.level).toBe('debug');
    expect(config.temperature).toEqual({ pollIntervalMs: 5000, tripC: 80, resumeC: 70, derateFromC: 60 });
  });

  it('GIVEN a valid JSON file WHEN parsed THEN its values are kept', () => {
    const text = JSON.stringify({ dataDir: '/tmp/evse', meter: { pollIntervalMs: 250 } });
    const config = parseConfig(text, 'config.json');
    expect(config.dataDir).toBe('/tmp/evse');
    expect(config.meter).toEqual({ pollIntervalMs: 250, offlineAfterFailures: 3 });
  });

  it('GIVEN a JSON file starting with a byte-order mark WHEN parsed THEN the mark is ignored', () => {
    expect(parseConfig('\uFEFF{ "dataDir": "/x" }', 'config.json').dataDir).toBe('/x');
  });

  it('GIVEN a number out of range WHEN parsed THEN the line names path, range and value', () => {
    expect(problems('connectors:\n  - id: 1\n    maxCurrentA: 100\n')).toEqual([
      'connectors[0].maxCurrentA: expected a number between 6 and 80, found 100',
    ]);
  });

  it('GIVEN a string where an integer belongs WHEN parsed THEN the line shows the string and its type', () => {
    expect(problems('api:\n  port: abc\n')).toEqual([
      'api.port: expected an integer between 0 and 65535, found "abc" (string)',
    ]);
  });

  it('GIVEN a fraction where an integer belongs WHEN parsed THEN one line reports it', () => {
    expect(problems('meter:\n  offlineAfterFailures: 2.5\n')).toEqual([
      'meter.offlineAfterFailures: expected an integer between 1 and 20, found 2.5',
    ]);
  });

  it('GIVEN a value outside an enum WHEN parsed THEN the line lists the allowed values', () => {
    expect(problems('auth:\n  mode: free\n')).toEqual([
      'auth.mode: expected one of "allow-list", "free-vend", found "free"',
    ]);
  });

  it('GIVEN an unknown UID format WHEN parsed THEN the line lists the formats', () => {
    expect(problems('auth:\n  uidFormat: dec\n')).toEqual([
      'auth.uidFormat: expected one of "hex", "hex-reversed", "decimal", "decimal-reversed", found "dec"',
    ]);
  });

  it('GIVEN an unknown key WHEN parsed THEN the line lists the allowed keys', () => {
    expect(problems('log:\n  colour: red\n')).toEqual(['log.colour: unknown key (allowed: level)']);
  });

  it('GIVEN a connector without its id WHEN parsed THEN the line says nothing was found', () => {
    expect(problems('connectors:\n  - maxCurrentA: 16\n')).toEqual([
      'connectors[0].id: expected an integer >= 1, found nothing',
    ]);
  });

  it('GIVEN a section that is not a mapping WHEN parsed THEN the line names the keys it takes', () => {
    expect(problems('hal: 5\n')).toEqual(['hal: expected a mapping with keys: driver, gpio, modbus, rfid, connectors, gridMeter, found 5 (number)']);
  });

  it('GIVEN a bad idTag in the allow list WHEN parsed THEN the line points at that entry', () => {
    expect(problems('auth:\n  allowList: [OK, "bad tag"]\n')).toEqual([
      'auth.allowList[1]: expected an idTag of 1 to 20 printable ASCII characters without spaces, found "bad tag"',
    ]);
  });

  it('GIVEN several problems WHEN parsed THEN there is one line per problem', () => {
    const text = 'chargePointId: "no spaces please"\nhal:\n  driver: arduino\napi:\n  port: 70000\nbogus: 1\n';
    expect(problems(text)).toEqual([
      'chargePointId: expected 1 to 20 characters of A-Z, a-z, 0-9, ".", "_", "-", found "no spaces please"',
      'hal.driver: expected one of "sim", "rpi", found "arduino"',
      'api.port: expected an integer between 0 and 65535, found 70000',
      'bogus: unknown key (allowed: chargePointId, hal, connectors, auth, tariff, sessions, api, dataDir, log, meter, temperature, charging, identity, ocpp)',
    ]);
  });

  it('GIVEN connector ids with a gap WHEN parsed THEN the first misplaced id is reported', () => {
    expect(problems('connectors:\n  - id: 1\n  - id: 3\n  - id: 4\n')).toEqual([
      'connectors[1].id: connector ids must be 1..N without gaps; expected 2, found 3',
    ]);
    expect(problems('connectors:\n  - id: 2\n')).toEqual([
      'connectors[0].id: connector ids must be 1..N without gaps; expected 1, found 2',
    ]);
  });

  it('GIVEN more than 8 connectors or none WHEN parsed THEN the list size is reported', () => {
    const nine = Array.from({ length: 9 }, (_, i) => ({ id: i + 1 }));
    expect(problems(JSON.stringify({ connectors: nine }), 'c.json')).toEqual([
      expect.stringMatching(/^connectors: expected a list of 1 to 8 connectors, found \[\{"id":1\}.*\.\.\.$/),
    ]);
    expect(problems('connectors: []\n')).toEqual(['connectors: expected a list of 1 to 8 connectors, found []']);
  });

  it('GIVEN resumeC not below tripC WHEN parsed THEN resumeC is reported with the limit', () => {
    expect(problems('temperature:\n  tripC: 70\n  resumeC: 70\n')).toEqual([
      'temperature.resumeC: resumeC must be below tripC; expected a number below 70, found 70',
    ]);
    expect(problems('temperature:\n  tripC: 60\n')).toEqual([
      'temperature.derateFromC: derateFromC must be below tripC; expected a number below 60, found 60 (default)',
      'temperature.resumeC: resumeC must be below tripC; expected a number below 60, found 62 (default)',
    ]);
  });

  it('GIVEN a site section WHEN parsed THEN defaults fill it, and a reaction time the timing cannot meet or a grid meter that is not there is refused', () => {
    expect(parseConfig('charging:\n  site: { limitA: 25 }\n', 'c.yaml').charging.site).toEqual({
      limitA: 25, meter: 'none', reactionTimeMs: 15_000, marginA: 1, meterIntervalMs: 2000, staleMs: 5000, raiseHoldMs: 12_000, fallbackA: 0,
    });
    expect(problems('charging:\n  site: { limitA: 25, meter: grid, reactionTimeMs: 9000 }\nhal: { gridMeter: { driver: sim } }\n')).toEqual([
      'charging.site.reactionTimeMs: 9000 ms cannot be met; the worst case is 15000 ms (meter detection 5000 + PWM hold 5000 + EV response 5000), found 9000',
    ]);
    expect(problems('charging:\n  site: { limitA: 25, meter: grid }\n')).toEqual([
      'charging.site.meter: needs a grid meter; expected hal.gridMeter configured (or meter: none), found "grid"',
    ]);
    expect(problems('charging:\n  site: { limitA: 25, meterIntervalMs: 2000, staleMs: 1000 }\n')).toEqual([
      'charging.site.staleMs: expected >= meterIntervalMs (2000), found 1000',
    ]);
    expect(problems('charging:\n  nominalVoltageV: 400\n  site: { limitA: 2 }\n')).toEqual([
      'charging.nominalVoltageV: expected a number between 100 and 277, found 400',
      'charging.site.limitA: expected a number between 6 and 1000, found 2',
    ]);
  });

  it('GIVEN a YAML syntax error WHEN parsed THEN one line names source, line and column', () => {
    expect(problems('api:\n  port: 80\n  host: a: b\n', '/etc/evse/config.yaml')).toEqual([
      '/etc/evse/config.yaml: line 3, column 9: Nested mappings are not allowed in compact mappings',
    ]);
  });

  it('GIVEN a duplicate YAML key WHEN parsed THEN it is a syntax error on its line', () => {
    expect(problems('log:\n  level: info\nlog:\n  level: debug\n')).toEqual([
      expect.stringMatching(/^config\.yaml: line 3, column 1: Map keys must be unique/),
    ]);
  });

  it('GIVEN a JSON syntax error WHEN parsed THEN it is reported as JSON with line and column', () => {
    expect(problems('{\n  "api": { "port": }\n}', 'config.json')).toEqual([
      "config.json: line 2, column 20: Unexpected token '}'",
    ]);
    expect(problems('{\n  "api" 1\n}', 'config.json')).toEqual([
      "config.json: line 2, column 9: Expected ':' after property name",
    ]);
  });
});

describe('loadConfig', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'evse-config-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const write = (name: string, text: string): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };

  it('GIVEN no explicit path and a missing default file WHEN loaded THEN defaults are used and path is null', () => {
    const result = loadConfig({ env: {}, argv: [], defaultPath: path.join(dir, 'absent.yaml') });
    expect(result).toEqual({ config: DEFAULTS, path: null });
  });

  it('GIVEN a default file that exists WHEN loaded THEN it is read', () => {
    const file = write('config.yaml', 'log:\n  level: warn\n');
    const result = loadConfig({ env: {}, argv: [], defaultPath: file });
    expect(result.path).toBe(file);
    expect(result.config.log.level).toBe('warn');
  });

  it('GIVEN --config and EVSE_CONFIG WHEN loaded THEN --config wins', () => {
    const fromArg = write('arg.yaml', 'chargePointId: FROM-ARG\n');
    const fromEnv = write('env.yaml', 'chargePointId: FROM-ENV\n');
    const result = loadConfig({ env: { EVSE_CONFIG: fromEnv }, argv: ['--config', fromArg] });
    expect(result).toMatchObject({ path: fromArg, config: { chargePointId: 'FROM-ARG' } });
    const equalsForm = loadConfig({ env: { EVSE_CONFIG: fromEnv }, argv: [`--config=${fromArg}`] });
    expect(equalsForm.path).toBe(fromArg);
  });

  it('GIVEN only EVSE_CONFIG WHEN loaded THEN it wins over the default path', () => {
    const fromEnv = write('env.json', '{ "chargePointId": "FROM-ENV" }');
    const fallback = write('default.yaml', 'chargePointId: FROM-DEFAULT\n');
    const result = loadConfig({ env: { EVSE_CONFIG: fromEnv }, argv: [], defaultPath: fallback });
    expect(result).toMatchObject({ path: fromEnv, config: { chargePointId: 'FROM-ENV' } });
  });

  it('GIVEN an explicit path that does not exist WHEN loaded THEN it is an error', () => {
    const missing = path.join(dir, 'nope.yaml');
    expect(problemsOf(() => loadConfig({ env: {}, argv: ['--config', missing] }))).toEqual([
      `${missing}: file not found`,
    ]);
    expect(problemsOf(() => loadConfig({ env: { EVSE_CONFIG: missing }, argv: [] }))).toEqual([
      `${missing}: file not found`,
    ]);
  });

  it('GIVEN --config without a value WHEN loaded THEN it is an error', () => {
    expect(problemsOf(() => loadConfig({ env: {}, argv: ['--config'] }))).toEqual([
      '--config: expected a file path, found nothing',
    ]);
  });

  it('GIVEN EVSE_DATA_DIR and EVSE_API_PORT WHEN loaded THEN they override the file', () => {
    const file = write('config.yaml', 'dataDir: /srv/evse\napi:\n  host: 0.0.0.0\n  port: 8000\n');
    const env = { EVSE_DATA_DIR: '/data/evse', EVSE_API_PORT: '9100' };
    const { config } = loadConfig({ env, argv: ['--config', file] });
    expect(config.dataDir).toBe('/data/evse');
    expect(config.api).toEqual({ host: '0.0.0.0', port: 9100 });
  });

  it('GIVEN env overrides and no file WHEN loaded THEN they apply over the defaults', () => {
    const env = { EVSE_API_PORT: '0' };
    const { config, path: used } = loadConfig({ env, argv: [], defaultPath: path.join(dir, 'absent.yaml') });
    expect(used).toBeNull();
    expect(config.api.port).toBe(0);
  });

  it('GIVEN a non-integer EVSE_API_PORT WHEN loaded THEN the api.port line names the variable', () => {
    const run = (port: string) => () =>
      loadConfig({ env: { EVSE_API_PORT: port }, argv: [], defaultPath: path.join(dir, 'absent.yaml') });
    expect(problemsOf(run('abc'))).toEqual([
      'api.port (from EVSE_API_PORT): expected an integer between 0 and 65535, found "abc" (string)',
    ]);
    expect(problemsOf(run('80.5'))).toEqual([
      'api.port (from EVSE_API_PORT): expected an integer between 0 and 65535, found 80.5',
    ]);
  });

  it('GIVEN a file with problems WHEN loaded THEN the validation lines come through unchanged', () => {
    const file = write('config.yaml', 'meter:\n  pollIntervalMs: 50\nlog:\n  colour: red\n');
    expect(problemsOf(() => loadConfig({ env: {}, argv: ['--config', file] }))).toEqual([
      'log.colour: unknown key (allowed: level)',
      'meter.pollIntervalMs: expected an integer between 200 and 60000, found 50',
    ]);
  });

  it('GIVEN a YAML syntax error in the file WHEN loaded THEN the line names the file path', () => {
    const file = write('config.yaml', 'api:\n  port: [1, 2\nlog: {}\n');
    expect(problemsOf(() => loadConfig({ env: {}, argv: ['--config', file] }))).toEqual([
      `${file}: line 3, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]`,
    ]);
  });
});

describe('ocpp section', () => {
  it('GIVEN no ocpp section THEN the controller is standalone (ocpp undefined)', () => {
    expect(parseConfig('', 'c.yaml').ocpp).toBeUndefined();
  });

  it('GIVEN profile 2 with a ws:// URL and no CA THEN one line per problem', () => {
    expect(problems('ocpp: { url: "ws://csms:8180/ocpp", securityProfile: 2, passwordFile: /etc/evse/pw }')).toEqual([
      'ocpp.url: does not match ocpp.securityProfile; expected a wss:// URL for security profile 2 or 3, found "ws://csms:8180/ocpp"',
      'ocpp.caFile: required by ocpp.securityProfile; expected a caFile for security profile 2, found nothing',
    ]);
  });

  it('GIVEN profile 3 without client certificate THEN certFile and keyFile are asked for', () => {
    expect(problems('ocpp: { url: "wss://csms/ocpp", securityProfile: 3, caFile: /ca.pem }')).toEqual([
      'ocpp.certFile: required by ocpp.securityProfile; expected a certFile for security profile 3, found nothing',
      'ocpp.keyFile: required by ocpp.securityProfile; expected a keyFile for security profile 3, found nothing',
    ]);
  });

  it('GIVEN EVSE_OCPP_URL, EVSE_CHARGE_POINT_ID, EVSE_OCPP_PASSWORD_FILE THEN they override the file', () => {
    const { config } = loadConfig({
      argv: [],
      defaultPath: '/nonexistent/evse.yaml',
      env: { EVSE_OCPP_URL: 'ws://127.0.0.1:9000/ocpp', EVSE_CHARGE_POINT_ID: 'CP-7', EVSE_OCPP_PASSWORD_FILE: '/run/pw' },
    });
    expect(config.chargePointId).toBe('CP-7');
    expect(config.ocpp).toMatchObject({ url: 'ws://127.0.0.1:9000/ocpp', passwordFile: '/run/pw', securityProfile: 0 });
  });
});

describe('ocpp.url credentials', () => {
  it('GIVEN user:password@ in the URL THEN it is refused (it would reach log lines)', () => {
    expect(problems('ocpp: { url: "ws://cp:secret@csms:8180/ocpp" }')).toEqual([
      'ocpp.url: expected a ws:// or wss:// URL without user:password@ (use ocpp.passwordFile), found "ws://cp:secret@csms:8180/ocpp"',
    ]);
  });
});
