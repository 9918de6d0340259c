/**
 * The anomaly detector: listens to the data plane's events and turns patterns into findings (threats).
 *
 *   anomaly.handshake_burst   failed handshakes from one IP within `window`        ≥ handshake_failures_per_ip
 *   anomaly.subnet_burst      … from one /24 (IPv4) or /64 (IPv6) within `subnet_window`, ≥ handshake_failures_
 *                             per_subnet AND from ≥ subnet_min_sources distinct addresses (one noisy address
 *                             is a handshake_burst, never a reason to block its neighbours)
 *   anomaly.secret_scan       wrong-secret failures (bad_secret: an obfuscated2 header no secret decodes) from
 *                             one IP ≥ wrong_secrets_per_ip. A wrong secret decodes to noise, so two attempts
 *                             cannot be told apart: every such failure counts as one more distinct secret tried.
 *
 * An ordinary TLS hello (bad_hmac: a well-formed ClientHello whose random carries no user's HMAC) is what every
 * browser opening the fronted site sends; it is fronted and is neither a scan nor subnet evidence, only a
 * per-address burst. A hello whose random does carry a user's HMAC but is replayed, expired or for the wrong
 * SNI (replay, stale_time, bad_sni) is a near miss: it counts everywhere.
 *   anomaly.replay            replayed hello / header bytes from one IP: medium at the first, high at replays_per_ip
 *   anomaly.shared_secret     one user's secret seen from ≥ shared_secret_ips distinct IPs within shared_secret_window
 *   anomaly.traffic_spike     a user's bytes per baseline_interval above its EWMA baseline × factor
 *   anomaly.connection_spike  a user's new connections per interval above its baseline × factor
 *
 * A threat stays active until `threat_ttl` after its last sighting; a repeat only updates it (one event per
 * threat, plus one if its severity rises). What happens next (report or block) is the caller's policy.
 */
import type { EventBus, Severity } from '../../../events.js';
import type { Clock } from '../../clock.js';
import type { AnomalyConfig } from '../../../config/index.js';
import { normaliseIp, subnetOf } from '../ip.js';
import { EwmaBaseline } from './baseline.js';
import { DistinctWindow, SlidingCounter } from './windows.js';

export interface Threat {
  id: string;
  type: string;
  severity: Severity;
  /** What it is about: an address, a subnet (CIDR) or a user. */
  subject: { kind: 'ip' | 'cidr' | 'user'; value: string };
  message: string;
  count: number;
  firstSeen: number;
  lastSeen: number;
  /** What the policy did: set by the caller. */
  action?: 'blocked' | 'would_block' | 'reported';
  details?: Record<string, unknown>;
}

const SEVERITY_RANK: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };
export const severityAtLeast = (a: Severity, b: Severity) => SEVERITY_RANK[a] >= SEVERITY_RANK[b];

const WRONG_SECRET = new Set(['bad_secret']);
/** What a browser visiting the fronted site produces (docs/security.md, "Anomaly detection"). */
const ORDINARY_HELLO = 'bad_hmac';

export class AnomalyDetector {
  private readonly threats = new Map<string, Threat>();
  private failuresByIp!: SlidingCounter;
  private failuresBySubnet!: SlidingCounter;
  private sourcesBySubnet!: DistinctWindow;
  private wrongSecrets!: SlidingCounter;
  private replays!: SlidingCounter;
  private ipsPerUser!: DistinctWindow;
  private trafficBaseline!: EwmaBaseline;
  private connectionBaseline!: EwmaBaseline;
  private bytesThisInterval = new Map<string, number>();
  private connectionsThisInterval = new Map<string, number>();
  private readonly replayedConnections = new Set<number>();
  /** Failed handshakes per source since start (bounded), for the audit report. */
  readonly failureTotals = new Map<string, number>();
  staleTimeFailures = 0;
  private readonly detach: (() => void)[] = [];

  constructor(
    private config: AnomalyConfig,
    private readonly clock: Clock,
    private readonly onThreat: (threat: Threat, change: 'new' | 'escalated') => void,
  ) {
    this.configure(config);
  }

  configure(config: AnomalyConfig): void {
    this.config = config;
    this.failuresByIp = new SlidingCounter(config.windowMs, config.handshakeFailuresPerIp * 2);
    this.failuresBySubnet = new SlidingCounter(config.subnetWindowMs, config.handshakeFailuresPerSubnet * 2);
    this.sourcesBySubnet = new DistinctWindow(config.subnetWindowMs, config.subnetMinSources * 4);
    this.wrongSecrets = new SlidingCounter(config.windowMs, config.wrongSecretsPerIp * 2);
    this.replays = new SlidingCounter(config.windowMs, config.replaysPerIp * 2);
    this.ipsPerUser = new DistinctWindow(config.sharedSecretWindowMs, config.sharedSecretIps * 4);
    const base = { alpha: config.baselineAlpha, factor: config.baselineFactor, warmup: config.baselineWarmup };
    this.trafficBaseline = new EwmaBaseline({ ...base, floor: config.baselineMinBytes });
    this.connectionBaseline = new EwmaBaseline({ ...base, floor: config.baselineMinConnections });
  }

  attach(bus: EventBus): void {
    // A client that reset before it was accepted has no peer address (""): nothing to count it against, and
    // subnetOf would throw inside the bus emit (an uncaught exception in the proxy's sweep).
    const failed = (e: { id: number; remoteAddress: string; reason: string }) => {
      if (normaliseIp(e.remoteAddress) !== undefined) this.onHandshakeFailed(e.remoteAddress, e.reason, e.id);
    };
    const replay = (e: { id: number; remoteAddress: string; kind: string }) => {
      if (normaliseIp(e.remoteAddress) !== undefined) this.onReplay(e.remoteAddress, e.id, e.kind);
    };
    const ok = (e: { remoteAddress: string; user: string }) => this.onHandshakeOk(e.remoteAddress, e.user);
    const bytes = (e: { user: string; fromClient: number; toClient: number }) => this.onBytes(e.user, e.fromClient + e.toClient);
    bus.on('handshake.failed', failed);
    bus.on('replay.detected', replay);
    bus.on('handshake.ok', ok);
    bus.on('bytes', bytes);
    this.detach.push(
      () => bus.off('handshake.failed', failed),
      () => bus.off('replay.detected', replay),
      () => bus.off('handshake.ok', ok),
      () => bus.off('bytes', bytes),
    );
  }

  close(): void {
    for (const off of this.detach.splice(0)) off();
  }

  onHandshakeFailed(ip: string, reason: string, connectionId?: number): void {
    const now = this.clock.now();
    this.failureTotals.set(ip, (this.failureTotals.get(ip) ?? 0) + 1);
    if (this.failureTotals.size > 10_000) this.failureTotals.delete(this.failureTotals.keys().next().value!);
    if (reason === 'stale_time') this.staleTimeFailures++;
    if (reason === 'replay') this.onReplay(ip, connectionId, 'handshake');
    const c = this.config;
    const perIp = this.failuresByIp.add(ip, now);
    if (perIp >= c.handshakeFailuresPerIp) {
      this.raise('anomaly.handshake_burst', 'high', { kind: 'ip', value: ip }, `${perIp} failed handshakes from ${ip} within ${c.windowMs / 1000}s`, { failures: perIp });
    }
    if (reason === ORDINARY_HELLO) return;
    const subnet = subnetOf(ip);
    const perSubnet = this.failuresBySubnet.add(subnet, now);
    const sources = this.sourcesBySubnet.add(subnet, ip, now);
    if (perSubnet >= c.handshakeFailuresPerSubnet && sources >= c.subnetMinSources) {
      this.raise('anomaly.subnet_burst', 'high', { kind: 'cidr', value: subnet }, `${perSubnet} failed handshakes from ${sources} addresses in ${subnet} within ${c.subnetWindowMs / 1000}s`, { failures: perSubnet, sources });
    }
    if (WRONG_SECRET.has(reason)) {
      const tried = this.wrongSecrets.add(ip, now);
      if (tried >= c.wrongSecretsPerIp) {
        this.raise('anomaly.secret_scan', 'high', { kind: 'ip', value: ip }, `${tried} wrong secrets tried from ${ip} within ${c.windowMs / 1000}s`, { attempts: tried });
      }
    }
  }

  onReplay(ip: string, connectionId: number | undefined, kind: string): void {
    // The proxy may report one replay both as replay.detected and as handshake.failed(replay): count it once.
    if (connectionId !== undefined) {
      if (this.replayedConnections.has(connectionId)) return;
      this.replayedConnections.add(connectionId);
      if (this.replayedConnections.size > 4096) this.replayedConnections.delete(this.replayedConnections.values().next().value!);
    }
    const count = this.replays.add(ip, this.clock.now());
    const severity: Severity = count >= this.config.replaysPerIp ? 'high' : 'medium';
    this.raise('anomaly.replay', severity, { kind: 'ip', value: ip }, `${count} replayed handshake(s) from ${ip} (an active probe)`, { replays: count, kind });
  }

  onHandshakeOk(ip: string, user: string): void {
    this.connectionsThisInterval.set(user, (this.connectionsThisInterval.get(user) ?? 0) + 1);
    const ips = this.ipsPerUser.add(user, ip, this.clock.now());
    if (ips >= this.config.sharedSecretIps) {
      this.raise('anomaly.shared_secret', 'medium', { kind: 'user', value: user }, `user ${user}'s secret used from ${ips} addresses`, { addresses: ips });
    }
  }

  onBytes(user: string, bytes: number): void {
    this.bytesThisInterval.set(user, (this.bytesThisInterval.get(user) ?? 0) + bytes);
  }

  /** Closes one baseline interval (called by a timer every `baseline_interval`, or by tests). */
  tick(): void {
    const users = new Set([...this.bytesThisInterval.keys(), ...this.connectionsThisInterval.keys()]);
    for (const user of users) {
      const bytes = this.bytesThisInterval.get(user) ?? 0;
      const traffic = this.trafficBaseline.observe(user, bytes);
      if (traffic.spike) {
        this.raise('anomaly.traffic_spike', 'medium', { kind: 'user', value: user }, `user ${user} moved ${bytes} bytes in one interval, baseline ${Math.round(traffic.baseline)}`, { bytes, baseline: Math.round(traffic.baseline) });
      }
      const connections = this.connectionsThisInterval.get(user) ?? 0;
      const conn = this.connectionBaseline.observe(user, connections);
      if (conn.spike) {
        this.raise('anomaly.connection_spike', 'medium', { kind: 'user', value: user }, `user ${user} opened ${connections} connections in one interval, baseline ${conn.baseline.toFixed(1)}`, { connections, baseline: conn.baseline });
      }
    }
    // Users seen before but idle now sample 0, so their baseline decays instead of freezing; once it has
    // decayed to nothing they drop out of the sampling until they are seen again.
    const keep = [...users].filter((u) => (this.trafficBaseline.baseline(u) ?? 0) >= 1 || (this.connectionBaseline.baseline(u) ?? 0) >= 0.01);
    this.bytesThisInterval = new Map(keep.map((u) => [u, 0]));
    this.connectionsThisInterval = new Map(keep.map((u) => [u, 0]));
    this.expire();
  }

  private raise(type: string, severity: Severity, subject: Threat['subject'], message: string, details: Record<string, unknown>): void {
    const now = this.clock.now();
    this.expire();
    const id = `${type}:${subject.value}`;
    const existing = this.threats.get(id);
    if (existing) {
      existing.count++;
      existing.lastSeen = now;
      existing.message = message;
      existing.details = details;
      if (SEVERITY_RANK[severity] > SEVERITY_RANK[existing.severity]) {
        existing.severity = severity;
        this.onThreat(existing, 'escalated');
      }
      return;
    }
    const threat: Threat = { id, type, severity, subject, message, count: 1, firstSeen: now, lastSeen: now, details };
    this.threats.set(id, threat);
    this.onThreat(threat, 'new');
  }

  private expire(): void {
    const cutoff = this.clock.now() - this.config.threatTtlMs;
    for (const [id, threat] of this.threats) if (threat.lastSeen <= cutoff) this.threats.delete(id);
  }

  activeThreats(): Threat[] {
    this.expire();
    return [...this.threats.values()].map((t) => ({ ...t, subject: { ...t.subject } })).sort((a, b) => b.lastSeen - a.lastSeen);
  }

  topFailingSources(n = 10): { ip: string; failures: number }[] {
    return [...this.failureTotals].sort((a, b) => b[1] - a[1]).slice(0, n).map(([ip, failures]) => ({ ip, failures }));
  }
}
