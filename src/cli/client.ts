// Tiny fetch-based HTTP client for the controller's local API (127.0.0.1): base URL, JSON in and out,
// and turning transport and HTTP failures into two error classes the CLI can print as one line.
// Must not: print, exit, know any endpoint or payload shape, or retry (a CLI call is one request).

export const DEFAULT_TIMEOUT_MS = 5000;

/** The controller answered with a non-2xx status; `message` is the body's `error` when there is one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** No HTTP answer at all: connection refused, unknown host, reset, or no reply within the timeout. */
export class ControllerUnreachableError extends Error {
  constructor(
    readonly baseUrl: string,
    /** Set when the connection may exist but no answer came within this many milliseconds. */
    readonly timedOutAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(
      timedOutAfterMs !== undefined
        ? `the controller at ${baseUrl} did not answer within ${timedOutAfterMs} ms`
        : `cannot reach the controller at ${baseUrl} (is it running? start it with npm start)`,
      options,
    );
    this.name = 'ControllerUnreachableError';
  }
}

export interface ApiClient {
  readonly baseUrl: string;
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
}

export interface ClientOptions {
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/** `baseUrl` must already be a valid http(s) URL; a trailing slash is ignored. */
export function createClient(baseUrl: string, options: ClientOptions = {}): ApiClient {
  const base = baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const init: RequestInit = {
      method,
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    };
    if (body !== undefined) {
      init.headers = { accept: 'application/json', 'content-type': 'application/json' };
      init.body = JSON.stringify(body);
    }
    let response: Response;
    try {
      response = await doFetch(base + path, init);
    } catch (cause) {
      throw new ControllerUnreachableError(base, isTimeout(cause) ? timeoutMs : undefined, { cause });
    }
    return readResponse<T>(response, path);
  }

  return {
    baseUrl: base,
    get: (path) => request('GET', path),
    post: (path, body) => request('POST', path, body),
  };
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

async function readResponse<T>(response: Response, path: string): Promise<T> {
  const text = await response.text();
  const json = parseJson(text);
  if (!response.ok) {
    throw httpError(response, json);
  }
  if (json === undefined && text.trim() !== '') {
    throw new ApiError(response.status, `unexpected non-JSON answer from ${path}`);
  }
  return (json ?? null) as T;
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function httpError(response: Response, json: unknown): ApiError {
  if (typeof json === 'object' && json !== null) {
    const { error, field } = json as { error?: unknown; field?: unknown };
    if (typeof error === 'string' && error !== '') {
      return new ApiError(response.status, error, typeof field === 'string' ? field : undefined);
    }
  }
  const reason = response.statusText ? ` ${response.statusText}` : '';
  return new ApiError(response.status, `HTTP ${response.status}${reason}`);
}
