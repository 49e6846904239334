// Parses and strictly validates very large incoming OCPP frames off the main thread. A 100,000-entry
// SendLocalList is a 9 MB frame: JSON.parse plus schema validation of it took about 160 ms in one piece on the
// event loop that also runs the pilot, the meter and the API. Here a short-lived worker thread parses and
// validates it and hands the CALL back with its big arrays in slices, one slice per request, so the main
// thread rebuilds it a little at a time between other work.
// Must not: change any answer. A frame the worker does not take (not JSON, not a CALL, failing its schema)
// comes back as `null` and goes through ocpp-rpc's own path, which answers with the exact error code.

import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';

/** Frames at least this long (bytes) are parsed in the worker; smaller ones cost < 5 ms in place. */
export const BIG_FRAME_BYTES = 256 * 1024;
/** Array items per slice handed back (about 1 ms of structured-clone work each). */
const SLICE_ITEMS = 500;

export interface OffloadedCall {
  msgId: string;
  method: string;
  params: Record<string, unknown>;
}

/** The worker's verdict: the CALL it took, or the frame back (the same bytes) for ocpp-rpc's own path. */
export type Offloaded = { call: OffloadedCall } | { call: null; frame: Buffer };

type FromWorker =
  | { kind: 'fallback'; bytes: Uint8Array }
  | { kind: 'head'; msgId: string; method: string; params: Record<string, unknown>; big: string[] }
  | { kind: 'slice'; key: string; items: unknown[] }
  | { kind: 'end' };

// CommonJS worker body (eval). workerData: validatorFile (precompiled 1.6 validators) or rpcRoot (ocpp-rpc's own).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const path = require('node:path');
function makeValidator() {
  if (workerData.validatorFile) {
    const fns = require(workerData.validatorFile);
    return (id, p) => typeof fns[id] === 'function' && fns[id](p) === true;
  }
  const { createValidator } = require(path.join(workerData.rpcRoot, 'lib', 'validator.js'));
  const v = createValidator('ocpp1.6', require(path.join(workerData.rpcRoot, 'lib', 'schemas', 'ocpp1_6.json')));
  return (id, p) => { try { return v.validate(id, p) === true; } catch { return false; } };
}
function take(bytes) {
  let frame;
  try { frame = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')); } catch { return null; }
  if (!Array.isArray(frame) || frame[0] !== 2 || typeof frame[1] !== 'string' || typeof frame[2] !== 'string') return null;
  const params = frame[3];
  if (!params || typeof params !== 'object' || Array.isArray(params)) return null;
  if (!makeValidator()('urn:' + frame[2] + '.req', params)) return null;
  return { msgId: frame[1], method: frame[2], params };
}
parentPort.once('message', (bytes) => {
  const call = take(bytes);
  if (!call) return parentPort.postMessage({ kind: 'fallback', bytes }, [bytes.buffer]);
  const head = {}, big = [], slices = [];
  for (const [k, v] of Object.entries(call.params)) {
    if (Array.isArray(v) && v.length > workerData.slice) { head[k] = []; big.push(k); } else head[k] = v;
  }
  for (const k of big) for (let i = 0; i < call.params[k].length; i += workerData.slice) slices.push({ kind: 'slice', key: k, items: call.params[k].slice(i, i + workerData.slice) });
  slices.push({ kind: 'end' });
  parentPort.postMessage({ kind: 'head', msgId: call.msgId, method: call.method, params: head, big });
  parentPort.on('message', () => parentPort.postMessage(slices.shift() ?? { kind: 'end' }));
});
`;

export interface OffloadPaths {
  /** dist/ocpp16-validators.cjs when the build made it. */
  validatorFile: string | null;
}

export class FrameOffloader {
  private readonly active = new Set<Worker>();
  private readonly rpcRoot = dirname(createRequire(import.meta.url).resolve('ocpp-rpc/package.json'));
  /** Frames taken by the worker (parsed and validated off the main thread). */
  offloaded = 0;

  constructor(private readonly paths: OffloadPaths) {}

  /**
   * Hands the frame to a worker: moved, not copied, when the Buffer owns its memory (ws gives a big frame its
   * own allocation; a 9 MB copy costs 25 ms of page faults on a small machine), else copied.
   */
  parse(frame: Buffer): Promise<Offloaded> {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { validatorFile: this.paths.validatorFile, rpcRoot: this.rpcRoot, slice: SLICE_ITEMS },
    });
    worker.unref();
    this.active.add(worker);
    const owned = frame.byteOffset === 0 && frame.byteLength === frame.buffer.byteLength && !(frame.buffer instanceof SharedArrayBuffer);
    const bytes = owned ? new Uint8Array(frame.buffer) : Uint8Array.from(frame);
    worker.postMessage(bytes, [bytes.buffer as ArrayBuffer]);
    return this.collect(worker).finally(() => {
      this.active.delete(worker);
      void worker.terminate();
    });
  }

  /** Stops any worker still parsing (link shutdown). */
  close(): void {
    for (const w of this.active) void w.terminate();
    this.active.clear();
  }

  private collect(worker: Worker): Promise<Offloaded> {
    return new Promise((resolve, reject) => {
      let call: OffloadedCall | null = null;
      worker.on('error', reject);
      worker.on('exit', () => reject(new Error('frame worker exited early')));
      worker.on('message', (m: FromWorker) => {
        if (m.kind === 'fallback') return resolve({ call: null, frame: Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength) });
        if (m.kind === 'end') {
          if (!call) return reject(new Error('frame worker ended without a call'));
          this.offloaded++;
          return resolve({ call });
        }
        if (m.kind === 'head') call = { msgId: m.msgId, method: m.method, params: m.params };
        else if (call) (call.params[m.key] as unknown[]).push(...m.items);
        setImmediate(() => worker.postMessage('next'));
      });
    });
  }
}
