/**
 * User leases: the connection and client-IP counts behind a user's `max_connections` and `max_ips`
 * (docs/fleet.md "What the workers share"), held for a whole group of processes. A connection takes a lease at
 * admission (once per connection, never per byte) and gives it back on close. `UserLeases` is the seam the
 * user directory (src/proxy/users.ts) asks; `LeaseTable` is the plain in-memory implementation, keyed by owner
 * (a worker), so the primary drops every lease of a worker that died (ipc-server.ts). Over Redis the same
 * contract is kept by expiring leases refreshed by a heartbeat (redis-leases.ts).
 *
 * A check and its count are one step in the table (the primary answers workers one message at a time), so two
 * workers never both take the last slot.
 */

/** A user's limits as the lease check needs them (undefined = no limit). */
export interface LeaseLimits {
  maxConnections?: number;
  maxIps?: number;
}

export type LeaseRefusal = 'max_connections' | 'max_ips';

export interface UserLeases {
  /** Counts one connection of `user` from `ip` for the group, unless a limit refuses it. */
  acquire(user: string, ip: string, limits: LeaseLimits): Promise<LeaseRefusal | undefined>;
  /** Gives back a lease `acquire` granted (fire and forget: a lost release is cleaned up with its owner). */
  release(user: string, ip: string): void;
  close(): Promise<void>;
}

interface UserCounts {
  connections: number;
  /** client IP → connections from it */
  ips: Map<string, number>;
}

function take(counts: Map<string, UserCounts>, user: string, ip: string): void {
  let c = counts.get(user);
  if (!c) counts.set(user, (c = { connections: 0, ips: new Map() }));
  c.connections++;
  c.ips.set(ip, (c.ips.get(ip) ?? 0) + 1);
}

/** Undoes one `take`; false when there was nothing to give back. */
function give(counts: Map<string, UserCounts>, user: string, ip: string): boolean {
  const c = counts.get(user);
  const fromIp = c?.ips.get(ip);
  if (!c || fromIp === undefined) return false;
  c.connections--;
  if (fromIp <= 1) c.ips.delete(ip);
  else c.ips.set(ip, fromIp - 1);
  if (c.connections <= 0) counts.delete(user);
  return true;
}

/** The group's leases in one process (the primary, or a single process in tests). */
export class LeaseTable {
  private readonly totals = new Map<string, UserCounts>();
  private readonly byOwner = new Map<string, Map<string, UserCounts>>();

  acquire(owner: string, user: string, ip: string, limits: LeaseLimits): LeaseRefusal | undefined {
    const c = this.totals.get(user);
    if (limits.maxConnections !== undefined && (c?.connections ?? 0) >= limits.maxConnections) return 'max_connections';
    if (limits.maxIps !== undefined && !c?.ips.has(ip) && (c?.ips.size ?? 0) >= limits.maxIps) return 'max_ips';
    take(this.totals, user, ip);
    let mine = this.byOwner.get(owner);
    if (!mine) this.byOwner.set(owner, (mine = new Map()));
    take(mine, user, ip);
    return undefined;
  }

  release(owner: string, user: string, ip: string): void {
    const mine = this.byOwner.get(owner);
    if (!mine || !give(mine, user, ip)) return; // not this owner's: never take another's lease
    give(this.totals, user, ip);
    if (mine.size === 0) this.byOwner.delete(owner);
  }

  /** Every lease `owner` held (a worker that exited): its clients are gone with it. */
  dropOwner(owner: string): void {
    const mine = this.byOwner.get(owner);
    if (!mine) return;
    this.byOwner.delete(owner);
    for (const [user, c] of mine) for (const [ip, n] of c.ips) for (let i = 0; i < n; i++) give(this.totals, user, ip);
  }

  /** The group's counts for one user (tests, and the API's view). */
  counts(user: string): { connections: number; ips: number } {
    const c = this.totals.get(user);
    return { connections: c?.connections ?? 0, ips: c?.ips.size ?? 0 };
  }
}

/**
 * The leases this process was granted, per user and client IP, so a release never gives back one it does not
 * hold (a lease refused, or not taken while the store was unreachable: admission then failed open).
 */
export class GrantedLeases<T = true> {
  private readonly held = new Map<string, T[]>();

  private static key(user: string, ip: string): string {
    return `${user}\u0000${ip}`;
  }

  add(user: string, ip: string, lease: T): void {
    const key = GrantedLeases.key(user, ip);
    const list = this.held.get(key);
    if (list) list.push(lease);
    else this.held.set(key, [lease]);
  }

  /** Takes one lease of `user` from `ip` off the list; undefined when none is held. */
  take(user: string, ip: string): T | undefined {
    const key = GrantedLeases.key(user, ip);
    const list = this.held.get(key);
    const lease = list?.pop();
    if (list && list.length === 0) this.held.delete(key);
    return lease;
  }

  /** Every held lease as [user, ip, lease] (the heartbeat). */
  *entries(): IterableIterator<[string, string, T]> {
    for (const [key, list] of this.held) {
      const cut = key.indexOf('\u0000');
      for (const lease of list) yield [key.slice(0, cut), key.slice(cut + 1), lease];
    }
  }

  get size(): number {
    return this.held.size;
  }
}
