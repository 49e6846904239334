// The WebSocket link to the CSMS: an ocpp-rpc client in strict mode (every message validated against the
// OCPP 1.6 schemas both ways), one call in flight at a time, keep-alive pings, security profiles 0-3.
// Owns: connecting (the first connect is retried here with backoff; ocpp-rpc reconnects by itself only
// after a first success), the honest `connected` flag, and answering with OCPP 1.6 RPC error codes.
// Must not: know any OCPP action beyond the transport.

import { BIG_FRAME_BYTES, FrameOffloader, type OffloadedCall } from './frame-offload.js';
import { ocpp16Validator, precompiledFile, rpc, type StrictValidator } from './rpc.js';
import type { Clock } from '../../hal/clock.js';
import type { Logger } from '../log.js';

const { RPCClient } = rpc;
type ClientOptions = ConstructorParameters<typeof RPCClient>[0];

export const NOREPLY: symbol = (rpc as unknown as { NOREPLY: symbol }).NOREPLY;

export interface LinkOptions {
  /** CSMS endpoint; the charge point id is appended as the last path segment. */
  url: string;
  identity: string;
  securityProfile: 0 | 1 | 2 | 3;
  password?: string;
  ca?: string;
  cert?: string;
  key?: string;
  pingIntervalMs: number;
  callTimeoutMs: number;
}

/** 2.0.1-only or misspelt codes that ocpp-rpc may send -> the codes of OCPP 1.6 section 4.2.3. */
const OCPP16_ERROR_CODES: Record<string, string> = {
  RpcFrameworkError: 'FormationViolation',
  MessageTypeNotSupported: 'NotSupported',
  FormatViolation: 'FormationViolation',
  OccurrenceConstraintViolation: 'OccurenceConstraintViolation',
};

/** Rewrites an outgoing CALLERROR frame so a 1.6 CSMS gets only error codes it knows. */
export function toOcpp16Frame(message: string): string {
  if (!message.startsWith('[4,')) return message;
  try {
    const frame = JSON.parse(message) as unknown[];
    const code = frame[2];
    if (frame[0] !== 4 || typeof code !== 'string' || !(code in OCPP16_ERROR_CODES)) return message;
    frame[2] = OCPP16_ERROR_CODES[code];
    return JSON.stringify(frame);
  } catch {
    return message;
  }
}

/** ocpp-rpc internals the client below takes over for big frames. */
interface RpcInternals {
  _onMessage(buffer: Buffer): void;
  _onCall(msgId: string, method: string, params: unknown): Promise<void>;
  _badMessagesCount: number;
}
const rpcInternals = RPCClient.prototype as unknown as RpcInternals;

/** Requests already validated by the frame worker against the same schemas (not validated twice). */
const prevalidated = new WeakSet<object>();

/** The strict 1.6 validator, skipping requests the frame worker already validated. */
function strictValidator(): StrictValidator {
  const inner = ocpp16Validator();
  return {
    subprotocol: inner.subprotocol,
    validate: (schemaId, params) =>
      (schemaId.endsWith('.req') && typeof params === 'object' && params !== null && prevalidated.has(params)) || inner.validate(schemaId, params),
  };
}

class Ocpp16Client extends RPCClient {
  /** While true no reply (CALLRESULT or CALLERROR) leaves: Rejected registration stays silent. */
  silent: () => boolean = () => false;
  offloader: FrameOffloader | null = null;
  private parsing = false;
  private readonly held: Buffer[] = [];
  /** Bumped when the socket closes: frames of a closed socket are never answered on the next one. */
  private socketEpoch = 0;

  constructor(options: ClientOptions) {
    super(options);
    // ocpp-rpc's typings declare _onMessage private; the socket handler calls it through `this`.
    (this as unknown as RpcInternals)._onMessage = (buffer) => this.onFrame(buffer);
    this.on('close', () => this.forgetFrames());
    this.on('disconnect', () => this.forgetFrames());
  }

  /** The socket is gone: frames still waiting behind a big one, and the big one being parsed, go with it. */
  forgetFrames(): void {
    this.socketEpoch++;
    this.held.length = 0;
  }

  override sendRaw(message: string): void {
    if ((message.startsWith('[3,') || message.startsWith('[4,')) && this.silent()) return;
    super.sendRaw(toOcpp16Frame(message));
  }

  /** Big frames are parsed off-thread; frames behind one wait for it, so the order never changes. */
  private onFrame(buffer: Buffer): void {
    if (this.parsing) {
      this.held.push(buffer);
      return;
    }
    if (!this.offloader || buffer.length < BIG_FRAME_BYTES) return rpcInternals._onMessage.call(this, buffer);
    this.parsing = true;
    const epoch = this.socketEpoch;
    const bytes = buffer.byteLength;
    this.offloader.parse(buffer).then(
      (r) => {
        if (epoch !== this.socketEpoch) return; // arrived on a socket that has closed since
        if (r.call) this.takeCall(r.call);
        else rpcInternals._onMessage.call(this, r.frame);
      },
      (err: unknown) => {
        if (epoch === this.socketEpoch) this.emit('offloadFailure', { bytes, error: err instanceof Error ? err : new Error(String(err)) });
      },
    ).finally(() => {
      this.parsing = false;
      for (const b of this.held.splice(0)) this.onFrame(b);
    });
  }

  private takeCall({ msgId, method, params }: OffloadedCall): void {
    const self = this as unknown as RpcInternals;
    prevalidated.add(params);
    this.emit('call', { outbound: false, payload: [2, msgId, method, params] });
    void self._onCall.call(this, msgId, method, params);
    self._badMessagesCount = 0;
  }
}

export type CallHandler = (params: unknown) => unknown;

export class OcppLink {
  private readonly client: Ocpp16Client;
  private isOpen = false;
  private stopped = false;
  private firstConnected = false;
  private retryTimer: unknown = null;
  private attempt = 0;
  private readonly openListeners: Array<() => void> = [];
  private readonly closeListeners: Array<() => void> = [];
  private readonly offloader = new FrameOffloader({ validatorFile: precompiledFile() });

  constructor(
    private readonly opts: LinkOptions,
    private readonly deps: { clock: Clock; log: Logger },
  ) {
    const wsOpts: Record<string, unknown> = { minVersion: 'TLSv1.2' };
    if (opts.ca) wsOpts.ca = opts.ca;
    if (opts.cert) wsOpts.cert = opts.cert;
    if (opts.key) wsOpts.key = opts.key;
    const options: Partial<ClientOptions> = {
      endpoint: opts.url,
      identity: opts.identity,
      protocols: ['ocpp1.6'],
      strictMode: true,
      strictModeValidators: [strictValidator()] as unknown as ClientOptions['strictModeValidators'],
      callConcurrency: 1,
      pingIntervalMs: opts.pingIntervalMs,
      callTimeoutMs: opts.callTimeoutMs,
      reconnect: true,
      backoff: { initialDelay: 1000, maxDelay: 60_000, factor: 2, randomisationFactor: 0.25 },
      wsOpts,
      ...(opts.securityProfile === 1 || opts.securityProfile === 2 ? { password: opts.password ?? null } : {}),
    };
    this.client = new Ocpp16Client(options as ClientOptions);
    this.client.offloader = this.offloader;
    this.wire();
  }

  get connected(): boolean {
    return this.isOpen;
  }

  /** Connects; the first connect is retried with backoff until it succeeds or stop() is called. */
  start(): void {
    this.stopped = false;
    this.tryFirstConnect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer !== null) this.deps.clock.clearTimeout(this.retryTimer);
    this.client.forgetFrames();
    this.offloader.close();
    await this.client.close({ code: 1000, reason: 'charge point shutting down', force: true }).catch(() => undefined);
  }

  onOpen(listener: () => void): void {
    this.openListeners.push(listener);
  }

  onClose(listener: () => void): void {
    this.closeListeners.push(listener);
  }

  call<T>(action: string, payload: unknown): Promise<T> {
    return this.client.call(action, payload) as Promise<T>;
  }

  /** Registers the handler of a CSMS-initiated action (return NOREPLY to stay silent). */
  handle(action: string, handler: CallHandler): void {
    this.client.handle(action, async ({ params }) => handler(params) as Record<string, unknown>);
  }

  /** Replies are suppressed while this holds (OCPP 1.6 4.2: Rejected answers nothing). */
  setSilent(silent: () => boolean): void {
    this.client.silent = silent;
  }

  /** Incoming frames parsed and validated off the main thread so far. */
  get offloadedFrames(): number {
    return this.offloader.offloaded;
  }

  /** Changes the keep-alive ping interval live (WebSocketPingInterval). */
  setPingInterval(ms: number): void {
    this.client.reconfigure({ pingIntervalMs: ms } as ClientOptions);
  }

  private tryFirstConnect(): void {
    if (this.stopped || this.firstConnected) return;
    this.client.connect().then(
      () => {
        this.firstConnected = true;
        this.attempt = 0;
      },
      (err: unknown) => {
        if (this.stopped) return;
        const delay = Math.min(60_000, 1000 * 2 ** this.attempt++) * (0.75 + Math.random() * 0.5);
        this.deps.log.warn({ url: this.opts.url, err: describeError(err), retryInS: Math.round(delay / 1000) }, 'CSMS connection failed');
        this.retryTimer = this.deps.clock.setTimeout(() => {
          this.retryTimer = null;
          this.tryFirstConnect();
        }, delay);
      },
    );
  }

  private wire(): void {
    const { log } = this.deps;
    this.client.on('open', () => {
      this.isOpen = true;
      log.info({ url: this.opts.url, securityProfile: this.opts.securityProfile }, 'CSMS connected');
      for (const l of this.openListeners) l();
    });
    this.client.on('disconnect', ({ code, reason }: { code: number; reason: string }) => {
      const was = this.isOpen;
      this.isOpen = false;
      if (was) log.warn({ code, reason: String(reason ?? '') }, 'CSMS link lost; reconnecting');
      if (was) for (const l of this.closeListeners) l();
    });
    this.client.on('close', () => {
      this.isOpen = false;
    });
    this.client.on('badMessage', ({ error }: { error: Error }) => log.warn({ err: error.message }, 'malformed frame from CSMS answered with an error'));
    this.client.on('strictValidationFailure', ({ method, error, outbound }: { method: string; error: Error; outbound: boolean }) =>
      log.error({ action: method, outbound, err: error.message }, 'OCPP schema validation failed'),
    );
    this.client.on('offloadFailure', ({ bytes, error }: { bytes: number; error: Error }) =>
      log.error({ bytes, err: error.message }, 'a large frame from the CSMS was lost: its parser thread failed (the CSMS call gets no answer)'),
    );
    this.client.on('socketError', (err: Error) => log.warn({ err: describeError(err) }, 'CSMS socket error'));
  }
}

/** One readable line for connection errors, TLS ones included (never containing the password). */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: string }).code;
  if (code && /CERT|SELF_SIGNED|UNABLE_TO|ERR_TLS|HOSTNAME/.test(code)) {
    return `TLS: the CSMS certificate was refused (${code}: ${err.message}); check ocpp.caFile and the host name`;
  }
  return code ? `${code}: ${err.message}` : err.message;
}
