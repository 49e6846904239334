// A second, independent CSMS for tests: ocpp-ts's OcppServer (its own WebSocket stack and its own ajv
// validation of every incoming call against the OCPP 1.6 schemas: a call that fails it never reaches a
// handler here and is answered with a FormationViolation). Records handshakes and calls; answers with
// overridable defaults; CSMS-initiated calls go through OcppClientConnection.callRequest.
//
// OcppServer.listen(port) keeps its http.Server in a local variable (no close(), no address()), so the
// server is captured (and bound to 127.0.0.1) by wrapping http.createServer for that synchronous call.

import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { OcppServer, type OcppClientConnection } from 'ocpp-ts';

export interface PeerReceived {
  cpId: string;
  action: string;
  params: any;
  at: number;
}

export interface PeerHandshake {
  cpId: string;
  /** Request path, e.g. /ocpp/CP-1. */
  url: string;
  /** The Sec-WebSocket-Protocol header the charge point offered. */
  protocols: string;
}

export interface PeerCsms {
  url: string;
  port: number;
  server: OcppServer;
  handshakes: PeerHandshake[];
  received: PeerReceived[];
  client: OcppClientConnection | null;
  on(action: string, handler: (params: any) => unknown): void;
  waitFor(action: string, predicate?: (params: any) => boolean, ms?: number): Promise<PeerReceived>;
  waitForClient(ms?: number): Promise<OcppClientConnection>;
  count(action: string): number;
  close(): Promise<void>;
}

const CP_ACTIONS = [
  'Authorize', 'BootNotification', 'DataTransfer', 'DiagnosticsStatusNotification', 'FirmwareStatusNotification',
  'Heartbeat', 'MeterValues', 'StartTransaction', 'StatusNotification', 'StopTransaction',
] as const;

let nextTransactionId = 5000;

function listenCaptured(ocpp: OcppServer): http.Server {
  const mutableHttp = http as unknown as { createServer: typeof http.createServer };
  const original = mutableHttp.createServer;
  let captured: http.Server | undefined;
  mutableHttp.createServer = ((...args: unknown[]) => {
    const created = (original as (...a: unknown[]) => http.Server)(...args);
    const listen = created.listen.bind(created) as (port: number, host: string) => http.Server;
    // loopback only: OcppServer calls server.listen(port) without a host (all interfaces)
    created.listen = ((port: number) => listen(port, '127.0.0.1')) as typeof created.listen;
    return (captured = created);
  }) as typeof http.createServer;
  try {
    ocpp.listen(0);
  } finally {
    mutableHttp.createServer = original;
  }
  if (!captured) throw new Error('ocpp-ts OcppServer.listen did not create an http server (library changed?)');
  return captured;
}

export async function startOcppTsCsms(): Promise<PeerCsms> {
  const server = new OcppServer();
  const handshakes: PeerHandshake[] = [];
  const received: PeerReceived[] = [];
  const overrides = new Map<string, (params: any) => unknown>();
  const defaults: Record<string, (params: any) => unknown> = {
    BootNotification: () => ({ status: 'Accepted', currentTime: new Date().toISOString(), interval: 300 }),
    Heartbeat: () => ({ currentTime: new Date().toISOString() }),
    Authorize: () => ({ idTagInfo: { status: 'Accepted' } }),
    StartTransaction: () => ({ transactionId: nextTransactionId++, idTagInfo: { status: 'Accepted' } }),
    StopTransaction: () => ({ idTagInfo: { status: 'Accepted' } }),
    StatusNotification: () => ({}),
    MeterValues: () => ({}),
    DiagnosticsStatusNotification: () => ({}),
    FirmwareStatusNotification: () => ({}),
    DataTransfer: () => ({ status: 'UnknownVendorId' }),
  };
  const state: { client: OcppClientConnection | null } = { client: null };

  server.on('authorization', (cpId, req, cb) => {
    handshakes.push({ cpId, url: req.url ?? '', protocols: String(req.headers['sec-websocket-protocol'] ?? '') });
    cb();
  });
  server.on('connection', (client) => {
    state.client = client;
    client.on('error', () => undefined); // ocpp-ts re-emits socket errors; an unhandled 'error' would throw
    client.on('close', () => {
      if (state.client === client) state.client = null;
    });
    const emitter = client as unknown as { on(e: string, l: (params: unknown, cb: (r: unknown) => void) => void): void };
    for (const action of CP_ACTIONS) {
      emitter.on(action, (params, cb) => {
        received.push({ cpId: client.getCpId(), action, params, at: Date.now() });
        cb((overrides.get(action) ?? defaults[action]!)(params));
      });
    }
  });

  const httpServer = listenCaptured(server);
  const sockets = new Set<Socket>();
  httpServer.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  if (!httpServer.listening) await new Promise<void>((resolve, reject) => {
    httpServer.once('listening', resolve);
    httpServer.once('error', reject);
  });
  const port = (httpServer.address() as AddressInfo).port;

  const poll = async <T>(what: string, check: () => T | undefined, ms: number): Promise<T> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = check();
      if (v !== undefined) return v;
      if (Date.now() > deadline) throw new Error(`ocpp-ts CSMS: timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return {
    url: `ws://127.0.0.1:${port}/ocpp`,
    port,
    server,
    handshakes,
    received,
    get client() {
      return state.client;
    },
    on: (action, handler) => void overrides.set(action, handler),
    waitFor: (action, predicate = () => true, ms = 10_000) =>
      poll(action, () => received.find((r) => r.action === action && predicate(r.params)), ms),
    waitForClient: (ms = 10_000) => poll('a client', () => state.client ?? undefined, ms),
    count: (action) => received.filter((r) => r.action === action).length,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}
