/**
 * [server], [tls] and [log]: where the proxy listens, its timeouts and capacity, the fake-TLS clock window
 * and replay cache, and the log level (docs/operations.md, "Configuration").
 */
import { z } from 'zod';
import { SECRET_MODES, parseCidrWith, parseHostPort } from '../../vocabulary/index.js';
import { DEFAULTS } from '../defaults.js';
import { duration, hostPort, size } from './fields.js';

const d = DEFAULTS.server;
const toAddress = (text: string) => parseHostPort(text)!;

/** An address or CIDR (the check ProxyProtocolTrust makes again when the server starts). */
function isCidr(text: string, ctx: z.RefinementCtx): void {
  try {
    parseCidrWith(text, (message) => new Error(message));
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
}

export const serverSchema = z
  .strictObject({
    listen: z
      .union([hostPort, z.array(hostPort).min(1, 'at least one address is required')])
      .default([...d.listen])
      .transform((value) => (Array.isArray(value) ? value : [value])),
    public_host: z.string().min(1).optional(),
    handshake_timeout: duration(d.handshakeTimeout),
    idle_timeout: duration(d.idleTimeout),
    connect_timeout: duration(d.connectTimeout),
    drain_timeout: duration(d.drainTimeout),
    prefer_ipv6: z.boolean().default(d.preferIpv6),
    fast_mode: z.boolean().default(d.fastMode),
    default_dc: z.number().int().refine((dc) => dc !== 0 && Math.abs(dc) < 32768, 'must be a DC id').default(d.defaultDc),
    max_connections: z.number().int().positive().default(d.maxConnections),
    max_buffer: size(d.maxBuffer),
    state_dir: z.string().min(1).default(d.stateDir),
    allow_modes: z.array(z.enum(SECRET_MODES)).min(1, 'allow at least one mode').default([...d.allowModes]),
    gc: z.enum(['single-threaded', 'parallel']).default(d.gc),
    workers: z.union([z.literal('auto'), z.number().int().min(1).max(1024)]).default(d.workers),
    proxy_protocol: z.boolean().default(d.proxyProtocol),
    proxy_protocol_trusted: z.array(z.string().superRefine(isCidr)).default([...d.proxyProtocolTrusted]),
  })
  .transform((s) => ({
    listen: s.listen.map(toAddress),
    publicHost: s.public_host,
    handshakeTimeoutMs: s.handshake_timeout,
    idleTimeoutMs: s.idle_timeout,
    connectTimeoutMs: s.connect_timeout,
    drainTimeoutMs: s.drain_timeout,
    preferIpv6: s.prefer_ipv6,
    fastMode: s.fast_mode,
    defaultDc: s.default_dc,
    maxConnections: s.max_connections,
    maxBufferBytes: s.max_buffer,
    stateDir: s.state_dir,
    allowModes: [...new Set(s.allow_modes)],
    /** V8 garbage-collector threading, applied once at start (src/util/gc-mode.ts). */
    gc: s.gc,
    /** 1 = one process; N or 'auto' = node:cluster workers (src/cluster, docs/fleet.md). Read once at start. */
    workers: s.workers,
    /** Every client connection starts with a PROXY header, accepted only from `proxyProtocolTrusted` peers. */
    proxyProtocol: s.proxy_protocol,
    proxyProtocolTrusted: s.proxy_protocol_trusted,
  }))
  .prefault({});

export const tlsSchema = z
  .strictObject({
    max_skew: duration(DEFAULTS.tls.maxSkew),
    /** The anti-replay cache's memory budget (memory backend); the entries it holds follow from it. */
    replay_memory: size(DEFAULTS.tls.replayMemory, { min: 4096, max: 2 ** 40 }),
    /** A lower count bound than the budget gives (optional, for tests and small hosts). */
    replay_entries: z.number().int().positive().optional(),
    /** The longest an obfuscated2 header is remembered (a fake-TLS hello: twice max_skew, at least 10 min). */
    replay_max_age: duration(DEFAULTS.tls.replayMaxAge),
  })
  .transform((t) => ({ maxSkewMs: t.max_skew, replayMemoryBytes: t.replay_memory, replayEntries: t.replay_entries, replayMaxAgeMs: t.replay_max_age }))
  .prefault({});

export const logSchema = z
  .strictObject({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default(DEFAULTS.log.level),
  })
  .prefault({});
