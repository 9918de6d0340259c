/**
 * How the layer speaks: every finding or action becomes a `security.event` on the bus (the audit log, the
 * admin event stream and the logs all listen there) and bumps a counter the admin metrics read.
 * Per-connection refusals are throttled per (kind, source, address): under a flood the counters stay exact
 * while the event stream — and the audit file — get one line per source per `throttleMs`, carrying the
 * number of refusals folded into it; and at most `maxPerSecond` such events leave in any one second. What
 * that ceiling drops is counted (`eventsDropped`) and reported by one `audit.events_dropped` event ("N events
 * dropped") when the next event leaves, so the audit file records the gap.
 */
import { LRUCache } from 'lru-cache';
import type { EventBus, SecurityEvent, Severity } from '../../events.js';
import { zeroByRefusalSource as zeroBySource, type RefusalSource } from '../../vocabulary/index.js';
import type { Clock } from '../clock.js';
import type { GateReport } from '../admission/gate.js';

export interface SecurityCounters {
  /** Connections refused by the gate, by source. */
  refused: Record<RefusalSource, number>;
  /** Connections a monitor-mode rule would have refused, by source. */
  wouldRefuse: Record<RefusalSource, number>;
  /** Refusals and delays due to rate limits and connection limits (enforced). */
  rateLimited: number;
  authAttempts: { ok: number; failed: number; rateLimited: number };
  threatsTotal: number;
  blocksAdded: number;
  /** Runtime blocks evicted to keep the list within its bound. */
  blocksEvicted: number;
  eventsEmitted: number;
  eventsSuppressed: number;
  /** Throttled events dropped by the per-second ceiling (a subset of eventsSuppressed). */
  eventsDropped: number;
}

export function emptyCounters(): SecurityCounters {
  return {
    refused: zeroBySource(),
    wouldRefuse: zeroBySource(),
    rateLimited: 0,
    authAttempts: { ok: 0, failed: 0, rateLimited: 0 },
    threatsTotal: 0,
    blocksAdded: 0,
    blocksEvicted: 0,
    eventsEmitted: 0,
    eventsSuppressed: 0,
    eventsDropped: 0,
  };
}

/** Who asked for a change: the admin principal ("token:ops") and its client address, or a part of the system. */
export interface ActionBy {
  actor: string;
  clientIp?: string;
}

/** The audit fields of an action: `actor` (the audit line's actor) and, from the admin plane, `clientIp`. */
export function byFields(by: ActionBy | undefined, fallback = 'system'): { actor: string; clientIp?: string } {
  return by?.clientIp === undefined ? { actor: by?.actor ?? fallback } : { actor: by.actor, clientIp: by.clientIp };
}

export type SecurityEventInput = Omit<SecurityEvent, 'at'> & { at?: number };

/** What a service needs to speak: emit (throttled or not) and the shared counters. Reporter is the default. */
export interface SecurityEventSink {
  readonly counters: SecurityCounters;
  emit(event: SecurityEventInput): void;
  emitThrottled(key: string, event: Omit<SecurityEvent, 'at'>): void;
}

export class Reporter implements SecurityEventSink {
  readonly counters = emptyCounters();
  private readonly throttle = new LRUCache<string, { at: number; folded: number }>({ max: 20_000 });

  constructor(
    private readonly bus: EventBus,
    private readonly clock: Clock,
    private readonly throttleMs = 10_000,
    private readonly maxPerSecond = 200,
  ) {}

  private second = 0;
  private inSecond = 0;
  /** Dropped by the ceiling and not yet reported. */
  private unreportedDrops = 0;

  emit(event: SecurityEventInput): void {
    if (this.unreportedDrops > 0) this.reportDrops();
    this.counters.eventsEmitted++;
    this.bus.emit('security.event', { ...event, at: event.at ?? this.clock.now() });
  }

  /** Emits at most once per key per throttle window; returns how many were folded into this one. */
  emitThrottled(key: string, event: Omit<SecurityEvent, 'at'>): void {
    const now = this.clock.now();
    // A global ceiling too: a flood from many addresses must not turn into a flood of audit lines.
    const second = Math.floor(now / 1000);
    if (second !== this.second) {
      this.second = second;
      this.inSecond = 0;
    }
    const slot = this.throttle.get(key);
    const throttled = slot !== undefined && now - slot.at < this.throttleMs;
    if (throttled || this.inSecond >= this.maxPerSecond) {
      if (slot) slot.folded++;
      this.counters.eventsSuppressed++;
      if (!throttled && !slot) {
        // Nothing will carry this one's count later: record the drop itself.
        this.counters.eventsDropped++;
        this.unreportedDrops++;
      }
      return;
    }
    this.inSecond++;
    const folded = slot?.folded ?? 0;
    this.throttle.set(key, { at: now, folded: 0 });
    this.emit({ ...event, details: { ...event.details, suppressedSinceLast: folded } });
  }

  private reportDrops(): void {
    const dropped = this.unreportedDrops;
    this.unreportedDrops = 0;
    this.emit({ type: 'audit.events_dropped', severity: 'medium', message: `${dropped} events dropped by the rate ceiling (${this.maxPerSecond}/s)`, details: { dropped, ceilingPerSecond: this.maxPerSecond } });
  }

  gate(report: GateReport): void {
    const severity: Severity = report.kind === 'refused' ? (report.by === 'block' ? 'low' : 'medium') : 'info';
    if (report.kind === 'refused') {
      this.counters.refused[report.by]++;
      if (report.by === 'rate_limit' || report.by === 'limit') this.counters.rateLimited++;
    } else {
      this.counters.wouldRefuse[report.by]++;
    }
    const type = report.kind === 'refused' ? `gate.refused.${report.by}` : `policy.would_refuse.${report.by}`;
    this.emitThrottled(`${type}:${report.ip}:${report.rule ?? ''}`, {
      type,
      severity,
      message: report.kind === 'refused' ? `refused ${report.ip}: ${report.reason}` : `would refuse ${report.ip} (monitor): ${report.reason}`,
      ip: report.ip,
      user: report.user,
      details: { by: report.by, rule: report.rule, reason: report.reason },
    });
  }
}
