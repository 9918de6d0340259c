/**
 * Why a connection or a user is refused: the sources the gate and the proxy name in `connection.refused`
 * and `user.refused` events, the security counters and the admin metrics (docs/security.md, docs/operations.md).
 * One list, so a new source shows up in every counter at once.
 */

/** Who refused a connection: the security gate's checks, or the proxy itself (overload, draining, a PROXY header missing or from an untrusted peer). */
export const REFUSAL_SOURCES = ['acl', 'block', 'rate_limit', 'limit', 'policy', 'geo', 'overload', 'draining', 'proxy_protocol'] as const;
export type RefusalSource = (typeof REFUSAL_SOURCES)[number];

/** A user's own limits, checked by the proxy's user directory. */
export const USER_LIMIT_REASONS = ['max_connections', 'max_ips', 'quota', 'expired', 'disabled', 'removed'] as const;
export type UserLimitReason = (typeof USER_LIMIT_REASONS)[number];

/** Every reason a `user.refused` event carries: the user's own limits, or a security rule on that user. */
export type UserRefusalReason = UserLimitReason | 'acl' | 'policy' | 'rate_limit';

/** A zero count per refusal source (the counters start here). */
export function zeroByRefusalSource(): Record<RefusalSource, number> {
  return Object.fromEntries(REFUSAL_SOURCES.map((s) => [s, 0])) as Record<RefusalSource, number>;
}
