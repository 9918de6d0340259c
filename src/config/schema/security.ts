/**
 * The security layer's tables (docs/security.md): [security] (admin sessions, tokens, rotation links),
 * [audit], [anomaly], [blocklist] and [geo]. [access], [limits], [policy] and [state] have their own files.
 */
import { z } from 'zod';
import { DEFAULTS } from '../defaults.js';
import { duration, size } from './fields.js';

const a = DEFAULTS.anomaly;

export const anomalySchema = z
  .strictObject({
    window: duration(a.window),
    handshake_failures_per_ip: z.number().int().positive().default(a.handshakeFailuresPerIp),
    handshake_failures_per_subnet: z.number().int().positive().default(a.handshakeFailuresPerSubnet),
    subnet_min_sources: z.number().int().positive().default(a.subnetMinSources),
    subnet_window: duration(a.subnetWindow),
    wrong_secrets_per_ip: z.number().int().positive().default(a.wrongSecretsPerIp),
    replays_per_ip: z.number().int().positive().default(a.replaysPerIp),
    shared_secret_ips: z.number().int().positive().default(a.sharedSecretIps),
    shared_secret_window: duration(a.sharedSecretWindow),
    baseline_interval: duration(a.baselineInterval),
    baseline_alpha: z.number().gt(0).lt(1).default(a.baselineAlpha),
    baseline_factor: z.number().gt(1).default(a.baselineFactor),
    baseline_warmup: z.number().int().positive().default(a.baselineWarmup),
    baseline_min_bytes: size(a.baselineMinBytes),
    baseline_min_connections: z.number().int().positive().default(a.baselineMinConnections),
    threat_ttl: duration(a.threatTtl),
  })
  .transform((c) => ({
    windowMs: c.window,
    handshakeFailuresPerIp: c.handshake_failures_per_ip,
    handshakeFailuresPerSubnet: c.handshake_failures_per_subnet,
    subnetMinSources: c.subnet_min_sources,
    subnetWindowMs: c.subnet_window,
    wrongSecretsPerIp: c.wrong_secrets_per_ip,
    replaysPerIp: c.replays_per_ip,
    sharedSecretIps: c.shared_secret_ips,
    sharedSecretWindowMs: c.shared_secret_window,
    baselineIntervalMs: c.baseline_interval,
    baselineAlpha: c.baseline_alpha,
    baselineFactor: c.baseline_factor,
    baselineWarmup: c.baseline_warmup,
    baselineMinBytes: c.baseline_min_bytes,
    baselineMinConnections: c.baseline_min_connections,
    threatTtlMs: c.threat_ttl,
  }))
  .prefault({});
export type AnomalyConfig = z.output<typeof anomalySchema>;

export const blocklistSchema = z
  .strictObject({
    file: z.string().min(1).optional(),
    poll: duration(DEFAULTS.blocklist.poll),
  })
  .transform((b) => ({ file: b.file, pollMs: b.poll }))
  .prefault({});

export const geoSchema = z
  .strictObject({
    database: z.string().min(1).optional(),
    fallback: z.boolean().default(DEFAULTS.geo.fallback),
  })
  .prefault({});

export const auditSchema = z
  .strictObject({
    file: z.string().min(1).optional(),
    recent: z.number().int().positive().default(DEFAULTS.audit.recent),
    interval: duration(DEFAULTS.audit.interval),
    soon_expiring: duration(DEFAULTS.audit.soonExpiring),
  })
  .transform((c) => ({ file: c.file, recent: c.recent, intervalMs: c.interval, soonExpiringMs: c.soon_expiring }))
  .prefault({});

/** [security]: admin sessions and tokens, where rotated links go, and the host and port links name. */
export const securityTableSchema = z
  .strictObject({
    tokens_file: z.string().min(1).optional(),
    session_ttl: duration(DEFAULTS.security.sessionTtl),
    auth_failures_per_minute: z.number().int().positive().default(DEFAULTS.security.authFailuresPerMinute),
    rotation_links_file: z.string().min(1).optional(),
    link_host: z.string().min(1).optional(),
    link_port: z.number().int().min(1).max(65535).optional(),
  })
  .prefault({});
