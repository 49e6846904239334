// `evse sim house | cable | grid-meter` (src/cli/sim-site.ts) run in-process through `main`, against a real
// node:http server on 127.0.0.1 that records what the CLI sent (the real global fetch, nothing mocked): the
// request each command makes, its confirmation line, local refusals (exit 2, no request) and API errors (exit 1).

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../../../src/cli/evse.js';

interface Received {
  method: string;
  path: string;
  body: string;
}

let server: Server | undefined;
afterEach(async () => {
  const s = server;
  server = undefined;
  if (!s) return;
  s.closeAllConnections();
  await new Promise<void>((resolve) => s.close(() => resolve()));
});

/** A fake API answering every request with `reply` (default 200 {ok: true}). */
async function fakeApi(reply: { status: number; body: unknown } = { status: 200, body: { ok: true } }): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ method: req.method ?? '', path: req.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(reply.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, received };
}

async function run(url: string, ...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['node', 'evse', '--url', url, 'sim', ...args], { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out, err };
}

describe('evse sim house | cable | grid-meter', () => {
  it.each([
    { args: ['house', '10'], path: '/api/sim/grid', body: { houseA: 10 }, line: 'House load now 10 A on every phase' },
    { args: ['house', '8', '0', '12.5'], path: '/api/sim/grid', body: { houseA: [8, 0, 12.5] }, line: 'House load now L1 8 A, L2 0 A, L3 12.5 A' },
    { args: ['cable', '2', '20'], path: '/api/sim/connectors/2/cable', body: { ratingA: 20 }, line: 'Cable on connector 2 now rated 20 A' },
    { args: ['grid-meter', 'offline'], path: '/api/sim/grid', body: { meterOffline: true }, line: 'Simulated grid meter offline (its reads fail)' },
    { args: ['grid-meter', 'online'], path: '/api/sim/grid', body: { meterOffline: false }, line: 'Simulated grid meter online' },
  ])('GIVEN `evse sim $args` WHEN run THEN it POSTs $path and prints one line', async ({ args, path, body, line }) => {
    const api = await fakeApi();
    const result = await run(api.url, ...args);
    expect(result).toEqual({ code: 0, out: [line], err: [] });
    expect(api.received).toHaveLength(1);
    expect(api.received[0]).toMatchObject({ method: 'POST', path });
    expect(JSON.parse(api.received[0]!.body)).toEqual(body);
  });

  it.each([
    [['house', '1', '2'], 'evse: house load must be one value (every phase) or three (L1 L2 L3), got 2'],
    [['house', '251'], 'evse: house load must be amps between 0 and 250, got "251"'],
    [['house', '-3'], 'evse: house load must be amps between 0 and 250, got "-3"'],
    [['house', 'ten'], 'evse: house load must be amps between 0 and 250, got "ten"'],
    [['cable', '1', '16'], 'evse: cable rating must be one of 13, 20, 32, 63 (amps), got "16"'],
    [['cable', 'one', '32'], 'evse: connector must be a positive integer, got "one"'],
    [['grid-meter', 'down'], 'evse: grid meter state must be one of online, offline, got "down"'],
  ])('GIVEN `evse sim %j` WHEN run THEN exit 2 with one line and no request', async (args, line) => {
    const api = await fakeApi();
    const result = await run(api.url, ...args);
    expect(result).toEqual({ code: 2, out: [], err: [line] });
    expect(api.received).toEqual([]);
  });

  it('GIVEN a controller without a simulated grid meter WHEN `evse sim house 5` THEN exit 1 with the API error', async () => {
    const api = await fakeApi({ status: 409, body: { error: 'no simulated grid meter (configure hal.gridMeter: { driver: sim })' } });
    const result = await run(api.url, 'house', '5');
    expect(result).toEqual({ code: 1, out: [], err: ['evse: no simulated grid meter (configure hal.gridMeter: { driver: sim })'] });
  });
});
