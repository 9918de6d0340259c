/**
 * [limits]: per-IP rates and connection caps, per-user connection caps and bandwidth (docs/security.md,
 * "Limits"), applied by the security gate and shaper under the rate_limits / ip_connection_limits policies.
 * Sizes are bytes (per second for bandwidth).
 */
import { z } from 'zod';
import { DEFAULTS } from '../defaults.js';
import { sizeValue } from './fields.js';

const d = DEFAULTS.limits;

const userLimitsSchema = z.strictObject({
  max_connections: z.number().int().nonnegative().optional(),
  bandwidth: sizeValue.optional(),
  bandwidth_up: sizeValue.optional(),
  bandwidth_down: sizeValue.optional(),
  burst: sizeValue.optional(),
});

function userLimits(u: z.output<typeof userLimitsSchema>) {
  return {
    maxConnections: u.max_connections,
    bandwidthBytes: u.bandwidth,
    bandwidthUpBytes: u.bandwidth_up,
    bandwidthDownBytes: u.bandwidth_down,
    burstBytes: u.burst,
  };
}

export const limitsSchema = z
  .strictObject({
    /** What a refused client gets: a clean close, or a splice to the fronting site. */
    refuse_action: z.enum(['close', 'front']).default(d.refuseAction),
    /** Share of [server] max_connections unauthenticated connections may hold (the rest is for authenticated ones). */
    unauthenticated_share: z.number().gt(0).max(1).default(d.unauthenticatedShare),
    per_ip: z
      .strictObject({
        new_connections_per_second: z.number().int().nonnegative().default(d.perIp.newConnectionsPerSecond),
        failed_handshakes_per_minute: z.number().int().nonnegative().default(d.perIp.failedHandshakesPerMinute),
        max_connections: z.number().int().nonnegative().default(d.perIp.maxConnections),
      })
      .prefault({}),
    per_user: userLimitsSchema
      .extend({ max_connections: z.number().int().nonnegative().default(d.perUser.maxConnections) })
      .prefault({}),
    users: z.record(z.string(), userLimitsSchema).default({}),
    /** The global budget of failed key trials (docs/security.md "Junk hellos"). */
    key_search: z
      .strictObject({
        keys_per_second: z.number().int().positive().default(d.keySearch.keysPerSecond),
        burst: z.number().int().positive().default(d.keySearch.burstKeys),
      })
      .prefault({}),
  })
  .transform((l) => ({
    refuseAction: l.refuse_action,
    unauthenticatedShare: l.unauthenticated_share,
    perIp: {
      newConnectionsPerSecond: l.per_ip.new_connections_per_second,
      failedHandshakesPerMinute: l.per_ip.failed_handshakes_per_minute,
      /** 0 = no cap. */
      maxConnections: l.per_ip.max_connections,
    },
    perUser: { ...userLimits(l.per_user), maxConnections: l.per_user.max_connections },
    users: Object.fromEntries(Object.entries(l.users).map(([name, u]) => [name, userLimits(u)])),
    keySearch: { keysPerSecond: l.key_search.keys_per_second, burstKeys: l.key_search.burst },
  }))
  .prefault({});

export type LimitsConfig = z.output<typeof limitsSchema>;
export type UserLimitsConfig = LimitsConfig['users'][string];

/**
 * A user's one connection cap: its own [users.NAME] max_connections, else [limits.users.NAME] max_connections,
 * else [limits.per_user] max_connections; 0 or none = no cap. The one place this is resolved; the proxy enforces
 * the result for every connection, whatever the policies say (src/proxy/users.ts).
 */
export function userConnectionCap(limits: LimitsConfig, user: string, own?: number): number | undefined {
  const cap = own ?? limits.users[user]?.maxConnections ?? limits.perUser.maxConnections;
  return cap > 0 ? cap : undefined;
}
