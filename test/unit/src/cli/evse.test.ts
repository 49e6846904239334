// Tests for the `evse` CLI run in-process through `main`, against a real node:http server on 127.0.0.1
// that records what the CLI sent. Nothing is mocked: the CLI uses the real global fetch.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultBaseUrl, main } from '../../../../src/cli/evse.js';
import type { StatusResponse } from '../../../../src/cli/format.js';

interface Received {
  method: string;
  path: string;
  contentType: string | undefined;
  body: string;
}

interface Reply {
  status: number;
  body: string;
  contentType?: string;
}

interface FakeApi {
  url: string;
  received: Received[];
  reply: (r: Received) => Reply;
}

let server: Server | undefined;

afterEach(async () => {
  await closeServer();
});

async function startApi(): Promise<FakeApi> {
  const api: FakeApi = { url: '', received: [], reply: () => json(200, { ok: true }) };
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = {
        method: req.method ?? '',
        path: req.url ?? '',
        contentType: req.headers['content-type'],
        body: Buffer.concat(chunks).toString('utf8'),
      };
      api.received.push(r);
      const reply = api.reply(r);
      res.writeHead(reply.status, { 'content-type': reply.contentType ?? 'application/json' });
      res.end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  api.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return api;
}

async function closeServer(): Promise<void> {
  const s = server;
  server = undefined;
  if (!s) return;
  s.closeAllConnections();
  await new Promise<void>((resolve) => s.close(() => resolve()));
}

function json(status: number, body: unknown): Reply {
  return { status, body: JSON.stringify(body) };
}

async function run(...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['node', 'evse', ...args], { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out, err };
}

const statusPayload: StatusResponse = {
  chargePointId: 'CP-PI-001',
  ocpp: { connected: true, registration: 'Accepted' },
  connectors: [
    {
      id: 1,
      pilot: 'C',
      status: 'Charging',
      errorCode: 'NoError',
      contactorClosed: true,
      offeredCurrentA: 32,
      transaction: { id: 17, ocppTransactionId: null, idTag: '04A1B2C3', startedAt: new Date().toISOString(), energyWh: 1234 },
      energyWh: 4567.8,
      powerW: 21012,
      temperatureC: 31,
      faults: [{ name: 'overtemp', blocking: false, errorCode: 'HighTemperature', info: 'derated to 16 A' }],
    },
  ],
};

describe('evse status', () => {
  it('GIVEN a running controller WHEN `evse status` THEN GETs /api/status and prints the readable summary', async () => {
    const api = await startApi();
    api.reply = () => json(200, statusPayload);

    const { code, out, err } = await run('--url', api.url, 'status');

    expect(code).toBe(0);
    expect(err).toEqual([]);
    expect(api.received).toEqual([{ method: 'GET', path: '/api/status', contentType: undefined, body: '' }]);
    const lines = out.join('\n').split('\n');
    expect(lines[0]).toBe('Chargepoint CP-PI-001  OCPP connected (registration Accepted)');
    expect(lines).toContain('Connector 1  Charging  (pilot C, contactor closed, offering 32 A)');
    expect(lines.find((l) => l.startsWith('  session'))).toMatch(
      /^ {2}session 17 by 04A1B2C3 since \d\d:\d\d:\d\d, 1\.23 kWh$/,
    );
    expect(lines).toContain('  meter 4,567.8 Wh, 21.0 kW');
    expect(lines).toContain('  faults: overtemp (non-blocking, HighTemperature: derated to 16 A)');
  });

  it('GIVEN --json WHEN `evse status --json` THEN prints the API answer as JSON', async () => {
    const api = await startApi();
    api.reply = () => json(200, statusPayload);

    const { code, out } = await run('status', '--json', '--url', api.url);

    expect(code).toBe(0);
    expect(JSON.parse(out.join('\n'))).toEqual(statusPayload);
  });

  it('GIVEN an answer that is not a status WHEN `evse status` THEN says so and exits 1', async () => {
    const api = await startApi();
    api.reply = () => json(200, { hello: 'world' });

    const { code, err } = await run('--url', api.url, 'status');

    expect(code).toBe(1);
    expect(err).toEqual(['evse: unexpected answer from /api/status (try --json to see it)']);
  });
});

describe('evse sim', () => {
  const cases: { args: string[]; path: string; body: unknown; line: string }[] = [
    { args: ['plug', '1'], path: '/api/sim/connectors/1/plug', body: undefined, line: 'Plugged the simulated EV into connector 1' },
    { args: ['unplug', '2'], path: '/api/sim/connectors/2/unplug', body: undefined, line: 'Unplugged the simulated EV from connector 2' },
    { args: ['ev', '1', 'pause'], path: '/api/sim/connectors/1/ev', body: { request: 'pause' }, line: 'Simulated EV on connector 1 now requests pause' },
    { args: ['ev', '3', 'charge'], path: '/api/sim/connectors/3/ev', body: { request: 'charge' }, line: 'Simulated EV on connector 3 now requests charge' },
    { args: ['tap', '04A1B2C3'], path: '/api/sim/rfid', body: { uid: '04A1B2C3' }, line: 'Tapped RFID card 04A1B2C3' },
    { args: ['fault', '1', 'rcd', 'on'], path: '/api/sim/faults', body: { connector: 1, fault: 'rcd', active: true }, line: 'Raised fault rcd on connector 1' },
    { args: ['fault', '2', 'welded-contactor', 'off'], path: '/api/sim/faults', body: { connector: 2, fault: 'welded-contactor', active: false }, line: 'Cleared fault welded-contactor on connector 2' },
  ];

  it.each(cases)('GIVEN a controller WHEN `evse sim $args` THEN POSTs $path and confirms in one line', async (c) => {
    const api = await startApi();

    const { code, out, err } = await run('--url', api.url, 'sim', ...c.args);

    expect(code).toBe(0);
    expect(err).toEqual([]);
    expect(out).toEqual([c.line]);
    expect(api.received).toHaveLength(1);
    const [req] = api.received;
    expect(req?.method).toBe('POST');
    expect(req?.path).toBe(c.path);
    if (c.body === undefined) {
      expect(req?.body).toBe('');
    } else {
      expect(req?.contentType).toBe('application/json');
      expect(JSON.parse(req?.body ?? '')).toEqual(c.body);
    }
  });

  it('GIVEN an unknown connector WHEN the API answers 404 THEN prints its error message and exits 1', async () => {
    const api = await startApi();
    api.reply = () => json(404, { error: 'unknown connector 9', field: 'connector' });

    const { code, out, err } = await run('--url', api.url, 'sim', 'plug', '9');

    expect(code).toBe(1);
    expect(out).toEqual([]);
    expect(err).toEqual(['evse: unknown connector 9']);
  });

  it('GIVEN a server error without JSON WHEN a command runs THEN prints the HTTP status and exits 1', async () => {
    const api = await startApi();
    api.reply = () => ({ status: 500, body: 'boom', contentType: 'text/plain' });

    const { code, err } = await run('--url', api.url, 'sim', 'tap', '04A1B2C3');

    expect(code).toBe(1);
    expect(err).toEqual(['evse: HTTP 500 Internal Server Error']);
  });
});

describe('argument validation', () => {
  const invalid: { args: string[]; message: string }[] = [
    { args: ['sim', 'plug', '0'], message: 'evse: connector must be a positive integer, got "0"' },
    { args: ['sim', 'unplug', 'one'], message: 'evse: connector must be a positive integer, got "one"' },
    { args: ['sim', 'plug', '1.5'], message: 'evse: connector must be a positive integer, got "1.5"' },
    { args: ['sim', 'ev', '1', 'go'], message: 'evse: EV request must be one of charge, pause, got "go"' },
    { args: ['sim', 'ev', '-1', 'charge'], message: 'evse: connector must be a positive integer, got "-1"' },
    { args: ['sim', 'tap', 'xyz'], message: 'evse: uid must be 2 to 20 hex digits (whole bytes), e.g. 04A1B2C3, got "xyz"' },
    { args: ['sim', 'fault', '1', 'rcd', 'maybe'], message: 'evse: fault state must be one of on, off, got "maybe"' },
    {
      args: ['sim', 'fault', '1', 'lightning', 'on'],
      message:
        'evse: fault must be one of rcd, welded-contactor, contactor-fails-to-close, diode, pilot-short, meter-offline, overtemp, ev-overcurrent, got "lightning"',
    },
  ];

  it.each(invalid)('GIVEN `evse $args` WHEN run THEN explains, sends nothing and exits 2', async (c) => {
    const api = await startApi();

    const { code, out, err } = await run('--url', api.url, ...c.args);

    expect(code).toBe(2);
    expect(out).toEqual([]);
    expect(err).toEqual([c.message]);
    expect(api.received).toEqual([]);
  });

  it('GIVEN a missing argument WHEN run THEN commander usage error is reported as evse and exits 2', async () => {
    const { code, err } = await run('sim', 'ev', '1');

    expect(code).toBe(2);
    expect(err[0]).toBe("evse: missing required argument 'request'");
  });

  it('GIVEN an unknown command WHEN run THEN exits 2', async () => {
    const { code, err } = await run('reboot');

    expect(code).toBe(2);
    expect(err[0]).toMatch(/^evse: unknown command 'reboot'/);
  });

  it('GIVEN a malformed --url WHEN run THEN exits 2 before any request', async () => {
    const { code, err } = await run('--url', 'ftp://example', 'status');

    expect(code).toBe(2);
    expect(err).toEqual(['evse: --url must be an http:// or https:// URL, got "ftp://example"']);
  });

  it('GIVEN --help WHEN run THEN prints usage and exits 0', async () => {
    const { code, out } = await run('sim', '--help');

    expect(code).toBe(0);
    expect(out.join('\n')).toContain('fault <connector> <fault> <state>');
  });
});

describe('reaching the controller', () => {
  it('GIVEN nothing listening WHEN a command runs THEN prints one line telling how to start it and exits 1', async () => {
    const api = await startApi();
    await closeServer();

    const { code, out, err } = await run('--url', api.url, 'status');

    expect(code).toBe(1);
    expect(out).toEqual([]);
    expect(err).toEqual([`evse: cannot reach the controller at ${api.url} (is it running? start it with npm start)`]);
  });

  it('GIVEN an injected fetch WHEN a command runs THEN main uses it', async () => {
    const api = await startApi();
    const urls: string[] = [];
    const recordingFetch: typeof fetch = (input, init) => {
      urls.push(String(input));
      return fetch(input, init);
    };

    const code = await main(['node', 'evse', '--url', `${api.url}/`, 'sim', 'plug', '4'], {
      out: () => {},
      err: () => {},
      fetch: recordingFetch,
    });

    expect(code).toBe(0);
    expect(urls).toEqual([`${api.url}/api/sim/connectors/4/plug`]);
  });
});

describe('defaultBaseUrl', () => {
  it('GIVEN the environment WHEN resolving the default URL THEN prefers EVSE_API_URL, then EVSE_API_PORT, then 8080', () => {
    expect(defaultBaseUrl({ EVSE_API_URL: 'http://pi.local:9000', EVSE_API_PORT: '1' })).toBe('http://pi.local:9000');
    expect(defaultBaseUrl({ EVSE_API_PORT: '8181' })).toBe('http://127.0.0.1:8181');
    expect(defaultBaseUrl({})).toBe('http://127.0.0.1:8080');
  });
});
