/**
 * [admin]: the admin plane's listen address, allow list, TLS, limits and tokens (docs/admin-api.md).
 * Session lifetime and the failed-auth limit live in [security] (./security.ts).
 *
 *   [admin]
 *   listen = "127.0.0.1:9100"        # "host:port" or "[v6]:port"; loopback by default; "off" disables it
 *   allow = ["127.0.0.0/8", "::1/128"] # who may talk to the admin plane (independent of proxy blocks)
 *   allow_insecure_remote = false     # a non-loopback listen without TLS needs this; the audit flags it
 *   max_body = "64KiB"                # request body cap (bigger bodies: 400, reading aborted)
 *   events_queue = 256                # per-subscriber queue of the /api/v1/events stream
 *   allowed_hosts = []                # extra Host names (DNS rebinding guard; IPs, localhost, listen host always pass)
 *   allowed_origins = []              # browser Origins allowed to open /api/v1/events (besides same-origin)
 *   metrics_user_labels = false       # user names in /metrics without a token (else only with a token)
 *   [admin.tls]                       # required for a non-loopback listen (unless allow_insecure_remote)
 *   cert = "admin.crt"
 *   key = "admin.key"
 *   [[admin.tokens]]                  # printed by `mtshield token create --level L`
 *   name = "ops"
 *   level = "superuser"               # read_only | admin | superuser
 *   sha256 = "…"                      # hex SHA-256 of the token (UTF-8); the token itself is never stored
 *   expires = "2027-01-01T00:00:00Z"  # optional
 */
import { z } from 'zod';
import { DEFAULTS } from '../defaults.js';
import { size } from './fields.js';

export const adminTokenLevels = ['read_only', 'admin', 'superuser'] as const;
export type AdminTokenLevel = (typeof adminTokenLevels)[number];

export const adminTokenSchema = z.strictObject({
  name: z.string().min(1).max(64),
  level: z.enum(adminTokenLevels),
  sha256: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'hex SHA-256 of the token')
    .transform((s) => s.toLowerCase()),
  expires: z.union([z.iso.datetime({ offset: true }), z.date().transform((d) => d.toISOString())]).optional(),
});
export type AdminTokenConfig = z.output<typeof adminTokenSchema>;

const d = DEFAULTS.admin;

export const adminSchema = z
  .strictObject({
    listen: z.string().default(d.listen),
    allow: z.array(z.string()).default([...d.allow]),
    allow_insecure_remote: z.boolean().default(d.allowInsecureRemote),
    tls: z.strictObject({ cert: z.string().min(1), key: z.string().min(1), passphrase: z.string().optional() }).optional(),
    max_body: size(d.maxBody, { min: 1024, max: 16 * 1024 * 1024 }),
    events_queue: z.number().int().min(1).max(100_000).default(d.eventsQueue),
    allowed_hosts: z.array(z.string().min(1).max(253)).default([...d.allowedHosts]),
    allowed_origins: z.array(z.string().regex(/^https?:\/\/[^/\s]+$/, 'scheme://host[:port], no path')).default([...d.allowedOrigins]),
    metrics_user_labels: z.boolean().default(d.metricsUserLabels),
    tokens: z.array(adminTokenSchema).default([]),
  })
  .transform((a) => ({
    listen: a.listen,
    allow: a.allow,
    allowInsecureRemote: a.allow_insecure_remote,
    tls: a.tls,
    maxBodyBytes: a.max_body,
    eventsQueue: a.events_queue,
    allowedHosts: a.allowed_hosts.map((h) => h.toLowerCase()),
    allowedOrigins: a.allowed_origins.map((o) => o.toLowerCase()),
    metricsUserLabels: a.metrics_user_labels,
    tokens: a.tokens,
  }))
  .prefault({});

export type AdminConfig = z.output<typeof adminSchema>;
export type AdminConfigInput = z.input<typeof adminSchema>;

/** The [admin] table with every default filled in (for tests and callers that have no config file). */
export function defaultAdminConfig(overrides: AdminConfigInput = {}): AdminConfig {
  return adminSchema.parse(overrides);
}
