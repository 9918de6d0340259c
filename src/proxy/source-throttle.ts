/**
 * A per-source budget of failed key searches, checked before any key is tried. A source (an IPv4 address, or the
 * /64 of an IPv6 one) may fail `burst` searches at once and then one every `intervalMs`; past that its
 * handshakes are fronted without any HMAC or key derivation, so a junk-hello flood costs the proxy a fronting
 * splice per hello, not a key search (what a key search costs grows with the users of a domain).
 *
 * Only searches over more than `minKeys` keys count and are throttled: a small search costs less than the
 * fronting it would be traded for, and throttling it would only turn away honest clients that share an address
 * with a prober (one NAT, one host).
 *
 * One number per source, the time its budget is whole again (the generic cell rate algorithm's "theoretical
 * arrival time", ITU-T I.371): no timers, no objects per source. The table is bounded: when full, the source
 * that failed least recently is forgotten (its budget is the likeliest to be whole again).
 */
export interface SourceThrottleOptions {
  /** Failed handshakes a source may have in a row before it is throttled. */
  readonly burst?: number;
  /** Time for one failure to be forgiven. */
  readonly intervalMs?: number;
  /** Most sources remembered. */
  readonly maxSources?: number;
  /** Searches over at most this many keys are never throttled nor counted. */
  readonly minKeys?: number;
}

/** The throttle the data plane consults; `allowAll` turns it off. */
export interface HandshakeThrottle {
  /** True when this source's search over `keys` keys should not run (the handshake is fronted instead). */
  throttled(source: string, keys: number, now: number): boolean;
  /** Counts a search of this source over `keys` keys that matched none. */
  failed(source: string, keys: number, now: number): void;
  /** Drops what is no longer needed (called once in a while). */
  prune(now: number): void;
}

export const allowAllThrottle: HandshakeThrottle = {
  throttled: () => false,
  failed: () => undefined,
  prune: () => undefined,
};

export class SourceThrottle implements HandshakeThrottle {
  private readonly burstMs: number;
  private readonly intervalMs: number;
  private readonly maxSources: number;
  private readonly minKeys: number;
  /** Source key → when its budget is whole again (ms). */
  private readonly fullAt = new Map<string, number>();

  constructor(options: SourceThrottleOptions = {}) {
    this.intervalMs = options.intervalMs ?? 500;
    this.burstMs = (options.burst ?? 8) * this.intervalMs;
    this.maxSources = options.maxSources ?? 65_536;
    this.minKeys = options.minKeys ?? 32;
  }

  get size(): number {
    return this.fullAt.size;
  }

  throttled(source: string, keys: number, now: number): boolean {
    if (keys <= this.minKeys) return false;
    const at = this.fullAt.get(sourceKey(source));
    return at !== undefined && at - now >= this.burstMs;
  }

  failed(source: string, keys: number, now: number): void {
    if (keys <= this.minKeys) return;
    const key = sourceKey(source);
    const at = this.fullAt.get(key);
    if (at === undefined && this.fullAt.size >= this.maxSources) this.forgetOldest();
    // Re-inserting moves the key to the end of the Map's order: the oldest entries are the least recent.
    this.fullAt.delete(key);
    this.fullAt.set(key, Math.max(at ?? now, now) + this.intervalMs);
  }

  /** Forgets sources whose budget is whole again (the server's sweep); stops at the first one still owing. */
  prune(now: number): void {
    for (const [key, at] of this.fullAt) {
      if (at > now) return;
      this.fullAt.delete(key);
    }
  }

  private forgetOldest(): void {
    const oldest = this.fullAt.keys().next();
    if (!oldest.done) this.fullAt.delete(oldest.value);
  }
}

/** IPv4 addresses as they are; IPv6 by /64 (one host gets a whole /64, so a single address is no identity). */
export function sourceKey(address: string): string {
  if (!address.includes(':')) return address;
  const groups = expandIpv6(address);
  return groups === undefined ? address : `${groups.slice(0, 4).join(':')}::/64`;
}

function expandIpv6(address: string): string[] | undefined {
  const [head, tail, extra] = address.split('::');
  if (extra !== undefined) return undefined;
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const fill = tail === undefined ? 0 : 8 - left.length - right.length;
  if (fill < 0) return undefined;
  return [...left, ...Array<string>(fill).fill('0'), ...right].map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''));
}
