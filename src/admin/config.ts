/**
 * Config schema fragment owned by the admin plane: the [admin] table (composed by src/config/schema.ts).
 * Session lifetime and the failed-auth limit live in the security layer's [security] table.
 *
 *   [admin]
 *   listen = "127.0.0.1:9100"        # "host:port" or "[v6]:port"; loopback by default; "off" disables it
 *   allow = ["127.0.0.0/8", "::1/128"] # who may talk to the admin plane (independent of proxy blocks)
 *   allow_insecure_remote = false     # a non-loopback listen without TLS needs this; the audit flags it
 *   max_body = "64KiB"                # request body cap (bigger bodies: 400, reading aborted)
 *   events_queue = 256                # per-subscriber queue of the /api/v1/events stream
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
import { parseSize } from '../config/units.js';

export const adminTokenLevels = ['read_only', 'admin', 'superuser'] as const;
export type AdminTokenLevel = (typeof adminTokenLevels)[number];

const sizeBytes = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const bytes = parseSize(value);
  if (bytes === undefined || bytes < 1024 || bytes > 16 * 1024 * 1024) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a size between 1KiB and 16MiB` });
    return z.NEVER;
  }
  return bytes;
});

export const adminTokenSchema = z
  .object({
    name: z.string().min(1).max(64),
    level: z.enum(adminTokenLevels),
    sha256: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, 'hex SHA-256 of the token')
      .transform((s) => s.toLowerCase()),
    expires: z.union([z.iso.datetime({ offset: true }), z.date().transform((d) => d.toISOString())]).optional(),
  })
  .strict();
export type AdminTokenConfig = z.infer<typeof adminTokenSchema>;

export const adminConfigSchema = z
  .object({
    listen: z.string().default('127.0.0.1:9100'),
    allow: z.array(z.string()).default(['127.0.0.0/8', '::1/128']),
    allow_insecure_remote: z.boolean().default(false),
    tls: z
      .object({ cert: z.string().min(1), key: z.string().min(1), passphrase: z.string().optional() })
      .strict()
      .optional(),
    max_body: sizeBytes.default(64 * 1024),
    events_queue: z.number().int().min(1).max(100_000).default(256),
    tokens: z.array(adminTokenSchema).default([]),
  })
  .strict();

export type AdminConfig = z.infer<typeof adminConfigSchema>;

/** The [admin] table with every default filled in (for tests and callers that have no config file). */
export function defaultAdminConfig(overrides: Partial<z.input<typeof adminConfigSchema>> = {}): AdminConfig {
  return adminConfigSchema.parse(overrides);
}
