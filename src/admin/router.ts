/**
 * The /api/v1 request pipeline, the same for every route:
 *
 *   snapshot req → admin allow list (403) → Host guard (403) → start reading the body (capped) → credentials (401 / 429)
 *   → level (403) → JSON + zod strict schema (400 naming the field) → handler → audit the change → reply
 *
 * A route declares its method, pattern, minimum level and body schema; handlers never see unvalidated
 * input and nothing changes before validation passed. Errors map to statuses by their stable codes.
 */
import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { z } from 'zod';
import { isMtShieldError } from '../errors.js';
import { AccessLevel, levelName } from '../security/credentials/levels.js';
import { AdminRequestError, Reply, parseJsonBody, readBody, snapshotRequest, type RequestSnapshot } from './http.js';
import type { AdminAuthenticator, Principal } from './auth.js';
import type { AllowList } from './net.js';
import type { BrowserGuard } from './browser-guard.js';

export interface RouteResult {
  status: number;
  body?: unknown;
  /** Set on every state change: appended to the audit log under the principal's name. */
  audit?: { type: string; message?: string; ip?: string; user?: string; details?: Record<string, unknown> };
}

export interface RouteCall<Body> {
  principal: Principal;
  body: Body;
  request: RequestSnapshot;
}

export interface Route<Body = unknown> {
  method: 'get' | 'post' | 'put' | 'del';
  /** uWS pattern, e.g. "/api/v1/users/:name" (parameters arrive URL-decoded in `request.params`). */
  pattern: string;
  level: AccessLevel;
  body?: z.ZodType<Body>;
  handler(call: RouteCall<Body>): RouteResult | Promise<RouteResult>;
}

/** Helps TypeScript infer each route's body type from its schema. */
export function route<Body>(definition: Route<Body>): Route<unknown> {
  return definition as unknown as Route<unknown>;
}

export interface PipelineDeps {
  allow: AllowList;
  guard: BrowserGuard;
  auth: AdminAuthenticator;
  maxBody: number;
  appendAudit(principal: Principal, change: NonNullable<RouteResult['audit']>, ip: string): void;
  onError(err: unknown, route: string): void;
}

/** zod issues → a 400 naming the first offending field ("limits.max_connections", "body"). */
export function validationError(error: z.ZodError): AdminRequestError {
  const issue = error.issues[0]!;
  let field = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') field = [...issue.path.map(String), issue.keys[0]].filter(Boolean).join('.');
  field ||= 'body';
  return new AdminRequestError(400, 'ERR_ADMIN_INVALID', `${field}: ${issue.message}`, field);
}

/** Stable error codes of other parts → HTTP statuses. */
export function toRequestError(err: unknown): AdminRequestError | undefined {
  if (err instanceof AdminRequestError) return err;
  if (err instanceof z.ZodError) return validationError(err);
  if (!isMtShieldError(err)) return undefined;
  const field = (err as { field?: string }).field;
  const code = err.code;
  if (code === 'ERR_SECURITY_UNAUTHORIZED') return new AdminRequestError(401, code, err.message);
  if (code === 'ERR_SECURITY_FORBIDDEN') return new AdminRequestError(403, code, err.message);
  if (code === 'ERR_SECURITY_RATE_LIMITED') return new AdminRequestError(429, code, err.message);
  if (/NOT_FOUND|UNKNOWN$/.test(code)) return new AdminRequestError(404, code, err.message, field);
  if (/EXISTS|CONFLICT/.test(code)) return new AdminRequestError(409, code, err.message, field);
  if (code === 'ERR_SECURITY_UNAVAILABLE') return new AdminRequestError(503, code, err.message);
  if (/INVALID|BAD|PARSE|LEVEL|POLICY|SWAP_REFUSED|SELFTEST|^ERR_PROTOCOL_SECRET|^ERR_PROXY_USER_(NAME|SECRET)/.test(code)) {
    return new AdminRequestError(400, code, err.message, field);
  }
  return undefined;
}

/**
 * The checks before anything else, on every request and upgrade: the admin allow list, then the Host guard.
 * Answers 403 (closing the connection) and returns false when either refuses.
 */
export function admitted(request: Pick<RequestSnapshot, 'ip' | 'host'>, reply: Reply, deps: Pick<PipelineDeps, 'allow' | 'guard'>): boolean {
  if (!deps.allow.allows(request.ip)) {
    reply.error(new AdminRequestError(403, 'ERR_ADMIN_NOT_ALLOWED', 'address not in admin.allow'), true);
    return false;
  }
  if (!deps.guard.hostAllowed(request.host)) {
    reply.error(new AdminRequestError(403, 'ERR_ADMIN_HOST_REFUSED', 'Host not allowed (admin.allowed_hosts)'), true);
    return false;
  }
  return true;
}

export function mountRoute(app: TemplatedApp, definition: Route, deps: PipelineDeps): void {
  const paramCount = (definition.pattern.match(/\/:/g) ?? []).length;
  const readsBody = definition.body !== undefined;
  app[definition.method](definition.pattern, (res: HttpResponse, req: HttpRequest) => {
    const request = snapshotRequest(res, req, paramCount);
    const reply = new Reply(res);
    if (!admitted(request, reply, deps)) return;
    const body: BodyState = { settled: !readsBody, promise: Promise.resolve(Buffer.alloc(0)) };
    if (readsBody) {
      body.promise = readBody(reply, request.contentLength, deps.maxBody);
      body.promise.then(
        () => (body.settled = true),
        () => (body.settled = true), // observed in handle(); no unhandled rejection while auth runs
      );
    }
    void handle(definition, request, reply, body, deps);
  });
}

interface BodyState {
  promise: Promise<Buffer>;
  /** False while body bytes are still arriving. */
  settled: boolean;
}

async function handle(definition: Route, request: RequestSnapshot, reply: Reply, bodyState: BodyState, deps: PipelineDeps): Promise<void> {
  try {
    const principal = await deps.auth.authenticate(request.authorization, request.ip);
    if (principal.level < definition.level) {
      throw new AdminRequestError(403, 'ERR_ADMIN_FORBIDDEN', `needs ${levelName(definition.level)}, have ${levelName(principal.level)}`);
    }
    let body: unknown = undefined;
    if (definition.body) {
      let bytes: Buffer;
      try {
        bytes = await bodyState.promise;
      } catch (err) {
        reply.error(err as AdminRequestError, true); // stop reading an oversized body: close after answering
        return;
      }
      const parsed = definition.body.safeParse(parseJsonBody(bytes));
      if (!parsed.success) throw validationError(parsed.error);
      body = parsed.data;
    }
    const result = await definition.handler({ principal, body, request });
    if (result.audit) deps.appendAudit(principal, result.audit, request.ip);
    reply.json(result.status, result.status === 204 ? undefined : result.body);
  } catch (err) {
    const mapped = toRequestError(err);
    if (mapped) {
      // Unread body bytes would otherwise sit in front of the next request on a keep-alive connection.
      reply.error(mapped, !bodyState.settled || mapped.code === 'ERR_ADMIN_BODY_TOO_LARGE');
      return;
    }
    deps.onError(err, `${definition.method.toUpperCase()} ${definition.pattern}`);
    reply.error(new AdminRequestError(500, 'ERR_ADMIN_INTERNAL', 'internal error (see the server log)'));
  }
}

export { AccessLevel };
