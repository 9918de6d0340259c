/** [fronting]: where clients that fail the handshake are spliced (docs/operations.md, "Fronting"). */
import { z } from 'zod';
import { DEFAULTS } from '../defaults.js';
import { duration } from './fields.js';

export const frontingSchema = z
  .strictObject({
    host: z.string().min(1).optional(),
    port: z.number().int().min(1).max(65535).default(DEFAULTS.fronting.port),
    connect_timeout: duration(DEFAULTS.fronting.connectTimeout),
    proxy_protocol: z.boolean().default(DEFAULTS.fronting.proxyProtocol),
    /** How often each fronting site's profile is measured again (docs/operations.md "Fronting site profile"). */
    profile_refresh: duration(DEFAULTS.fronting.profileRefresh),
    allow_private: z.boolean().default(DEFAULTS.fronting.allowPrivate),
    /** A fronted or sunk connection's idle timeout (never longer than [server] idle_timeout). */
    idle_timeout: duration(DEFAULTS.fronting.idleTimeout),
    /** A fronted connection's longest life, counted from accept, however busy it is. */
    max_lifetime: duration(DEFAULTS.fronting.maxLifetime),
  })
  /** proxyProtocol: a PROXY v2 header goes to the fronting site before the client's bytes. */
  .transform((f) => ({
    host: f.host,
    port: f.port,
    connectTimeoutMs: f.connect_timeout,
    proxyProtocol: f.proxy_protocol,
    profileRefreshMs: f.profile_refresh,
    allowPrivate: f.allow_private,
    idleTimeoutMs: f.idle_timeout,
    maxLifetimeMs: f.max_lifetime,
  }))
  .prefault({});
