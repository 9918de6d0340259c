/**
 * Per-user bandwidth as a token bucket per direction (up = client → DC, down = DC → client). The relay asks
 * `delayFor(user, direction, bytes)` before moving a chunk and waits the answer; the bucket is charged at once
 * and may go into debt, the debt being the wait. Synchronous on purpose: it sits on the relay's hot path, and
 * a promise per chunk would cost more than the bucket itself. In `monitor` mode the shaper counts the delay it
 * would have imposed and returns 0. A user over its rate is reported as a throttled `ratelimit.bandwidth` event
 * (`policy.would_refuse.bandwidth` in monitor), so a slowed stream costs one event per user per window.
 */
import type { BandwidthShaper, Direction } from '../../proxy/hooks.js';
import type { SecurityEventSink } from '../audit/reporter.js';
import type { Clock } from '../clock.js';
import type { LimitsConfig, PolicyMode } from '../../config/index.js';

interface Bucket {
  tokens: number;
  at: number;
}

export interface ShaperCounters {
  delayedChunks: number;
  delayedMs: number;
  wouldDelayChunks: number;
}

export class TokenBucketShaper implements BandwidthShaper {
  private readonly buckets = new Map<string, Bucket>();
  readonly counters: ShaperCounters = { delayedChunks: 0, delayedMs: 0, wouldDelayChunks: 0 };

  constructor(
    private limits: LimitsConfig,
    private readonly clock: Clock,
    private readonly mode: () => PolicyMode,
    private readonly events?: SecurityEventSink,
  ) {}

  private onLimited(user: string, direction: Direction, delayMs: number, enforced: boolean): void {
    if (!this.events) return;
    if (enforced) this.events.counters.rateLimited++;
    const type = enforced ? 'ratelimit.bandwidth' : 'policy.would_refuse.bandwidth';
    this.events.emitThrottled(`shaper:${user}:${direction}:${enforced}`, { type, severity: 'info', message: `user ${user} over its ${direction} bandwidth (${enforced ? 'slowed' : 'monitor'}) by ${delayMs} ms`, user, details: { direction, delayMs, enforced } });
  }

  configure(limits: LimitsConfig): void {
    this.limits = limits;
    this.buckets.clear();
  }

  /** Bytes per second for a user and direction; 0 = unlimited. */
  rate(user: string, direction: Direction): number {
    const own = this.limits.users[user];
    const base = this.limits.perUser;
    const pick = direction === 'up' ? 'bandwidthUpBytes' : 'bandwidthDownBytes';
    return own?.[pick] ?? own?.bandwidthBytes ?? base[pick] ?? base.bandwidthBytes ?? 0;
  }

  private burst(user: string, rate: number): number {
    return this.limits.users[user]?.burstBytes ?? this.limits.perUser.burstBytes ?? rate;
  }

  delayFor(user: string, direction: Direction, bytes: number): number {
    const mode = this.mode();
    if (mode === 'off') return 0;
    const rate = this.rate(user, direction);
    if (rate <= 0) return 0;
    const burst = this.burst(user, rate);
    const key = `${direction}:${user}`;
    const now = this.clock.now();
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { tokens: burst, at: now };
      this.buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) * rate) / 1000);
    bucket.at = now;
    bucket.tokens -= bytes;
    if (bucket.tokens >= 0) return 0;
    const delay = Math.ceil((-bucket.tokens * 1000) / rate);
    if (mode === 'monitor') {
      // Not enforced: forgive the debt so the count reflects this chunk, not the whole history.
      bucket.tokens = 0;
      this.counters.wouldDelayChunks++;
      this.onLimited(user, direction, delay, false);
      return 0;
    }
    this.counters.delayedChunks++;
    this.counters.delayedMs += delay;
    this.onLimited(user, direction, delay, true);
    return delay;
  }
}
