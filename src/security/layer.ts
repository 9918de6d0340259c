/**
 * The security layer assembled: one object owning the stores, the gate, the shaper, the detector, the audit
 * log and the timers, wired to the event bus. `createSecurityLayer` (index.ts) builds it; see there for the API.
 */
import { join } from 'node:path';
import type pino from 'pino';
import type { EventBus, SecurityEvent } from '../events.js';
import type { StateStore } from '../state/store.js';
import { StoreReplayCache } from '../state/replay.js';
import { MemoryReplayCache, type ReplayCache } from '../protocol/replay.js';
import { parseDuration } from '../config/units.js';
import { AccessControl } from './admission/acl.js';
import { AuditLog } from './audit/log.js';
import { verifyAuditFile } from './audit/verify.js';
import { AuthService } from './credentials/auth.js';
import { TokenBucketShaper } from './admission/bandwidth.js';
import { BlockManager, type BlockEntry, type BlockSource } from './admission/blocks.js';
import type { Clock } from './clock.js';
import type { SecurityConfig } from './config.js';
import { AnomalyDetector, severityAtLeast, type Threat } from './admission/anomaly/detector.js';
import { invalid } from './errors.js';
import { SecurityGate } from './admission/gate.js';
import { noGeo, openGeoResolver, type GeoResolver } from './admission/geo.js';
import { CidrSet } from './admission/ip.js';
import { limiterFactoryFor } from './admission/limiter-factory.js';
import { IpRateLimits } from './admission/limits.js';
import { NetsetWatcher } from './admission/netset.js';
import { PolicyStore } from './policy/store.js';
import { buildReport, type KernelStatusLike, type SecurityReport } from './audit/report.js';
import { Reporter } from './audit/reporter.js';
import { rotateKeys, rotationSummary, writeRotationLinks, type RotatableUsers, type RotationOptions, type RotationResult } from './credentials/rotation.js';
import { SessionManager } from './credentials/sessions.js';
import { TokenStore, type AdminTokenConfig } from './credentials/tokens.js';

export interface LayerConfig {
  security: SecurityConfig;
  adminTokens: readonly AdminTokenConfig[];
  stateDir?: string;
  link?: { host: string; port: number };
  /** Bound of the process-local replay cache (memory backend); default MemoryReplayCache's. */
  replayEntries?: number;
}

export interface LayerDeps {
  bus: EventBus;
  logger?: pino.Logger;
  store: StateStore;
  ownsStore: boolean;
  clock: Clock;
  users?: RotatableUsers;
  kernels?: { status(): KernelStatusLike };
  timers: boolean;
}

export class SecurityLayerCore {
  readonly reporter: Reporter;
  readonly policies: PolicyStore;
  readonly acl: AccessControl;
  readonly blockManager: BlockManager;
  readonly tokens: TokenStore;
  readonly sessions: SessionManager;
  readonly auth: AuthService;
  readonly detector: AnomalyDetector;
  readonly ipLimits: IpRateLimits;
  readonly gate: SecurityGate;
  readonly shaper: TokenBucketShaper;
  readonly audit: AuditLog;
  readonly replayCache: ReplayCache;
  private geo: GeoResolver = noGeo;
  private netset?: NetsetWatcher;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly detach: (() => void)[] = [];
  private lastRotationAt: number;
  users?: RotatableUsers;
  kernels?: { status(): KernelStatusLike };

  constructor(
    private config: LayerConfig,
    readonly deps: LayerDeps,
  ) {
    const { bus, clock, store } = deps;
    const sec = config.security;
    this.users = deps.users;
    this.kernels = deps.kernels;
    this.lastRotationAt = clock.now();
    this.reporter = new Reporter(bus, clock);
    this.audit = new AuditLog(sec.audit.file, clock, sec.audit.recent);
    const onEvent = (event: SecurityEvent) => this.onSecurityEvent(event);
    bus.on('security.event', onEvent);
    this.detach.push(() => bus.off('security.event', onEvent));

    this.policies = new PolicyStore(sec.policy, clock);
    this.policies.onSet((v) => this.reporter.emit({ type: 'policy.set', severity: 'medium', message: `policy version ${v.version} stored by ${v.actor}`, details: { version: v.version, actor: v.actor, modes: modes(v.rules) } }));
    this.policies.onChange((active, previous) => {
      this.reporter.emit({ type: 'policy.enforced', severity: 'medium', message: `policy version ${active.version} active (was ${previous?.version})`, details: { version: active.version, previous: previous?.version, modes: modes(active.rules) } });
      this.refreshGeo();
    });
    this.acl = new AccessControl(sec.access.default, sec.access.rules, clock);
    this.blockManager = new BlockManager(clock, store, (entry) =>
      this.reporter.emit({ type: 'block.expired', severity: 'info', message: `block on ${entry.cidr} expired`, ip: entry.cidr, details: { reason: entry.reason, source: entry.source } }),
    );
    this.tokens = new TokenStore(config.adminTokens, sec.security.tokens_file ?? (config.stateDir ? join(config.stateDir, 'admin-tokens.json') : undefined), clock);
    this.sessions = new SessionManager(clock);
    const factory = limiterFactoryFor(store, sec.state.prefix);
    this.auth = new AuthService(this.tokens, this.sessions, this.policies, clock, factory, sec.security.auth_failures_per_minute, sec.security.session_ttl, (r) => {
      if (r.ok) {
        this.reporter.counters.authAttempts.ok++;
        if (r.wouldRefuse) this.reporter.emitThrottled(`auth.weak:${r.principal}`, { type: 'policy.would_refuse.strong_auth', severity: 'low', message: `strong_auth (monitor) would refuse ${r.principal}: ${r.wouldRefuse}`, ip: r.ip, details: { principal: r.principal } });
        return;
      }
      if (r.reason === 'rate_limited') this.reporter.counters.authAttempts.rateLimited++;
      else this.reporter.counters.authAttempts.failed++;
      this.reporter.emitThrottled(`auth.failed:${r.ip}:${r.reason}`, { type: r.reason === 'rate_limited' ? 'auth.rate_limited' : 'auth.failed', severity: 'medium', message: `admin authentication failed from ${r.ip}: ${r.reason}`, ip: r.ip, details: { reason: r.reason } });
    });
    this.ipLimits = new IpRateLimits(factory, sec.limits);
    this.detector = new AnomalyDetector(sec.anomaly, clock, (threat, change) => this.onThreat(threat, change));
    this.detector.attach(bus);
    this.detach.push(() => this.detector.close());
    this.gate = new SecurityGate({
      blocks: this.blockManager,
      acl: this.acl,
      policies: this.policies,
      geo: () => this.geo,
      ipLimits: this.ipLimits,
      limits: () => this.config.security.limits,
      report: (r) => this.reporter.gate(r),
    });
    this.detach.push(this.gate.attach(bus));
    this.shaper = new TokenBucketShaper(sec.limits, clock, () => this.policies.mode('rate_limits'), (user, direction, delayMs, enforced) => {
      if (enforced) this.reporter.counters.rateLimited++;
      this.reporter.emitThrottled(`shaper:${user}:${direction}:${enforced}`, { type: enforced ? 'ratelimit.bandwidth' : 'policy.would_refuse.bandwidth', severity: 'info', message: `user ${user} over its ${direction} bandwidth (${enforced ? 'slowed' : 'monitor'}) by ${delayMs} ms`, user, details: { direction, delayMs, enforced } });
    });
    // Redis shares one replay window across a fleet and bounds it by expiry (and its maxmemory); in this
    // process a Map of every hello seen in 10 minutes would grow with a flood of valid handshakes, so the
    // memory backend uses the bounded LRU the data plane would use on its own.
    this.replayCache = store.kind === 'redis' ? new StoreReplayCache(store) : new MemoryReplayCache({ maxEntries: config.replayEntries });
    this.refreshGeo();
  }

  async start(): Promise<void> {
    await this.blockManager.load();
    await this.startNetset();
    if (!this.deps.timers) return;
    const every = (ms: number, job: () => void) => {
      if (!(ms > 0)) return;
      const timer = setInterval(() => {
        try {
          job();
        } catch (err) {
          this.deps.logger?.error({ err }, 'security timer job failed');
        }
      }, ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(5_000, () => this.blockManager.sweep());
    every(60_000, () => this.sessions.sweep());
    every(this.config.security.anomaly.baseline_interval, () => this.detector.tick());
    every(this.config.security.audit.interval, () => void this.auditSecurity().catch(() => {}));
    every(Math.min(this.policies.rule('key_rotation').interval, 3_600_000), () => this.runRotationSchedule());
  }

  private async startNetset(): Promise<void> {
    this.netset?.close();
    this.netset = undefined;
    const { file, poll } = this.config.security.blocklist;
    if (!file) {
      this.blockManager.setFileList(new CidrSet([]), 0);
      return;
    }
    this.netset = new NetsetWatcher(
      file,
      this.deps.timers ? poll : 0,
      (load) => {
        this.blockManager.setFileList(load.set, load.entries);
        this.reporter.emit({ type: 'blocklist.loaded', severity: 'info', message: `blocklist ${file}: ${load.entries} entries${load.badLines.length ? `, ${load.badLines.length} bad lines skipped` : ''}`, details: { file, entries: load.entries, badLines: load.badLines.slice(0, 20) } });
      },
      (error) => this.reporter.emitThrottled(`blocklist.error:${file}`, { type: 'blocklist.error', severity: 'medium', message: `blocklist ${file} not loaded: ${error.message}`, details: { file } }),
    );
    await this.netset.start();
  }

  /** Re-read the blocklist file now (tests; operators rely on the watcher). */
  async reloadBlocklist(): Promise<boolean> {
    return this.netset ? this.netset.reload() : false;
  }

  private refreshGeo(): void {
    const rule = this.policies.rule('geo');
    const needed = rule.mode !== 'off' && (rule.allow.length > 0 || rule.deny.length > 0 || rule.unknown === 'deny');
    if (!needed) {
      this.geo = noGeo;
      return;
    }
    if (this.geo === noGeo) {
      try {
        this.geo = openGeoResolver(this.config.security.geo);
      } catch (err) {
        this.reporter.emit({ type: 'geo.error', severity: 'high', message: (err as Error).message });
      }
    }
  }

  private onSecurityEvent(event: SecurityEvent): void {
    try {
      this.audit.append({ type: event.type, severity: event.severity, actor: (event.details?.actor as string | undefined) ?? 'system', message: event.message, ip: event.ip, user: event.user, details: event.details });
    } catch (err) {
      this.deps.logger?.error({ err }, 'audit append failed');
    }
    const log = this.deps.logger;
    if (!log) return;
    const fields = { event: event.type, severity: event.severity, ip: event.ip, user: event.user };
    if (event.severity === 'info') log.debug(fields, event.message);
    else if (event.severity === 'low') log.info(fields, event.message);
    else log.warn(fields, event.message);
  }

  private onThreat(threat: Threat, change: 'new' | 'escalated'): void {
    this.reporter.counters.threatsTotal++;
    const rule = this.policies.rule('anomaly_actions');
    const blockable = threat.subject.kind !== 'user' && rule.mode !== 'off' && severityAtLeast(threat.severity, rule.min_severity);
    if (blockable && rule.mode === 'enforce') {
      this.blockManager.add(threat.subject.value, `${threat.type}: ${threat.message}`, { ttlMs: rule.block_ttl, source: 'anomaly', actor: 'anomaly' });
      this.reporter.counters.blocksAdded++;
      threat.action = 'blocked';
    } else {
      threat.action = blockable ? 'would_block' : 'reported';
    }
    this.reporter.emit({
      type: threat.type,
      severity: threat.severity,
      message: `${threat.message}${change === 'escalated' ? ' (escalated)' : ''}; action: ${threat.action}`,
      ip: threat.subject.kind === 'user' ? undefined : threat.subject.value,
      user: threat.subject.kind === 'user' ? threat.subject.value : undefined,
      details: { ...threat.details, threat: threat.id, action: threat.action, actor: 'anomaly', blockTtlMs: threat.action === 'blocked' ? rule.block_ttl : undefined },
    });
  }

  /** block_ip_address: `ttl` as milliseconds or a duration text ("10m"); none = until removed. */
  addBlock(ipOrCidr: string, reason: string, options: { ttl?: number | string; ttlMs?: number; source?: BlockSource; actor?: string } = {}): BlockEntry {
    let ttlMs = options.ttlMs;
    if (options.ttl !== undefined) {
      ttlMs = typeof options.ttl === 'number' ? options.ttl : parseDuration(options.ttl);
      if (ttlMs === undefined) throw invalid('ttl', `"${options.ttl}" is not a duration (use e.g. "10m", "1h")`);
    }
    const entry = this.blockManager.add(ipOrCidr, reason, { ttlMs, source: options.source ?? 'api', actor: options.actor });
    this.reporter.counters.blocksAdded++;
    this.reporter.emit({ type: 'block.added', severity: 'medium', message: `blocked ${entry.cidr}: ${reason}`, ip: entry.cidr, details: { reason, source: entry.source, actor: options.actor, expiresAt: entry.expiresAt && new Date(entry.expiresAt).toISOString() } });
    return entry;
  }

  removeBlock(ipOrCidr: string, actor?: string): BlockEntry {
    const entry = this.blockManager.remove(ipOrCidr);
    this.reporter.emit({ type: 'block.removed', severity: 'medium', message: `unblocked ${entry.cidr}`, ip: entry.cidr, details: { actor, reason: entry.reason } });
    return entry;
  }

  async auditSecurity(): Promise<SecurityReport> {
    const sec = this.config.security;
    let kernels: KernelStatusLike | undefined;
    try {
      kernels = this.kernels?.status();
    } catch {
      kernels = undefined;
    }
    const report = buildReport({
      now: this.deps.clock.now(),
      soonMs: sec.audit.soon_expiring,
      users: this.users?.list() ?? [],
      tokens: this.tokens.list(),
      policies: this.policies.rules,
      limits: sec.limits,
      kernels,
      staleTimeFailures: this.detector.staleTimeFailures,
      topFailingSources: this.detector.topFailingSources(10),
      activeThreats: this.detector.activeThreats().length,
      blocks: this.blockManager.size,
    });
    this.reporter.emit({ type: 'audit.report', severity: report.counts.high + report.counts.critical > 0 ? 'medium' : 'info', message: `security audit: ${report.findings.length} findings`, details: { counts: report.counts } });
    return report;
  }

  rotateEncryptionKeys(options: RotationOptions & { actor?: string; writeLinks?: boolean } = {}): RotationResult {
    const now = this.deps.clock.now();
    const result = rotateKeys(
      { users: this.users, tokens: this.tokens, sessions: this.sessions, now, link: this.config.link },
      options,
      this.policies.rule('key_rotation').grace,
    );
    const linksFile = this.config.security.security.rotation_links_file;
    if (options.writeLinks && result.users.length > 0) writeRotationLinks(linksFile, result);
    this.reporter.emit({ type: 'keys.rotated', severity: 'medium', message: `rotated ${result.users.length} user secret(s) and ${result.tokens.length} token(s)`, details: { ...rotationSummary(result), actor: options.actor ?? 'system' } });
    return result;
  }

  /** The key_rotation policy's schedule: enforce rotates every user and writes the links file; monitor reports. */
  runRotationSchedule(): RotationResult | undefined {
    const rule = this.policies.rule('key_rotation');
    const now = this.deps.clock.now();
    if (rule.mode === 'off' || now - this.lastRotationAt < rule.interval || !this.users) return undefined;
    this.lastRotationAt = now;
    if (rule.mode === 'monitor') {
      this.reporter.emit({ type: 'keys.rotation_due', severity: 'low', message: `key rotation due for ${this.users.list().length} user(s) (key_rotation in monitor mode)` });
      return undefined;
    }
    const result = this.rotateEncryptionKeys({ users: 'all', actor: 'policy:key_rotation', writeLinks: true });
    this.deps.logger?.info({ users: result.users.map((u) => u.name), linksFile: this.config.security.security.rotation_links_file }, 'scheduled key rotation done; new links written to the links file');
    return result;
  }

  async verifyAuditFile(path?: string) {
    const file = path ?? this.audit.file;
    if (!file) throw invalid('path', 'no audit file configured');
    return verifyAuditFile(file);
  }

  /** SIGHUP: apply a new config (validated by the caller's schema). API-made rules and blocks survive. */
  async reload(config: LayerConfig): Promise<void> {
    const previous = this.config;
    this.config = config;
    const sec = config.security;
    this.acl.replaceConfigRules(sec.access.default, sec.access.rules);
    this.ipLimits.configure(sec.limits);
    this.shaper.configure(sec.limits);
    this.detector.configure(sec.anomaly);
    this.tokens.reloadConfig(config.adminTokens);
    this.auth.configure(sec.security.auth_failures_per_minute, sec.security.session_ttl);
    if (JSON.stringify(sec.policy) !== JSON.stringify(previous.security.policy)) this.policies.setRules(sec.policy, { actor: 'config' });
    if (sec.geo.database !== previous.security.geo.database || sec.geo.fallback !== previous.security.geo.fallback) {
      this.geo = noGeo;
      this.refreshGeo();
    }
    if (sec.blocklist.file !== previous.security.blocklist.file) await this.startNetset();
    this.reporter.emit({ type: 'config.reloaded', severity: 'info', message: 'security configuration reloaded', details: { policyVersion: this.policies.active().version } });
  }

  async close(): Promise<void> {
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    this.netset?.close();
    for (const off of this.detach.splice(0)) off();
    this.audit.close();
    if (this.deps.ownsStore) await this.deps.store.close();
  }
}

function modes(rules: Record<string, { mode: string }>): Record<string, string> {
  return Object.fromEntries(Object.entries(rules).map(([k, v]) => [k, v.mode]));
}
