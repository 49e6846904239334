// Loads ocpp-rpc without its start-up cost. ocpp-rpc compiles validators for OCPP 1.6, 2.0.1 and 2.1 with
// Ajv when it is first required (about 150 ms of a start, more on a Pi). Here its standard validators are
// replaced by lazy ones (compiled by ocpp-rpc itself on first use, for any other user in the process), and
// the charge point validates with the 1.6 schemas precompiled at build time (scripts/build-ocpp16-
// validators.cjs). Must not: change how 1.6 messages are validated (same schemas, same error codes).

import { existsSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as OcppRpcModule from 'ocpp-rpc';

type OcppRpc = typeof OcppRpcModule;
type ValidateFn = ((data: unknown) => boolean) & { errors?: { keyword: string; instancePath: string; message?: string }[] | null };

export interface StrictValidator {
  readonly subprotocol: string;
  validate(schemaId: string, params: unknown): boolean;
}

const require = createRequire(import.meta.url);
const root = dirname(require.resolve('ocpp-rpc/package.json'));
const cache = (Module as unknown as { _cache: Record<string, unknown> })._cache;

function lazyStandard(subprotocol: string, schemaFile: string): StrictValidator {
  let real: StrictValidator | null = null;
  return {
    subprotocol,
    validate(schemaId, params) {
      if (!real) {
        const { createValidator } = require(join(root, 'lib', 'validator.js')) as { createValidator: (p: string, json: unknown) => StrictValidator };
        real = createValidator(subprotocol, require(join(root, 'lib', 'schemas', schemaFile)));
      }
      return real.validate(schemaId, params);
    },
  };
}

const standardFile = join(root, 'lib', 'standard-validators.js');
if (!cache[standardFile]) {
  const stub = new Module(standardFile);
  const exports = [lazyStandard('ocpp1.6', 'ocpp1_6.json'), lazyStandard('ocpp2.0.1', 'ocpp2_0_1.json'), lazyStandard('ocpp2.1', 'ocpp2_1.json')];
  Object.assign(stub, { filename: standardFile, loaded: true, exports });
  cache[standardFile] = stub;
}

export const rpc: OcppRpc = require('ocpp-rpc') as OcppRpc;

/** ocpp-rpc's mapping from the failing JSON-schema keyword to the OCPP-J error code. */
const ERROR_CODE: Record<string, string> = {
  maximum: 'FormatViolation',
  minimum: 'FormatViolation',
  maxLength: 'FormatViolation',
  minLength: 'FormatViolation',
  exclusiveMaximum: 'OccurenceConstraintViolation',
  exclusiveMinimum: 'OccurenceConstraintViolation',
  multipleOf: 'OccurenceConstraintViolation',
  maxItems: 'OccurenceConstraintViolation',
  minItems: 'OccurenceConstraintViolation',
  maxProperties: 'OccurenceConstraintViolation',
  minProperties: 'OccurenceConstraintViolation',
  additionalItems: 'OccurenceConstraintViolation',
  required: 'OccurenceConstraintViolation',
  pattern: 'PropertyConstraintViolation',
  propertyNames: 'PropertyConstraintViolation',
  additionalProperties: 'PropertyConstraintViolation',
  type: 'TypeConstraintViolation',
};

/** The build's precompiled 1.6 validators (dist/ocpp16-validators.cjs), found from the package root. */
export function precompiledFile(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) {
      const file = join(dir, 'dist', 'ocpp16-validators.cjs');
      return existsSync(file) ? file : null;
    }
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

/** The 1.6 strict-mode validator: precompiled when the build made it, else ocpp-rpc's own (compiled lazily). */
export function ocpp16Validator(): StrictValidator {
  const file = precompiledFile();
  if (!file) return lazyStandard('ocpp1.6', 'ocpp1_6.json');
  const fns = require(file) as Record<string, ValidateFn>;
  return {
    subprotocol: 'ocpp1.6',
    validate(schemaId, params) {
      const fn = fns[schemaId];
      if (!fn) throw rpc.createRPCError('ProtocolError', `Schema '${schemaId}' is missing from subprotocol schema 'ocpp1.6'`);
      if (fn(params)) return true;
      const errors = fn.errors ?? [];
      const text = errors.map((e) => `data${e.instancePath} ${e.message ?? ''}`).join(', ');
      throw rpc.createRPCError(ERROR_CODE[errors[0]?.keyword ?? ''] ?? 'FormatViolation', text, { errors, data: params });
    },
  };
}
