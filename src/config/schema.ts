/**
 * The config schema: TOML tables → zod → typed values, with every default in this one file.
 * Unit strings ("5s", "10MiB") become numbers here (`…Ms` milliseconds, `…Bytes` bytes), so nothing
 * downstream parses units. The [admin] table and the security tables are composed from the fragments
 * their owners export (src/admin/config.ts, src/security/config.ts).
 *
 *   [server]  listen, public_host, handshake_timeout, idle_timeout, connect_timeout, drain_timeout,
 *             prefer_ipv6, fast_mode, default_dc, max_connections, max_buffer, state_dir, allow_modes, gc
 *   [users.NAME] secret, max_connections, max_ips, quota, expires, level
 *   [upstream] dc = { "2" = ["host:port", …] }
 *   [fronting] host, port, connect_timeout
 *   [tls]     max_skew, replay_entries
 *   [log]     level
 */
import { z } from 'zod';
import { adminConfigSchema } from '../admin/config.js';
import { securityConfigShape } from '../security/config.js';
import { parseSecret } from '../protocol/secrets.js';
import { parseDuration, parseHostPort, parseSize } from './units.js';

export const DEFAULTS = {
  listen: ['0.0.0.0:8443'],
  handshakeTimeout: '10s',
  idleTimeout: '5m',
  connectTimeout: '5s',
  drainTimeout: '30s',
  preferIpv6: false,
  fastMode: false,
  defaultDc: 2,
  maxConnections: 10_000,
  maxBuffer: '64KiB',
  stateDir: './.mtshield',
  allowModes: ['plain', 'dd', 'ee'] as ('plain' | 'dd' | 'ee')[],
  gc: 'single-threaded' as 'single-threaded' | 'parallel',
  frontingPort: 443,
  frontingConnectTimeout: '5s',
  maxSkew: '120s',
  replayEntries: 100_000,
  logLevel: 'info',
  /** Domain of the fake-TLS secret generated on first start when no config is given. */
  generatedSecretDomain: 'www.google.com',
} as const;

const duration = (fallback: string) =>
  z
    .union([z.string(), z.number()])
    .default(fallback)
    .transform((value, ctx) => {
      const ms = parseDuration(value);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration (use e.g. "500ms", "5s", "2m", "1h")` });
        return z.NEVER;
      }
      return ms;
    });

const size = () =>
  z.union([z.string(), z.number()]).transform((value, ctx) => {
    const bytes = parseSize(value);
    if (bytes === undefined) {
      ctx.addIssue({ code: 'custom', message: `"${value}" is not a size (use e.g. "512KiB", "10MiB", "50GiB")` });
      return z.NEVER;
    }
    return bytes;
  });

const hostPort = z.string().refine((text) => parseHostPort(text) !== undefined, {
  message: 'expected "host:port" or "[ipv6]:port"',
});

const secretText = z.string().superRefine((text, ctx) => {
  try {
    parseSecret(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `invalid secret: ${(err as Error).message}` });
  }
});

const mode = z.enum(['plain', 'dd', 'ee']);

const serverSchema = z
  .strictObject({
    listen: z
      .union([hostPort, z.array(hostPort).min(1, 'at least one address is required')])
      .default([...DEFAULTS.listen])
      .transform((value) => (Array.isArray(value) ? value : [value])),
    public_host: z.string().min(1).optional(),
    handshake_timeout: duration(DEFAULTS.handshakeTimeout),
    idle_timeout: duration(DEFAULTS.idleTimeout),
    connect_timeout: duration(DEFAULTS.connectTimeout),
    drain_timeout: duration(DEFAULTS.drainTimeout),
    prefer_ipv6: z.boolean().default(DEFAULTS.preferIpv6),
    fast_mode: z.boolean().default(DEFAULTS.fastMode),
    default_dc: z.number().int().refine((dc) => dc !== 0 && Math.abs(dc) < 32768, 'must be a DC id').default(DEFAULTS.defaultDc),
    max_connections: z.number().int().positive().default(DEFAULTS.maxConnections),
    max_buffer: size().prefault(DEFAULTS.maxBuffer),
    state_dir: z.string().min(1).default(DEFAULTS.stateDir),
    allow_modes: z.array(mode).min(1, 'allow at least one mode').default([...DEFAULTS.allowModes]),
    gc: z.enum(['single-threaded', 'parallel']).default(DEFAULTS.gc),
  })
  .prefault({});

const userSchema = z.strictObject({
  secret: secretText,
  max_connections: z.number().int().positive().optional(),
  max_ips: z.number().int().positive().optional(),
  quota: size().optional(),
  expires: z
    .union([z.string(), z.date()])
    .transform((value, ctx) => {
      const at = value instanceof Date ? value.getTime() : Date.parse(value);
      if (!Number.isFinite(at)) {
        ctx.addIssue({ code: 'custom', message: `"${String(value)}" is not an RFC 3339 date-time` });
        return z.NEVER;
      }
      return at;
    })
    .optional(),
  level: z.enum(['standard', 'none']).default('standard'),
});

const userName = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'user names are 1–64 of A-Z a-z 0-9 _ . -');

const upstreamSchema = z
  .strictObject({
    dc: z
      .record(
        z.string().regex(/^-?\d{1,5}$/, 'DC keys are DC ids such as "2" or "-2"'),
        z.union([hostPort, z.array(hostPort).min(1)]).transform((value) => (Array.isArray(value) ? value : [value])),
      )
      .default({}),
  })
  .prefault({});

const frontingSchema = z
  .strictObject({
    host: z.string().min(1).optional(),
    port: z.number().int().min(1).max(65535).default(DEFAULTS.frontingPort),
    connect_timeout: duration(DEFAULTS.frontingConnectTimeout),
  })
  .prefault({});

const tlsSchema = z
  .strictObject({
    max_skew: duration(DEFAULTS.maxSkew),
    replay_entries: z.number().int().positive().default(DEFAULTS.replayEntries),
  })
  .prefault({});

const logSchema = z
  .strictObject({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default(DEFAULTS.logLevel),
  })
  .prefault({});

export const configSchema = z.strictObject({
  server: serverSchema,
  users: z.record(userName, userSchema).default({}),
  upstream: upstreamSchema,
  fronting: frontingSchema,
  tls: tlsSchema,
  log: logSchema,
  admin: adminConfigSchema.prefault({}),
  ...securityConfigShape,
});

/** The config as the file spells it (before defaults and units). */
export type ConfigInput = z.input<typeof configSchema>;
/** The parsed file: defaults applied, units converted, still snake_case. */
export type ParsedConfigFile = z.output<typeof configSchema>;
