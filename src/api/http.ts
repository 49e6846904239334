// Small HTTP helpers for the local API: JSON bodies with a size cap, JSON replies, typed request errors.
// Must not: know routes.

import type { IncomingMessage, ServerResponse } from 'node:http';

const MAX_BODY = 16 * 1024;

/** A client mistake: becomes a 4xx reply with a JSON error naming the field. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** A handler's answer that is not JSON (e.g. a CSV download): sent as is with its headers. */
export class RawReply {
  constructor(
    readonly body: string,
    readonly headers: Record<string, string>,
    readonly status = 200,
  ) {}
}

export function sendRaw(res: ServerResponse, reply: RawReply): void {
  res.writeHead(reply.status, { ...reply.headers, 'content-length': Buffer.byteLength(reply.body) });
  res.end(reply.body);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new ApiError(413, `request body larger than ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ApiError(400, `request body is not valid JSON: ${(err as Error).message}`);
  }
}

/** Reads a required field of an object body, checking its type. */
export function field<T>(body: unknown, name: string, check: (v: unknown) => v is T, expected: string): T {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError(400, 'request body must be a JSON object');
  }
  const value = (body as Record<string, unknown>)[name];
  if (value === undefined) throw new ApiError(400, `${name} is required (${expected})`, name);
  if (!check(value)) throw new ApiError(400, `${name} must be ${expected}, got ${JSON.stringify(value)}`, name);
  return value;
}

export const isString = (v: unknown): v is string => typeof v === 'string';
export const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';
export const isPositiveInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1;
export const oneOf =
  <T extends string>(values: readonly T[]) =>
  (v: unknown): v is T =>
    typeof v === 'string' && (values as readonly string[]).includes(v);
