/**
 * The admin plane's HTTP/WebSocket server on uWebSockets.js (App, or SSLApp with the [admin.tls] files):
 *
 *   GET /healthz              200 while the process lives
 *   GET /readyz               200 ready | 503 draining or no DC reachable
 *   GET /metrics              Prometheus text (metrics.ts); user names only with a token or
 *                             `admin.metrics_user_labels`
 *   /api/v1/*                 REST routes (router.ts, routes/*.ts), Bearer token or session
 *   WS  /api/v1/events        live security events (event-stream.ts), READ_ONLY and above; foreign Origins
 *                             refused; closed when its credential is revoked or expires
 *
 * Loopback by default; a non-loopback `admin.listen` needs TLS or `admin.allow_insecure_remote = true`.
 * Every request first passes the admin allow list (admin.allow), which is independent of proxy blocks, then
 * the Host guard against DNS rebinding (browser-guard.ts).
 */
import { accessSync, constants } from 'node:fs';
import uWS, { type TemplatedApp, type us_listen_socket } from 'uWebSockets.js';
import type pino from 'pino';
import type { EventBus } from '../events.js';
import { AccessLevel } from '../security/credentials/levels.js';
import type { AdminConfig } from '../config/index.js';
import type { AdminAuthenticator, Principal } from './auth.js';
import { EventStream, type SubscriberData } from './event-stream.js';
import { AdminRequestError, Reply, snapshotRequest, type RequestSnapshot } from './http.js';
import { createBrowserGuard } from './browser-guard.js';
import type { AdminMetrics } from './metrics.js';
import { AdminConfigError, AllowList, isLoopbackHost, normaliseIp, parseListen } from './net.js';
import { admitted, mountRoute, toRequestError, type PipelineDeps, type Route } from './router.js';

export interface AdminServerOptions {
  admin: AdminConfig;
  bus: EventBus;
  routes: Route[];
  auth: AdminAuthenticator;
  metrics: AdminMetrics;
  /** False while draining or while no DC is reachable. */
  isReady(): boolean;
  appendAudit: PipelineDeps['appendAudit'];
  logger?: pino.Logger;
  /** How often live event streams re-check their credential (default 1000 ms). */
  credentialCheckMs?: number;
}

export interface AdminServer {
  host: string;
  port: number;
  tls: boolean;
  /** http(s)://host:port of the listener (IPv6 hosts bracketed). */
  url: string;
  events: EventStream;
  close(): void;
}

/** Refuses a remote listener without TLS unless the operator opted in (which the audit report flags). */
export function checkListenSecurity(admin: AdminConfig): { host: string; port: number; remote: boolean } {
  const { host, port } = parseListen(admin.listen);
  const remote = !isLoopbackHost(host);
  if (remote && !admin.tls && !admin.allowInsecureRemote) {
    throw new AdminConfigError(
      `admin.listen ${admin.listen} is not loopback: configure [admin.tls] cert and key, or set admin.allow_insecure_remote = true`,
      'ERR_ADMIN_INSECURE_LISTEN',
    );
  }
  return { host, port, remote };
}

function createApp(admin: AdminConfig): TemplatedApp {
  if (!admin.tls) return uWS.App();
  for (const [key, file] of [['cert', admin.tls.cert], ['key', admin.tls.key]] as const) {
    try {
      accessSync(file, constants.R_OK);
    } catch {
      throw new AdminConfigError(`admin.tls.${key}: cannot read ${file}`, 'ERR_ADMIN_TLS');
    }
  }
  return uWS.SSLApp({ cert_file_name: admin.tls.cert, key_file_name: admin.tls.key, passphrase: admin.tls.passphrase });
}

export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const { admin, logger } = options;
  const { host, port } = checkListenSecurity(admin);
  const allow = new AllowList(admin.allow);
  const guard = createBrowserGuard(admin, host);
  const app = createApp(admin);
  const events = new EventStream(options.bus, { queueLimit: admin.eventsQueue });
  const recheckStreams = () => events.recheck((credential) => options.auth.isLive(credential));
  // Expiry happens with no request to notice it: streams re-check their credential on a timer too.
  const recheckTimer = setInterval(recheckStreams, options.credentialCheckMs ?? 1000);
  recheckTimer.unref();

  const plain = (pattern: string, handler: (reply: Reply, request: RequestSnapshot) => void | Promise<void>) => {
    app.get(pattern, (res, req) => {
      const request = snapshotRequest(res, req, 0);
      const reply = new Reply(res);
      if (!admitted(request, reply, { allow, guard })) return;
      Promise.resolve(handler(reply, request)).catch((err: unknown) => {
        const mapped = toRequestError(err);
        if (mapped) return reply.error(mapped);
        logger?.error({ err }, `admin: ${pattern} failed`);
        reply.error(new AdminRequestError(500, 'ERR_ADMIN_INTERNAL', 'internal error (see the server log)'));
      });
    });
  };

  let draining = false;
  const onDraining = () => {
    draining = true;
  };
  options.bus.on('server.draining', onDraining);

  plain('/healthz', (reply) => reply.json(200, { status: 'ok' }));
  plain('/readyz', (reply) => {
    const ready = !draining && options.isReady();
    reply.json(ready ? 200 : 503, { status: ready ? 'ready' : draining ? 'draining' : 'not ready' });
  });
  // No token needed (scrapers); user names are operator data, so they need a token or the operator's opt-in.
  plain('/metrics', async (reply, request) => {
    let userLabels = admin.metricsUserLabels;
    if (request.authorization !== '') {
      const principal = await options.auth.authenticate(request.authorization, request.ip);
      userLabels ||= principal.level >= AccessLevel.READ_ONLY;
    }
    reply.text(200, await options.metrics.render({ userLabels }), options.metrics.contentType);
  });

  const deps: PipelineDeps = {
    allow,
    guard,
    auth: options.auth,
    maxBody: admin.maxBodyBytes,
    appendAudit: (principal, change, ip) => {
      options.appendAudit(principal, change, ip);
      recheckStreams(); // a revoked token or session ends its streams now, not at the next tick
    },
    onError: (err, where) => logger?.error({ err }, `admin: ${where} failed`),
  };
  for (const route of options.routes) mountRoute(app, route, deps);

  app.ws<SubscriberData>('/api/v1/events', {
    maxPayloadLength: 4 * 1024,
    idleTimeout: 120,
    sendPingsAutomatically: true,
    maxBackpressure: 1024 * 1024,
    upgrade: (res, req, context) => {
      const ip = normaliseIp(Buffer.from(res.getRemoteAddressAsText()).toString());
      const headerAuth = req.getHeader('authorization');
      const queryToken = new URLSearchParams(req.getQuery() ?? '').get('token');
      const authorization = headerAuth !== '' ? headerAuth : queryToken ? `Bearer ${queryToken}` : '';
      const key = req.getHeader('sec-websocket-key');
      const protocol = req.getHeader('sec-websocket-protocol');
      const extensions = req.getHeader('sec-websocket-extensions');
      const requestHost = req.getHeader('host');
      const origin = req.getHeader('origin');
      const reply = new Reply(res);
      if (!admitted({ ip, host: requestHost }, reply, { allow, guard })) return;
      if (!guard.originAllowed(origin, requestHost)) {
        reply.error(new AdminRequestError(403, 'ERR_ADMIN_ORIGIN_REFUSED', 'Origin not allowed (admin.allowed_origins)'), true);
        return;
      }
      options.auth
        .authenticate(authorization, ip)
        .then((principal: Principal) => {
          if (principal.level < AccessLevel.READ_ONLY) throw new AdminRequestError(403, 'ERR_ADMIN_FORBIDDEN', 'needs read_only');
          if (reply.aborted) return;
          reply.done = true;
          const data: SubscriberData = { principal: principal.actor, credential: principal.credential };
          res.cork(() => res.upgrade<SubscriberData>(data, key, protocol, extensions, context));
        })
        .catch((err: unknown) => {
          const mapped = toRequestError(err) ?? new AdminRequestError(500, 'ERR_ADMIN_INTERNAL', 'internal error');
          reply.error(mapped, true);
        });
    },
    open: (ws) => events.attach(ws),
    drain: (ws) => events.drained(ws),
    close: (ws) => events.detach(ws),
  });

  app.any('/*', (res, req) => {
    const reply = new Reply(res);
    const request = snapshotRequest(res, req, 0);
    if (!admitted(request, reply, { allow, guard })) return;
    reply.error(new AdminRequestError(404, 'ERR_ADMIN_NO_ROUTE', `no route ${request.method} ${request.path}`));
  });

  const listenSocket = await new Promise<us_listen_socket>((resolve, reject) => {
    app.listen(host, port, (socket) => {
      if (socket) resolve(socket);
      else reject(new AdminConfigError(`admin plane cannot listen on ${admin.listen}`, 'ERR_ADMIN_LISTEN'));
    });
  });
  const boundPort = uWS.us_socket_local_port(listenSocket as unknown as uWS.us_socket);
  const tls = admin.tls !== undefined;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  logger?.info({ host, port: boundPort, tls }, 'admin plane listening');

  let closed = false;
  return {
    host,
    port: boundPort,
    tls,
    url: `${tls ? 'https' : 'http'}://${urlHost}:${boundPort}`,
    events,
    close() {
      if (closed) return;
      closed = true;
      clearInterval(recheckTimer);
      options.bus.off('server.draining', onDraining);
      events.close();
      uWS.us_listen_socket_close(listenSocket);
      (app as unknown as { close?: () => void }).close?.();
    },
  };
}
