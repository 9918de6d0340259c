/**
 * HTTP plumbing over uWebSockets.js (https://unetworking.github.io/uWebSockets.js/generated/): uWS hands a
 * stack-allocated request that is only valid until the handler returns, and a response that must either be
 * answered or told about aborts (`onAborted`) before any await. So every route first snapshots what it needs
 * (`snapshotRequest`), starts reading the body at once (`readBody`, capped, reading stops at the cap), and
 * answers later through `reply`, corked, and only if the client is still there.
 */
import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import { MtShieldError } from '../errors.js';
import { normaliseIp } from './net.js';

export class AdminRequestError extends MtShieldError {
  readonly status: number;
  readonly field?: string;
  /** Seconds for a Retry-After header (429). */
  retryAfterSeconds?: number;

  constructor(status: number, code: string, message: string, field?: string) {
    super(code, message);
    this.status = status;
    this.field = field;
  }
}

export interface RequestSnapshot {
  method: string;
  path: string;
  query: URLSearchParams;
  params: string[];
  authorization: string;
  /** Host header ('' when absent), for the DNS rebinding guard (browser-guard.ts). */
  host: string;
  contentLength: number | undefined;
  ip: string;
}

const STATUS_TEXT: Record<number, string> = {
  200: 'OK', 201: 'Created', 204: 'No Content', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden',
  404: 'Not Found', 409: 'Conflict', 429: 'Too Many Requests', 500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function statusLine(status: number): string {
  return `${status} ${STATUS_TEXT[status] ?? 'Status'}`;
}

/** Everything a handler needs from `req`/`res`, copied before the first await. */
export function snapshotRequest(res: HttpResponse, req: HttpRequest, paramCount: number): RequestSnapshot {
  const params: string[] = [];
  for (let i = 0; i < paramCount; i++) params.push(safeDecode(req.getParameter(i) ?? ''));
  const lengthHeader = req.getHeader('content-length');
  return {
    method: req.getMethod().toUpperCase(),
    path: req.getUrl(),
    query: new URLSearchParams(req.getQuery() ?? ''),
    params,
    authorization: req.getHeader('authorization'),
    host: req.getHeader('host'),
    contentLength: lengthHeader === '' ? undefined : Number(lengthHeader),
    ip: normaliseIp(Buffer.from(res.getRemoteAddressAsText()).toString()),
  };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** A response that remembers whether the client went away or was already answered. */
export class Reply {
  aborted = false;
  done = false;
  private readonly abortListeners: (() => void)[] = [];

  constructor(readonly res: HttpResponse) {
    res.onAborted(() => {
      this.aborted = true;
      for (const listener of this.abortListeners) listener();
    });
  }

  /** uWS takes one onAborted handler per response; this fans it out. */
  onAbort(listener: () => void): void {
    this.abortListeners.push(listener);
  }

  json(status: number, body: unknown, closeConnection = false): void {
    this.send(status, body === undefined ? undefined : JSON.stringify(body), 'application/json; charset=utf-8', closeConnection);
  }

  text(status: number, body: string, contentType: string): void {
    this.send(status, body, contentType, false);
  }

  error(err: AdminRequestError, closeConnection = false): void {
    const body: Record<string, unknown> = { error: err.code, message: err.message };
    if (err.field !== undefined) body.field = err.field;
    const headers = err.retryAfterSeconds === undefined ? undefined : { 'retry-after': String(err.retryAfterSeconds) };
    this.send(err.status, JSON.stringify(body), 'application/json; charset=utf-8', closeConnection, headers);
  }

  private send(status: number, body: string | undefined, contentType: string, closeConnection: boolean, headers?: Record<string, string>): void {
    if (this.aborted || this.done) return;
    this.done = true;
    this.res.cork(() => {
      this.res.writeStatus(statusLine(status));
      for (const [name, value] of Object.entries(headers ?? {})) this.res.writeHeader(name, value);
      if (body === undefined) {
        this.res.end(undefined, closeConnection);
        return;
      }
      this.res.writeHeader('content-type', contentType);
      this.res.writeHeader('cache-control', 'no-store');
      this.res.end(body, closeConnection);
    });
  }
}

/**
 * Reads the request body up to `maxBytes`. A declared or actual length above the cap rejects with a 400
 * and the caller closes the connection (reading stops there; nothing is parsed, nothing changes).
 */
export function readBody(reply: Reply, contentLength: number | undefined, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tooLarge = () =>
      new AdminRequestError(400, 'ERR_ADMIN_BODY_TOO_LARGE', `request body larger than ${maxBytes} bytes`, 'body');
    if (contentLength !== undefined && contentLength > maxBytes) {
      reject(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let total = 0;
    let finished = false;
    reply.onAbort(() => {
      if (finished) return;
      finished = true;
      reject(new AdminRequestError(400, 'ERR_ADMIN_ABORTED', 'client went away mid-body', 'body'));
    });
    reply.res.onData((chunk, isLast) => {
      if (finished) return;
      total += chunk.byteLength;
      if (total > maxBytes) {
        finished = true;
        reject(tooLarge());
        return;
      }
      chunks.push(Buffer.from(chunk.slice(0))); // copy: the ArrayBuffer is neutered after return
      if (isLast) {
        finished = true;
        resolve(Buffer.concat(chunks, total));
      }
    });
  });
}

/** Body bytes → JSON value; an empty body reads as `{}` so optional bodies validate by schema alone. */
export function parseJsonBody(bytes: Buffer): unknown {
  if (bytes.length === 0) return {};
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new AdminRequestError(400, 'ERR_ADMIN_BAD_JSON', `malformed JSON: ${(err as Error).message}`, 'body');
  }
}
