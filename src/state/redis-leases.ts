/**
 * User leases over Redis (user-leases.ts), shared by every process on one Redis: per user, a sorted set of
 * connection leases scored by their expiry, a sorted set of client IPs scored likewise, and a hash counting
 * connections per IP. The check and the count are one Lua script (EVAL, https://redis.io/docs/latest/commands/eval/),
 * so two machines never both take the last slot. Leases expire (default 30 s) unless this process's heartbeat
 * refreshes them (every third of that), so a process that dies takes its leases with it within the TTL.
 * While Redis is unreachable, admission fails open (no lease taken, none given back), as every store check does.
 */
import { randomBytes } from 'node:crypto';
import type { RedisStateStore } from './redis.js';
import { GrantedLeases, type LeaseLimits, type LeaseRefusal, type UserLeases } from './user-leases.js';

// KEYS: conns zset, ips zset, per-IP count hash. ARGV: now, expiry, lease id, ip, max connections, max IPs (-1 = none), key TTL ms.
const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
local maxc = tonumber(ARGV[5])
local maxi = tonumber(ARGV[6])
if maxc >= 0 and redis.call('ZCARD', KEYS[1]) >= maxc then return 1 end
if maxi >= 0 and not redis.call('ZSCORE', KEYS[2], ARGV[4]) and redis.call('ZCARD', KEYS[2]) >= maxi then return 2 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('ZADD', KEYS[2], 'GT', ARGV[2], ARGV[4])
redis.call('HINCRBY', KEYS[3], ARGV[4], 1)
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[7]) end
return 0`;

// KEYS as above. ARGV: lease id, ip.
const RELEASE = `
redis.call('ZREM', KEYS[1], ARGV[1])
if redis.call('HINCRBY', KEYS[3], ARGV[2], -1) <= 0 then
  redis.call('HDEL', KEYS[3], ARGV[2])
  redis.call('ZREM', KEYS[2], ARGV[2])
end
return 0`;

export interface RedisUserLeasesOptions {
  /** How long a lease lives without a heartbeat (default 30 s); refreshed every third of it. */
  ttlMs?: number;
  now?: () => number;
}

export class RedisUserLeases implements UserLeases {
  private readonly owner = randomBytes(6).toString('hex');
  private readonly granted = new GrantedLeases<string>();
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly timer: NodeJS.Timeout;
  private seq = 0;

  constructor(
    private readonly store: RedisStateStore,
    options: RedisUserLeasesOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 30_000;
    this.now = options.now ?? Date.now;
    this.timer = setInterval(() => void this.heartbeat().catch(() => {}), Math.max(100, Math.floor(this.ttlMs / 3)));
    this.timer.unref();
  }

  private keys(user: string): string[] {
    const base = `${this.store.prefix}lease:${user}:`;
    return [`${base}c`, `${base}i`, `${base}n`];
  }

  async acquire(user: string, ip: string, limits: LeaseLimits): Promise<LeaseRefusal | undefined> {
    const id = `${this.owner}:${++this.seq}`;
    const now = this.now();
    let answer: unknown;
    try {
      answer = await this.store.client.eval(ACQUIRE, {
        keys: this.keys(user),
        arguments: [String(now), String(now + this.ttlMs), id, ip, String(limits.maxConnections ?? -1), String(limits.maxIps ?? -1), String(this.ttlMs * 2)],
      });
    } catch {
      return undefined; // Redis unreachable: fail open, no lease held
    }
    if (answer === 1) return 'max_connections';
    if (answer === 2) return 'max_ips';
    this.granted.add(user, ip, id);
    return undefined;
  }

  release(user: string, ip: string): void {
    const id = this.granted.take(user, ip);
    if (id === undefined) return;
    this.store.client.eval(RELEASE, { keys: this.keys(user), arguments: [id, ip] }).catch(() => {}); // expires anyway
  }

  /** Pushes every held lease's expiry forward (and its IP's), one MULTI for all. */
  private async heartbeat(): Promise<void> {
    if (this.granted.size === 0) return;
    const expiry = this.now() + this.ttlMs;
    const multi = this.store.client.multi();
    for (const [user, ip, id] of this.granted.entries()) {
      const [conns, ips, counts] = this.keys(user);
      multi.zAdd(conns!, { score: expiry, value: id }, { XX: true });
      multi.zAdd(ips!, { score: expiry, value: ip }, { GT: true });
      for (const key of [conns!, ips!, counts!]) multi.pExpire(key, this.ttlMs * 2);
    }
    await multi.exec();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    for (const [user, ip] of [...this.granted.entries()]) this.release(user, ip);
  }
}
