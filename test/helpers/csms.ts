// A real CSMS on loopback for tests: ocpp-rpc's RPCServer in strict mode, which validates every message
// the controller sends against the official OCPP 1.6 schemas. Records calls; handlers are overridable.
// Options: `auth` (the upgrade check, ocpp-rpc server.auth) and `tls` (serve wss:// from an https server).

import { createServer as createHttpsServer, type ServerOptions as HttpsOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import rpc from 'ocpp-rpc';

type ServerClient = { identity: string; call(method: string, params?: unknown, options?: { callTimeoutMs?: number }): Promise<unknown>; handle(method: string | ((a: any) => unknown), h?: (a: any) => unknown): void; close(o?: object): Promise<unknown>; sendRaw(m: string): void; on(e: string, l: (...a: any[]) => void): void };

export interface Received {
  action: string;
  params: any;
  at: number;
}

/** A raw WebSocket frame between the CSMS and the charge point (outbound = sent by the CSMS). */
export interface Frame {
  message: string;
  outbound: boolean;
  at: number;
}

export interface TestCsms {
  url: string;
  port: number;
  received: Received[];
  /** Every raw frame in both directions, in order (to see replies to raw frames sent with client.sendRaw). */
  frames: Frame[];
  validationFailures: unknown[];
  client: ServerClient | null;
  /** Overrides the answer to an action (return a value, or throw an RPC error). */
  on(action: string, handler: (params: any) => unknown): void;
  /** The first call of `action` matching `predicate`, looking only at received[from...] when `from` is given. */
  waitFor(action: string, predicate?: (params: any) => boolean, ms?: number, from?: number): Promise<Received>;
  /** The first frame at or after index `from` (default 0) matching `predicate`. */
  waitForFrame(predicate: (f: Frame) => boolean, ms?: number, from?: number): Promise<Frame>;
  /** Calls received at or after index `from`, optionally only those of `action`. */
  since(from: number, action?: string): Received[];
  /** A CSMS-initiated call to the connected charge point (waits for it to connect). */
  call(action: string, params?: unknown, options?: { callTimeoutMs?: number }): Promise<any>;
  waitForClient(ms?: number): Promise<ServerClient>;
  count(action: string): number;
  close(): Promise<void>;
}

/** ocpp-rpc's upgrade handshake: identity, Basic-auth password (Buffer), the HTTP request (TLS socket). */
export type AuthCallback = (accept: (session?: unknown) => void, reject: (code?: number, message?: string) => void, handshake: any) => void;

export interface CsmsOptions {
  port?: number;
  /** Decides on each WebSocket upgrade (default: accept everyone). */
  auth?: AuthCallback;
  /** Certificate, key (and for client certificates ca/requestCert): serve wss:// (TLS >= 1.2). */
  tls?: HttpsOptions;
}

let nextTransactionId = 1000;

export async function startCsms(options: CsmsOptions = {}): Promise<TestCsms> {
  const server = new rpc.RPCServer({ protocols: ['ocpp1.6'], strictMode: true, pingIntervalMs: 0 } as never);
  if (options.auth) server.auth(options.auth as never);
  const received: Received[] = [];
  const frames: Frame[] = [];
  const validationFailures: unknown[] = [];
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
  const state: { client: ServerClient | null } = { client: null };
  const waiters: Array<() => void> = [];
  const notify = (): void => waiters.splice(0).forEach((w) => w());
  server.on('client', (client: ServerClient) => {
    state.client = client;
    client.on('strictValidationFailure', (e: unknown) => validationFailures.push(e));
    client.on('message', ({ message, outbound }: { message: string | Buffer; outbound: boolean }) => {
      frames.push({ message: String(message), outbound, at: Date.now() });
      notify();
    });
    client.on('close', () => {
      if (state.client === client) state.client = null;
    });
    client.handle(({ method, params }: { method: string; params: unknown }) => {
      received.push({ action: method, params, at: Date.now() });
      notify();
      const h = overrides.get(method) ?? defaults[method];
      if (!h) throw rpc.createRPCError('NotImplemented');
      return h(params);
    });
    notify();
  });
  const https = options.tls ? createHttpsServer({ minVersion: 'TLSv1.2', ...options.tls }) : null;
  if (https) {
    https.on('upgrade', server.handleUpgrade);
    await new Promise<void>((resolve, reject) => {
      https.once('error', reject);
      https.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
  }
  const http = https ?? (await server.listen(options.port ?? 0, '127.0.0.1'));
  const port = (http.address() as AddressInfo).port;
  const wait = <T>(check: () => T | undefined, what: string, ms: number): Promise<T> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`CSMS: timed out waiting for ${what}`)), ms);
      const poll = (): void => {
        const v = check();
        if (v !== undefined) {
          clearTimeout(timer);
          resolve(v);
        } else waiters.push(poll);
      };
      poll();
    });
  return {
    url: `${https ? 'wss' : 'ws'}://127.0.0.1:${port}/ocpp`,
    port,
    received,
    frames,
    validationFailures,
    get client() {
      return state.client;
    },
    on: (action, handler) => void overrides.set(action, handler),
    waitFor: (action, predicate = () => true, ms = 10_000, from = 0) =>
      wait(() => received.slice(from).find((r) => r.action === action && predicate(r.params)), action, ms),
    waitForFrame: (predicate, ms = 10_000, from = 0) => wait(() => frames.slice(from).find(predicate), 'a frame', ms),
    since: (from, action) => received.slice(from).filter((r) => action === undefined || r.action === action),
    call: async (action, params = {}, options = {}) => {
      const client = await wait(() => state.client ?? undefined, 'a client', 10_000);
      return client.call(action, params, options);
    },
    waitForClient: (ms = 10_000) => wait(() => state.client ?? undefined, 'a client', ms),
    count: (action) => received.filter((r) => r.action === action).length,
    close: async () => {
      await server.close({ force: true, awaitPending: false } as never);
      if (https) {
        https.closeAllConnections();
        await new Promise<void>((resolve) => https.close(() => resolve()));
      }
    },
  };
}
