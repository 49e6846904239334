// Loads ocpp-rpc for OCPP 1.6 only. ocpp-rpc builds validators for 1.6, 2.0.1 and 2.1 when it is first
// required (1.6 MB of schemas, about 120 ms of a Pi's start-up); this charge point speaks 1.6, so the
// 2.x schema files are served as empty lists from the module cache and only the 1.6 validator is built.
// Must not: change how 1.6 messages are validated.

import { createRequire, Module } from 'node:module';
import { dirname, join } from 'node:path';
import type * as OcppRpcModule from 'ocpp-rpc';

type OcppRpc = typeof OcppRpcModule;

const require = createRequire(import.meta.url);
const root = dirname(require.resolve('ocpp-rpc/package.json'));
const cache = (Module as unknown as { _cache: Record<string, unknown> })._cache;
for (const unused of ['ocpp2_0_1.json', 'ocpp2_1.json']) {
  const file = join(root, 'lib', 'schemas', unused);
  if (cache[file]) continue;
  const stub = new Module(file);
  Object.assign(stub, { filename: file, loaded: true, exports: [] });
  cache[file] = stub;
}

export const rpc: OcppRpc = require('ocpp-rpc') as OcppRpc;
