/**
 * The admit step of a connection (src/proxy/session.ts runs the pipeline): the gate's decisions, the replay
 * check of a handshake's key, and a user's limits. Each emits its own refusal events; the session decides
 * what happens next (close, fronting) and owns the waiting (its AbortSignal).
 */
import type { Logger } from 'pino';
import type { ConnectionRef, SecretMode } from '../events.js';
import type { SessionContext } from './context.js';
import type { GateDecision } from './hooks.js';
import type { UserRecord } from './users.js';

/**
 * How long a handshake's replay key is remembered. A fake-TLS hello: past any clock skew it may claim (then its
 * timestamp refuses it anyway), at least 10 min. An obfuscated2 header carries no time, so a replay days later
 * would still confirm the proxy: `[tls] replay_max_age`, or as long as the cache's memory lasts if shorter.
 */
function replayTtlMs(settings: { maxSkewMs: number; replayMaxAgeMs: number }, kind: 'tls' | 'obfuscated2'): number {
  const skewWindow = Math.max(2 * settings.maxSkewMs, 10 * 60_000);
  return kind === 'tls' ? skewWindow : Math.max(skewWindow, settings.replayMaxAgeMs);
}

/** True when the key was seen before (and `replay.detected` was emitted). */
export async function replayed(ctx: SessionContext, ref: ConnectionRef, key: Uint8Array, kind: 'tls' | 'obfuscated2'): Promise<boolean> {
  if (!(await ctx.replay.seen(key, replayTtlMs(ctx.settings(), kind)))) return false;
  ctx.bus.emit('replay.detected', { ...ref, kind });
  return true;
}

/** The gate's answer; a gate that throws refuses (logged), it never takes the connection down. */
export function askGate(asker: { readonly log: Logger }, ask: () => GateDecision | Promise<GateDecision>): Promise<GateDecision> | GateDecision {
  try {
    return ask();
  } catch (err) {
    asker.log.warn({ err: (err as Error).message }, 'gate threw; refusing');
    return { allow: false, by: 'policy', reason: 'gate error' };
  }
}

/** The user's limits (connections, IPs, quota, expiry); the close reason when refused (`user.refused` emitted). */
export function userLimitRefusal(ctx: SessionContext, ref: ConnectionRef, user: UserRecord): string | undefined {
  const refusal = ctx.users.admit(user, ref.remoteAddress);
  if (!refusal) return undefined;
  ctx.bus.emit('user.refused', { ...ref, user: user.name, reason: refusal });
  return `user_refused:${refusal}`;
}

/**
 * The group's count of the user's connections and IPs (shared leases, docs/fleet.md), after
 * `userLimitRefusal` counted it here; undefined (synchronously) when nothing is shared for this user.
 * Resolves to the close reason when refused, 'aborted' when the session was cancelled meanwhile.
 */
export function sharedLimitRefusal(ctx: SessionContext, ref: ConnectionRef, user: UserRecord, cancelled: () => boolean): Promise<string | undefined> | undefined {
  return ctx.users.admitShared(user, ref.remoteAddress, cancelled)?.then((refusal) => {
    if (!refusal || refusal === 'aborted') return refusal;
    ctx.bus.emit('user.refused', { ...ref, user: user.name, reason: refusal });
    return `user_refused:${refusal}`;
  });
}

/** Asks the gate about an identified user. */
export function gateIdentified(ctx: SessionContext, ref: ConnectionRef, asker: { readonly log: Logger }, user: UserRecord, mode: SecretMode): Promise<GateDecision> | GateDecision {
  return askGate(asker, () => ctx.gate.onIdentified(ref, user.name, mode));
}

/** Emits the events of a refusal by the gate and returns the close reason. */
export function gateRefusal(ctx: SessionContext, ref: ConnectionRef, decision: Extract<GateDecision, { allow: false }>, user?: string): string {
  ctx.bus.emit('connection.refused', { ...ref, reason: decision.reason, by: decision.by });
  if (user !== undefined && (decision.by === 'acl' || decision.by === 'policy' || decision.by === 'rate_limit')) {
    ctx.bus.emit('user.refused', { ...ref, user, reason: decision.by });
  }
  return `refused:${decision.by}`;
}
