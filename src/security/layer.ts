/**
 * The security layer's composition root: builds the services (stores, gate, shaper, detector, audit log,
 * key rotation), wires them to the event bus and runs their timers. The object it makes is both ports
 * (ports.ts): the data plane gets its gate, shaper and replay cache; the admin plane gets the services
 * themselves. Each service reports its own changes; this file only wires, schedules and reloads.
 * `createSecurityLayer` (index.ts) fills in defaults and opens the state store, then builds it.
 */
import { join } from 'node:path';
import type pino from 'pino';
import type { EventBus, SecurityEvent } from '../events.js';
import type { StateStore } from '../state/store.js';
import type { RuntimeOverlay } from '../state/overlay.js';
import { StoreReplayCache } from '../state/replay.js';
import { MemoryReplayCache, type ReplayCache } from '../protocol/replay.js';
import { AccessControl } from './admission/acl.js';
import { AnomalyDetector } from './admission/anomaly/detector.js';
import { respondToThreat } from './admission/anomaly/response.js';
import { TokenBucketShaper } from './admission/bandwidth.js';
import { BlockManager } from './admission/blocks.js';
import { SecurityGate } from './admission/gate.js';
import { noGeo, openGeoResolver, type GeoResolver } from './admission/geo.js';
import { CidrSet } from './admission/ip.js';
import { limiterFactoryFor } from './admission/limiter-factory.js';
import { IpRateLimits } from './admission/limits.js';
import { NetsetWatcher } from './admission/netset.js';
import { AuditLog } from './audit/log.js';
import { buildReport, type KernelStatusLike, type SecurityReport } from './audit/report.js';
import { Reporter } from './audit/reporter.js';
import type { Clock } from './clock.js';
import type { SecurityConfig, StateConfig } from '../config/index.js';
import { AuthService } from './credentials/auth.js';
import { KeyRotation } from './credentials/key-rotation.js';
import type { RotatableUsers } from './credentials/rotation.js';
import { SessionManager } from './credentials/sessions.js';
import { TokenStore, type AdminTokenConfig } from './credentials/tokens.js';
import { PolicyStore } from './policy/store.js';
import { layerConfigFrom, type SecurityLayerConfigInput } from './layer-config.js';
import type { SecurityAdminPort, SecurityCountersSnapshot, SecurityDataPort } from './ports.js';

export interface LayerConfig {
  security: SecurityConfig;
  state: StateConfig;
  adminTokens: readonly AdminTokenConfig[];
  stateDir?: string;
  link?: { host: string; port: number };
  /** Bounds of the process-local replay cache (memory backend): bytes, and optionally entries; default MemoryReplayCache's. */
  replayEntries?: number;
  replayMemoryBytes?: number;
}

export interface LayerDeps {
  bus: EventBus;
  logger?: pino.Logger;
  store: StateStore;
  ownsStore: boolean;
  /** The run-time changes kept across SIGHUP and restart; none = changes live only in memory. */
  overlay?: RuntimeOverlay;
  clock: Clock;
  users?: RotatableUsers;
  kernels?: { status(): KernelStatusLike };
  timers: boolean;
}

export class SecurityLayer implements SecurityDataPort, SecurityAdminPort {
  /** The one set of security counters (fed by the services as they act), read by /metrics and /api/v1/stats. */
  readonly reporter: Reporter;
  readonly policies: PolicyStore;
  readonly acl: AccessControl;
  readonly blocks: BlockManager;
  readonly tokens: TokenStore;
  readonly sessions: SessionManager;
  readonly auth: AuthService;
  readonly threats: AnomalyDetector;
  readonly ipLimits: IpRateLimits;
  readonly gate: SecurityGate;
  readonly shaper: TokenBucketShaper;
  readonly audit: AuditLog;
  readonly keys: KeyRotation;
  readonly replayCache: ReplayCache;
  readonly overlay: RuntimeOverlay | undefined;
  private geo: GeoResolver = noGeo;
  private netset?: NetsetWatcher;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly detach: (() => void)[] = [];
  private users?: RotatableUsers;
  private kernels?: { status(): KernelStatusLike };

  constructor(
    private config: LayerConfig,
    private readonly deps: LayerDeps,
  ) {
    const { bus, clock, store } = deps;
    const sec = config.security;
    this.users = deps.users;
    this.kernels = deps.kernels;
    this.overlay = deps.overlay;
    const events = (this.reporter = new Reporter(bus, clock));
    // The audit key lives in state_dir, outside the log, so whoever can write the log cannot re-key it.
    const auditKey = config.stateDir ? { keyFile: join(config.stateDir, 'audit.key'), headFile: join(config.stateDir, 'audit.head') } : undefined;
    this.audit = new AuditLog(sec.audit.file, clock, sec.audit.recent, auditKey);
    const onEvent = (event: SecurityEvent) => this.onSecurityEvent(event);
    bus.on('security.event', onEvent);
    this.detach.push(() => bus.off('security.event', onEvent));

    this.policies = new PolicyStore(sec.policy, clock, events);
    this.policies.onChange(() => this.refreshGeo());
    this.acl = new AccessControl(sec.access.default, sec.access.rules, clock, events);
    const overlay = deps.overlay;
    if (overlay) {
      const skipped = this.acl.restoreApiRules(overlay.acl);
      if (skipped > 0) deps.logger?.warn({ skipped }, 'run-time overlay: access rules that cannot be read were skipped');
      this.acl.persistTo((rules) => overlay.setAcl(rules));
    }
    this.blocks = new BlockManager(clock, store, events);
    this.tokens = new TokenStore(config.adminTokens, sec.tokensFile ?? (config.stateDir ? join(config.stateDir, 'admin-tokens.json') : undefined), clock);
    this.sessions = new SessionManager(clock);
    const factory = limiterFactoryFor(store, config.state.prefix);
    this.auth = new AuthService(this.tokens, this.sessions, this.policies, clock, factory, sec.authFailuresPerMinute, sec.sessionTtlMs, events);
    this.ipLimits = new IpRateLimits(factory, sec.limits);
    this.threats = new AnomalyDetector(sec.anomaly, clock, (threat, change) => respondToThreat(threat, change, { policies: this.policies, blocks: this.blocks, events }));
    this.threats.attach(bus);
    this.detach.push(() => this.threats.close());
    this.gate = new SecurityGate({
      blocks: this.blocks,
      acl: this.acl,
      policies: this.policies,
      geo: () => this.geo,
      ipLimits: this.ipLimits,
      limits: () => this.config.security.limits,
      report: (r) => events.gate(r),
    });
    this.detach.push(this.gate.attach(bus));
    this.shaper = new TokenBucketShaper(sec.limits, clock, () => this.policies.mode('rate_limits'), events);
    this.keys = new KeyRotation({
      tokens: this.tokens,
      sessions: this.sessions,
      policies: this.policies,
      clock,
      events,
      logger: deps.logger,
      users: () => this.users,
      settings: () => ({ link: this.config.link, linksFile: this.config.security.rotationLinksFile }),
    });
    // Redis (a fleet) or the primary (workers, over IPC) shares one replay window and bounds it by expiry; in this
    // process a Map of every hello seen in 10 minutes would grow with a flood of valid handshakes, so the
    // memory backend uses the bounded LRU the data plane would use on its own.
    this.replayCache = store.kind !== 'memory' ? new StoreReplayCache(store, undefined, config.state.replayOnOutage) : new MemoryReplayCache({ maxEntries: config.replayEntries, maxBytes: config.replayMemoryBytes });
    this.refreshGeo();
  }

  /** Hands the layer the proxy's user directory (rotation, audit) and the kernel registry (audit) once they exist. */
  attach(parts: { users?: RotatableUsers; kernels?: { status(): KernelStatusLike } }): void {
    if (parts.users) this.users = parts.users;
    if (parts.kernels) this.kernels = parts.kernels;
  }

  counters(): SecurityCountersSnapshot {
    return {
      ...structuredClone(this.reporter.counters),
      blocksActive: this.blocks.size,
      threatsActive: this.threats.activeThreats().length,
      policyVersion: this.policies.active().version,
      connectionsTracked: this.gate.perIp.total,
      shaper: { ...this.shaper.counters },
    };
  }

  async start(): Promise<void> {
    await this.blocks.load();
    const overlay = this.overlay;
    if (overlay) {
      this.blocks.restore(overlay.blocks);
      this.blocks.persistTo((entries) => overlay.setBlocks(entries));
    }
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
    every(5_000, () => this.blocks.sweep());
    // [fleet] Several machines on one Redis: blocks set by another process are read back every second
    // (node:cluster workers of one machine are also told at once by their primary, src/cluster).
    if (this.deps.store.kind === 'redis') every(1_000, () => void this.blocks.load().catch(() => {}));
    every(60_000, () => this.sessions.sweep());
    every(this.config.security.anomaly.baselineIntervalMs, () => this.threats.tick());
    every(this.config.security.audit.intervalMs, () => void this.auditSecurity().catch(() => {}));
    every(Math.min(this.policies.rule('key_rotation').interval, 3_600_000), () => this.keys.runSchedule());
  }

  private async startNetset(): Promise<void> {
    this.netset?.close();
    this.netset = undefined;
    const { file, pollMs: poll } = this.config.security.blocklist;
    if (!file) {
      this.blocks.setFileList(new CidrSet([]), 0);
      return;
    }
    this.netset = new NetsetWatcher(
      file,
      this.deps.timers ? poll : 0,
      (load) => {
        this.blocks.setFileList(load.set, load.entries);
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
      soonMs: sec.audit.soonExpiringMs,
      users: this.users?.list() ?? [],
      tokens: this.tokens.list(),
      policies: this.policies.rules,
      limits: sec.limits,
      kernels,
      staleTimeFailures: this.threats.staleTimeFailures,
      topFailingSources: this.threats.topFailingSources(10),
      activeThreats: this.threats.activeThreats().length,
      blocks: this.blocks.size,
    });
    this.reporter.emit({ type: 'audit.report', severity: report.counts.high + report.counts.critical > 0 ? 'medium' : 'info', message: `security audit: ${report.findings.length} findings`, details: { counts: report.counts } });
    return report;
  }

  /** SIGHUP: apply a new config (validated by the caller's schema). API-made rules and blocks survive. */
  async reload(input: SecurityLayerConfigInput): Promise<void> {
    const config = layerConfigFrom(input);
    const previous = this.config;
    this.config = config;
    const sec = config.security;
    this.acl.replaceConfigRules(sec.access.default, sec.access.rules);
    this.ipLimits.configure(sec.limits);
    this.shaper.configure(sec.limits);
    this.threats.configure(sec.anomaly);
    this.tokens.reloadConfig(config.adminTokens);
    this.auth.configure(sec.authFailuresPerMinute, sec.sessionTtlMs);
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
    await this.overlay?.flush();
    if (this.deps.ownsStore) await this.deps.store.close();
  }
}
