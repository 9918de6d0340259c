/**
 * Per-IP and per-user connection limits for the proxy gate:
 *   per IP   new connections per second and failed handshakes per minute (rate-limiter-flexible), concurrent
 *            connections (an in-process counter: it follows sockets this process holds);
 *   per user concurrent connections; bandwidth lives in bandwidth.ts (the relay needs a synchronous answer).
 * A limit of 0 is off. The answers are "would refuse" facts; the gate applies the policy mode to them.
 */
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { LimitsConfig } from '../../config/index.js';
import { isOverLimit, type LimiterFactory } from './limiter-factory.js';

export type IpLimitHit = 'new_connections' | 'failed_handshakes';

export class IpRateLimits {
  private newConnections?: RateLimiterAbstract;
  private failedHandshakes?: RateLimiterAbstract;
  private failedPoints = 0;

  constructor(
    private readonly factory: LimiterFactory,
    limits: LimitsConfig,
  ) {
    this.configure(limits);
  }

  configure(limits: LimitsConfig): void {
    const perIp = limits.perIp;
    this.newConnections = perIp.newConnectionsPerSecond > 0
      ? this.factory({ keyPrefix: 'ip_new', points: perIp.newConnectionsPerSecond, durationSec: 1 })
      : undefined;
    this.failedPoints = perIp.failedHandshakesPerMinute;
    this.failedHandshakes = perIp.failedHandshakesPerMinute > 0
      ? this.factory({ keyPrefix: 'ip_fail', points: perIp.failedHandshakesPerMinute, durationSec: 60 })
      : undefined;
  }

  /** Counts one new connection from `ip`; names the limit it is over, if any. Store errors fail open. */
  async onNewConnection(ip: string): Promise<IpLimitHit | undefined> {
    if (this.failedHandshakes) {
      try {
        const res = await this.failedHandshakes.get(ip);
        if (res && res.consumedPoints >= this.failedPoints) return 'failed_handshakes';
      } catch {
        // a store outage must not refuse everyone
      }
    }
    if (this.newConnections) {
      try {
        await this.newConnections.consume(ip);
      } catch (rejection) {
        if (isOverLimit(rejection)) return 'new_connections';
      }
    }
    return undefined;
  }

  async onFailedHandshake(ip: string): Promise<void> {
    if (!this.failedHandshakes) return;
    try {
      await this.failedHandshakes.consume(ip);
    } catch {
      // over the limit already: the next accept will see it
    }
  }
}

/** Concurrent connections per key (IP or user), tracked per connection id so a close is counted once. */
export class ConcurrencyCounter {
  private readonly counts = new Map<string, number>();
  private readonly holders = new Map<number, string>();

  count(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  acquire(connectionId: number, key: string): void {
    if (this.holders.has(connectionId)) return;
    this.holders.set(connectionId, key);
    this.counts.set(key, this.count(key) + 1);
  }

  release(connectionId: number): void {
    const key = this.holders.get(connectionId);
    if (key === undefined) return;
    this.holders.delete(connectionId);
    const next = this.count(key) - 1;
    if (next <= 0) this.counts.delete(key);
    else this.counts.set(key, next);
  }

  get total(): number {
    return this.holders.size;
  }

  entries(): [string, number][] {
    return [...this.counts];
  }
}
