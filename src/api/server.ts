// Local HTTP API on 127.0.0.1: status for installers and the CLI, plus the simulator's control surface.
// Owns: routing and request validation. Must not: crash on any request (every error becomes a JSON reply),
// or be reachable from other hosts by default.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SimControl } from '../../hal/sim/index.js';
import type { Controller } from '../controller.js';
import type { Logger } from '../log.js';
import { ApiError, RawReply, sendJson, sendRaw } from './http.js';
import { sessionRoutes } from './sessions-routes.js';
import { simRoutes } from './sim-routes.js';

export type Handler = (req: IncomingMessage, params: string[]) => Promise<unknown> | unknown;

export interface Route {
  method: 'GET' | 'POST';
  pattern: RegExp;
  handler: Handler;
}

export interface ApiOptions {
  host: string;
  port: number;
  controller: Controller;
  sim: SimControl | null;
  log: Logger;
}

export function buildRoutes(ctl: Controller, sim: SimControl | null): Route[] {
  const routes: Route[] = [
    { method: 'GET', pattern: /^\/api\/status$/, handler: () => ctl.status() },
    { method: 'GET', pattern: /^\/api\/health$/, handler: () => ({ ok: true }) },
    ...sessionRoutes(ctl.transactions.store.db),
  ];
  if (sim) routes.push(...simRoutes(ctl, sim));
  return routes;
}

export async function startApi(opts: ApiOptions): Promise<{ server: Server; port: number }> {
  const routes = buildRoutes(opts.controller, opts.sim);
  const server = createServer((req, res) => {
    void handle(routes, req, res, opts.log);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}

async function handle(routes: Route[], req: IncomingMessage, res: ServerResponse, log: Logger): Promise<void> {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  try {
    const matching = routes.filter((r) => r.pattern.test(path));
    if (matching.length === 0) throw new ApiError(404, `no such endpoint: ${path}`);
    const route = matching.find((r) => r.method === req.method);
    if (!route) {
      res.setHeader('allow', matching.map((r) => r.method).join(', '));
      throw new ApiError(405, `${req.method} not allowed on ${path}`);
    }
    const params = route.pattern.exec(path)?.slice(1) ?? [];
    const result = await route.handler(req, params);
    if (result instanceof RawReply) sendRaw(res, result);
    else sendJson(res, 200, result);
  } catch (err) {
    if (err instanceof ApiError) {
      sendJson(res, err.status, { error: err.message, ...(err.field ? { field: err.field } : {}) });
      return;
    }
    log.error({ err, path }, 'API handler failed');
    sendJson(res, 500, { error: 'internal error' });
  }
}
