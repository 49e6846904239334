// A real CSMS on loopback for tests: ocpp-rpc's RPCServer in strict mode, which validates every message
// the controller sends against the official OCPP 1.6 schemas. Records calls; handlers are overridable.

import type { AddressInfo } from 'node:net';
import rpc from 'ocpp-rpc';

type ServerClient = { identity: string; call(method: string, params?: unknown): Promise<unknown>; handle(method: string | ((a: any) => unknown), h?: (a: any) => unknown): void; close(o?: object): Promise<unknown>; sendRaw(m: string): void; on(e: string, l: (...a: any[]) => void): void };

export interface Received {
  action: string;
  params: any;
  at: number;
}

export interface TestCsms {
  url: string;
  port: number;
  received: Received[];
  validationFailures: unknown[];
  client: ServerClient | null;
  /** Overrides the answer to an action (return a value, or throw an RPC error). */
  on(action: string, handler: (params: any) => unknown): void;
  waitFor(action: string, predicate?: (params: any) => boolean, ms?: number): Promise<Received>;
  waitForClient(ms?: number): Promise<ServerClient>;
  count(action: string): number;
  close(): Promise<void>;
}

let nextTransactionId = 1000;

export async function startCsms(options: { port?: number } = {}): Promise<TestCsms> {
  const server = new rpc.RPCServer({ protocols: ['ocpp1.6'], strictMode: true, pingIntervalMs: 0 } as never);
  const received: Received[] = [];
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
  const http = await server.listen(options.port ?? 0, '127.0.0.1');
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
    url: `ws://127.0.0.1:${port}/ocpp`,
    port,
    received,
    validationFailures,
    get client() {
      return state.client;
    },
    on: (action, handler) => void overrides.set(action, handler),
    waitFor: (action, predicate = () => true, ms = 10_000) =>
      wait(() => received.find((r) => r.action === action && predicate(r.params)), action, ms),
    waitForClient: (ms = 10_000) => wait(() => state.client ?? undefined, 'a client', ms),
    count: (action) => received.filter((r) => r.action === action).length,
    close: async () => {
      await server.close({ force: true, awaitPending: false } as never);
    },
  };
}
