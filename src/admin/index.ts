/**
 * The admin plane (docs/admin-api.md): `startAdmin()` assembles metrics, credentials, the /api/v1 routes and
 * the event stream on one uWebSockets.js server. Admin actions and failed logins go to the security layer's
 * hash-chained audit log under the principal's token name (never the token).
 */
import { readFileSync } from 'node:fs';
import type pino from 'pino';
import { packagePath } from '../util/paths.js';
import { createAuthenticator } from './auth.js';
import type { AdminConfig } from '../config/index.js';
import type { AdminContext, KernelsPort, ProxyPort } from './deps.js';
import type { EventStream } from './event-stream.js';
import { createMetrics, type AdminMetrics } from './metrics.js';
import type { Route } from './router.js';
import { checkListenSecurity, startAdminServer, type AdminServer } from './server.js';
import { AdminConfigError } from './net.js';
import { aclRoutes } from './routes/acl.js';
import { auditRoutes } from './routes/audit.js';
import { blockRoutes } from './routes/blocks.js';
import { kernelRoutes } from './routes/kernels.js';
import { policyRoutes } from './routes/policies.js';
import { sessionRoutes } from './routes/sessions.js';
import { statsRoutes } from './routes/stats.js';
import { userRoutes } from './routes/users.js';

export interface StartAdminOptions extends AdminContext {
  logger?: pino.Logger;
  version?: string;
  /** Process metrics (heap, CPU, GC) in /metrics; default on. */
  processMetrics?: boolean;
  /** Bytes through the relay tunnel's record crypto per suite, backend and direction (an entry's and an exit's). */
  relayBytes?: () => readonly { suite: string; backend: string; direction: string; bytes: number }[];
}

export interface AdminPlane extends AdminServer {
  metrics: AdminMetrics;
}

export function adminRoutes(ctx: AdminContext, events: () => EventStream | undefined): Route[] {
  return [
    ...statsRoutes(ctx, events),
    ...userRoutes(ctx),
    ...blockRoutes(ctx),
    ...aclRoutes(ctx),
    ...policyRoutes(ctx),
    ...sessionRoutes(ctx),
    ...auditRoutes(ctx),
    ...kernelRoutes(ctx),
  ];
}

const KERNEL_INFO_SIZE = 16384; // a full TLS record: the size class the relay mostly works at

/** The version in package.json (mtshield_build_info), "unknown" when it cannot be read. */
function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** True unless `admin.listen = "off"`. */
export function adminEnabled(admin: AdminConfig): boolean {
  return admin.listen.trim().toLowerCase() !== 'off';
}

export async function startAdmin(options: StartAdminOptions): Promise<AdminPlane> {
  const { config, bus, security, logger } = options;
  const admin = config.admin;
  // The strong_auth policy has the last word on a remote listener that the config allowed without TLS.
  const { remote } = checkListenSecurity(admin);
  const verdict = security.auth.checkAdminListen({ loopback: !remote, tls: admin.tls !== undefined });
  if (!verdict.allowed) throw new AdminConfigError(`admin.listen ${admin.listen}: ${verdict.reason}`, 'ERR_ADMIN_INSECURE_LISTEN');
  if (verdict.reason) logger?.warn({ listen: admin.listen, policy: verdict.mode }, verdict.reason);
  const metrics = createMetrics({
    bus,
    version: options.version ?? packageVersion(),
    processMetrics: options.processMetrics,
    proxyStats: () => options.proxy?.stats?.(),
    securityCounters: () => security.counters(),
    kernelsInUse: () => kernelsInUse(options.kernels),
    kernelBytes: () => [
      ...(options.kernels?.cbcBytes?.() ?? []),
      ...(options.relayBytes?.() ?? []).map(({ suite, backend, direction, bytes }) => ({ algorithm: suite, backend, direction, bytes })),
    ],
  });
  // Failed attempts are limited per IP, counted, audited and reported by the security layer's AuthService.
  const auth = createAuthenticator(security.auth);
  let server: AdminServer | undefined;
  try {
    server = await startAdminServer({
      admin,
      bus,
      routes: adminRoutes(options, () => server?.events),
      auth,
      metrics,
      isReady: () => options.proxy?.isReady() ?? true,
      logger,
      appendAudit: (principal, change, ip) =>
        security.audit.append({
          type: `admin.${change.type}`,
          actor: principal.actor,
          ip: change.ip ?? ip,
          user: change.user,
          message: change.message,
          details: { ...change.details, clientIp: ip },
        }),
    });
  } catch (err) {
    metrics.close();
    throw err;
  }
  const started = server;
  return {
    ...started,
    metrics,
    close() {
      started.close();
      metrics.close();
    },
  };
}

function kernelsInUse(kernels: KernelsPort | undefined): { algorithm: string; backend: string }[] {
  if (!kernels) return [{ algorithm: 'aes-256-ctr', backend: 'node-crypto' }];
  const status = kernels.status() as { chosen?: Record<string, Record<string, string>> };
  return Object.keys(status.chosen ?? {}).map((algorithm) => ({ algorithm, backend: kernels.chosen(algorithm, KERNEL_INFO_SIZE) }));
}

export type { AdminContext, ProxyPort, KernelsPort };
export type { SecurityAdminPort } from '../security/ports.js';
export { adminFindings } from './findings.js';
export { withAdminFindings } from './findings.js';
export { defaultAdminConfig, type AdminConfig } from '../config/index.js';
