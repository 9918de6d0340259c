/**
 * Config schema fragments owned by the security layer. src/config/schema.ts spreads `securityConfigShape`
 * into the top-level schema, so each key below is one optional TOML table. Durations ("10m") become
 * milliseconds and sizes ("10MiB") bytes here, once; nothing downstream parses units.
 *
 *   [access]      default, [[access.rules]] action/cidr/user/days/hours/tz/mode/name
 *   [limits]      refuse_action, [limits.per_ip], [limits.per_user], [limits.users.NAME]
 *   [anomaly]     thresholds and windows of the detector
 *   [blocklist]   file (FireHOL netset), poll
 *   [geo]         database (MaxMind MMDB), fallback (geoip-lite)
 *   [audit]       file, recent, interval (scheduled audit_security), soon_expiring
 *   [security]    tokens_file, session_ttl, auth_failures_per_minute, rotation_links_file, link_host/port
 *   [state]       backend = "memory" | "redis", redis_url, prefix
 *   [policy]      one table per rule: mode = "off" | "monitor" | "enforce" (+ the rule's parameters)
 */
import { z } from 'zod';
import { parseDuration, parseSize } from '../config/units.js';
import { policyRulesInputSchema } from './policy/schema.js';

export const duration = () =>
  z.union([z.string(), z.number()]).transform((value, ctx) => {
    const ms = parseDuration(value);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration (use e.g. "30s", "10m", "1h", "7d")` });
      return z.NEVER;
    }
    return ms;
  });

export const size = () =>
  z.union([z.string(), z.number()]).transform((value, ctx) => {
    const bytes = parseSize(value);
    if (bytes === undefined) {
      ctx.addIssue({ code: 'custom', message: `"${value}" is not a size (use e.g. "512KiB", "10MiB")` });
      return z.NEVER;
    }
    return bytes;
  });

const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type DayName = (typeof DAY_NAMES)[number];

const hoursText = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$/, 'hours are "HH:MM-HH:MM" (24 h clock)');

const timeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'not an IANA time zone');

export const accessRuleSchema = z.strictObject({
  name: z.string().max(64).optional(),
  action: z.enum(['allow', 'deny']),
  /** One CIDR or address, or a list; omitted = any address. */
  cidr: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
  /** Omitted = global rule (checked at accept); set = checked when that user is identified. */
  user: z.string().min(1).max(64).optional(),
  days: z.array(z.enum(DAY_NAMES)).min(1).optional(),
  hours: hoursText.optional(),
  tz: timeZone.default('UTC'),
  /** `monitor` counts and logs what the rule would do without doing it. */
  mode: z.enum(['enforce', 'monitor']).default('enforce'),
});
export type AccessRuleInput = z.input<typeof accessRuleSchema>;
export type AccessRuleConfig = z.output<typeof accessRuleSchema>;

const accessSchema = z
  .strictObject({
    default: z.enum(['allow', 'deny']).default('allow'),
    rules: z.array(accessRuleSchema).default([]),
  })
  .prefault({});

const userLimitsSchema = z.strictObject({
  max_connections: z.number().int().nonnegative().optional(),
  bandwidth: size().optional(),
  bandwidth_up: size().optional(),
  bandwidth_down: size().optional(),
  burst: size().optional(),
});

const limitsSchema = z
  .strictObject({
    /** What a refused client gets: a clean close, or a splice to the fronting site. */
    refuse_action: z.enum(['close', 'front']).default('close'),
    per_ip: z
      .strictObject({
        new_connections_per_second: z.number().int().nonnegative().default(30),
        failed_handshakes_per_minute: z.number().int().nonnegative().default(60),
        max_connections: z.number().int().nonnegative().default(128),
      })
      .prefault({}),
    per_user: z
      .strictObject({
        max_connections: z.number().int().nonnegative().default(0),
        bandwidth: size().optional(),
        bandwidth_up: size().optional(),
        bandwidth_down: size().optional(),
        burst: size().optional(),
      })
      .prefault({}),
    users: z.record(z.string(), userLimitsSchema).default({}),
  })
  .prefault({});

const anomalySchema = z
  .strictObject({
    window: duration().default(60_000),
    handshake_failures_per_ip: z.number().int().positive().default(30),
    handshake_failures_per_subnet: z.number().int().positive().default(150),
    wrong_secrets_per_ip: z.number().int().positive().default(12),
    replays_per_ip: z.number().int().positive().default(3),
    shared_secret_ips: z.number().int().positive().default(20),
    shared_secret_window: duration().default(3_600_000),
    baseline_interval: duration().default(60_000),
    baseline_alpha: z.number().gt(0).lt(1).default(0.2),
    baseline_factor: z.number().gt(1).default(6),
    baseline_warmup: z.number().int().positive().default(10),
    baseline_min_bytes: size().default(8 * 1024 * 1024),
    baseline_min_connections: z.number().int().positive().default(20),
    threat_ttl: duration().default(900_000),
  })
  .prefault({});

const blocklistSchema = z
  .strictObject({
    file: z.string().min(1).optional(),
    poll: duration().default(30_000),
  })
  .prefault({});

const geoSchema = z
  .strictObject({
    database: z.string().min(1).optional(),
    fallback: z.boolean().default(true),
  })
  .prefault({});

const auditSchema = z
  .strictObject({
    file: z.string().min(1).optional(),
    recent: z.number().int().positive().default(1000),
    interval: duration().default(0),
    soon_expiring: duration().default(7 * 86_400_000),
  })
  .prefault({});

const securitySchema = z
  .strictObject({
    tokens_file: z.string().min(1).optional(),
    session_ttl: duration().default(15 * 60_000),
    auth_failures_per_minute: z.number().int().positive().default(10),
    rotation_links_file: z.string().min(1).optional(),
    link_host: z.string().min(1).optional(),
    link_port: z.number().int().min(1).max(65535).optional(),
  })
  .prefault({});

const stateSchema = z
  .strictObject({
    backend: z.enum(['memory', 'redis']).default('memory'),
    redis_url: z.string().min(1).optional(),
    prefix: z.string().default('mtshield:'),
  })
  .prefault({});

/** Top-level keys this module owns, each an optional table in the TOML file. */
export const securityConfigShape = {
  audit: auditSchema,
  policy: policyRulesInputSchema.prefault({}),
  access: accessSchema,
  limits: limitsSchema,
  anomaly: anomalySchema,
  blocklist: blocklistSchema,
  geo: geoSchema,
  security: securitySchema,
  state: stateSchema,
};

export const securityConfigSchema = z.object(securityConfigShape);
export type SecurityConfig = z.output<typeof securityConfigSchema>;
export type SecurityConfigInput = z.input<typeof securityConfigSchema>;
export type LimitsConfig = SecurityConfig['limits'];
export type AnomalyConfig = SecurityConfig['anomaly'];

/** Parse only the security tables of a raw (TOML-decoded) object; other keys are ignored. */
export function parseSecurityConfig(raw: unknown): SecurityConfig {
  return securityConfigSchema.parse(raw ?? {});
}
