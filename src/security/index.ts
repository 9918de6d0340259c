/**
 * The security layer's facade — the API the proxy, the admin plane and the CLI use (docs/contracts.md,
 * "Security layer"; docs/security.md for operators). Keep it stable: add, never rename.
 *
 *   const security = await createSecurityLayer({ config, bus, logger?, store?, clock?, users?, kernels?, timers? });
 *
 *   config      MtShieldConfig (src/config) — reads config.security.{audit,policy,access,limits,anomaly,blocklist,
 *               geo,security,state}, config.admin.tokens, config.server.{stateDir,publicHost,listen}, config.users;
 *               absent tables take their defaults. A raw TOML object works too via `parseSecurityConfig`.
 *   store       a StateStore (src/state); default: [state] backend (memory, or Redis at state.redis_url).
 *   clock       injectable (tests); users = the proxy's UserDirectory (rotation, audit); kernels = the registry.
 *
 *   security.gate / security.shaper      → startService(config, { gate, shaper })  (src/proxy/hooks.ts)
 *   security.replayCache                 → a ReplayCache: over Redis (one fleet-wide replay window) with the redis
 *                                          backend; with memory, the proxy's bounded LRU (tls.replay_entries)
 *   security.acl        list() · add(rule, position?) · remove(id) · defaultDecision
 *   security.blocks     add(ip|cidr, reason, { ttl?: "10m" | ms, ttlMs?, actor? }) · remove(ip|cidr, actor?) · list() · match(ip)
 *   security.block_ip_address(ip|cidr, reason, ttl?)
 *   security.auth       authenticate(bearer, ip) → AuthResult (401/429) · createSession(token, ip, ttlMs?)
 *   security.tokens     create({ name, level, expiresAt? }) → { token (shown once), record } · revoke(name) · list() · verify(token)
 *   security.sessions   verify(id) · revoke(id | handle) · revokeByToken(name) · list()
 *   security.policies   active() · history() · set(doc, { actor, enforce? }) · enforce(version?) · mode(rule) · rule(name)
 *   security.activeThreats() · security.anomaly.tick() · security.anomaly.topFailingSources()
 *   security.audit      append({ type, actor, message, details… }) · recent(n) · verifyFile(path?) · head() · file
 *   security.auditSecurity() → SecurityReport { findings, counts, …, text }
 *   security.rotateEncryptionKeys({ users?: names | 'all', tokens?: names, graceMs? }) → new secrets, links, tokens
 *   security.counters() → refusals by source, would-refuse (monitor), rate limited, auth attempts, threats, blocks
 *   security.reload(config)  (SIGHUP) · security.attach({ users?, kernels? }) · security.close()
 *
 * Levels (levels.ts): requireLevel(actual, AccessLevel.ADMIN) throws ERR_SECURITY_FORBIDDEN (→ 403).
 * Errors: SecurityError with ERR_SECURITY_* codes; `field` names the bad input (→ 400).
 */
import type pino from 'pino';
import type { EventBus } from '../events.js';
import type { BandwidthShaper, ConnectionGate } from '../proxy/hooks.js';
import { parseSecret } from '../protocol/secrets.js';
import type { StateStore } from '../state/store.js';
import { openStateStore } from '../state/index.js';
import type { ReplayCache } from '../protocol/replay.js';
import type { AccessControl, AccessRule } from './admission/acl.js';
import type { AuditEntry, AuditInput } from './audit/log.js';
import type { AuditVerifyResult } from './audit/verify.js';
import type { ChainHead } from './audit/chain.js';
import type { AuthService } from './credentials/auth.js';
import type { BlockEntry, BlockMatch, BlockSource } from './admission/blocks.js';
import type { ShaperCounters } from './admission/bandwidth.js';
import { systemClock, type Clock } from './clock.js';
import { securityConfigShape, type AccessRuleInput, type SecurityConfig } from './config.js';
import type { Threat } from './admission/anomaly/detector.js';
import { SecurityLayerCore, type LayerConfig } from './layer.js';
import type { PolicyStore } from './policy/store.js';
import type { KernelStatusLike, SecurityReport } from './audit/report.js';
import type { SecurityCounters } from './audit/reporter.js';
import type { RotatableUsers, RotationOptions, RotationResult } from './credentials/rotation.js';
import type { SessionManager } from './credentials/sessions.js';
import type { AdminTokenConfig, TokenStore } from './credentials/tokens.js';

export { AccessLevel, hasLevel, requireLevel, parseLevel, levelName, type LevelName } from './credentials/levels.js';
export { SecurityError, type SecurityErrorCode } from './errors.js';
export { parseSecurityConfig, securityConfigShape, type SecurityConfig } from './config.js';
export { generateAdminToken, hashToken, tokenTomlBlock } from './credentials/tokens.js';
export { verifyAuditFile } from './audit/verify.js';
export { ManualClock, systemClock, type Clock } from './clock.js';
export type { Threat, SecurityReport, SecurityCounters, RotationResult, BlockEntry, AccessRule, AuditEntry };

/** What the facade reads from the config (MtShieldConfig satisfies it). */
export interface SecurityLayerConfigInput {
  security?: Partial<SecurityConfig>;
  admin?: { tokens?: readonly AdminTokenConfig[] };
  server?: { stateDir?: string; publicHost?: string; listen?: readonly { host: string; port: number }[] };
  users?: readonly { name: string; secret: string; maxConnections?: number; quotaBytes?: number; expiresAt?: number; level?: string }[];
  tls?: { replayEntries?: number };
}

export interface SecurityLayerOptions {
  config: SecurityLayerConfigInput;
  bus: EventBus;
  logger?: pino.Logger;
  store?: StateStore;
  clock?: Clock;
  users?: RotatableUsers;
  kernels?: { status(): KernelStatusLike };
  /** Background timers (sweeps, baselines, scheduled audit and rotation). Default true. */
  timers?: boolean;
}

export interface SecurityLayer {
  gate: ConnectionGate;
  shaper: BandwidthShaper;
  replayCache: ReplayCache;
  acl: Pick<AccessControl, 'list' | 'remove'> & { add(rule: AccessRuleInput, position?: number): AccessRule; readonly defaultDecision: 'allow' | 'deny' };
  blocks: {
    add(ipOrCidr: string, reason: string, options?: { ttl?: number | string; ttlMs?: number; source?: BlockSource; actor?: string }): BlockEntry;
    remove(ipOrCidr: string, actor?: string): BlockEntry;
    list(): BlockEntry[];
    match(ip: string): BlockMatch | undefined;
  };
  block_ip_address(ipOrCidr: string, reason: string, ttl?: number | string): BlockEntry;
  auth: AuthService;
  tokens: TokenStore;
  sessions: SessionManager;
  policies: PolicyStore;
  anomaly: { activeThreats(): Threat[]; tick(): void; topFailingSources(n?: number): { ip: string; failures: number }[] };
  activeThreats(): Threat[];
  audit: { append(input: AuditInput): AuditEntry; recent(n?: number): AuditEntry[]; verifyFile(path?: string): Promise<AuditVerifyResult>; head(): ChainHead; readonly file?: string };
  auditSecurity(): Promise<SecurityReport>;
  rotateEncryptionKeys(options?: RotationOptions & { actor?: string; writeLinks?: boolean }): RotationResult;
  /** Runs the key_rotation policy's schedule now (the timer calls it). */
  runRotationSchedule(): RotationResult | undefined;
  /** Re-reads the blocklist file now (the watcher does it by itself). */
  reloadBlocklist(): Promise<boolean>;
  counters(): SecurityCounters & { blocksActive: number; threatsActive: number; policyVersion: number; connectionsTracked: number; shaper: ShaperCounters };
  reload(config: SecurityLayerConfigInput): Promise<void>;
  attach(parts: { users?: RotatableUsers; kernels?: { status(): KernelStatusLike } }): void;
  close(): Promise<void>;
}

type TableName = keyof typeof securityConfigShape;

/** Fills absent tables with their defaults; the tables present were parsed by the config schema already. */
export function layerConfigFrom(input: SecurityLayerConfigInput): LayerConfig {
  const given = (input.security ?? {}) as Partial<SecurityConfig>;
  const security = {} as Record<TableName, unknown>;
  for (const name of Object.keys(securityConfigShape) as TableName[]) {
    security[name] = given[name] ?? securityConfigShape[name].parse(undefined);
  }
  const sec = security as SecurityConfig;
  const listenPort = input.server?.listen?.[0]?.port;
  const host = sec.security.link_host ?? input.server?.publicHost;
  const port = sec.security.link_port ?? listenPort;
  return {
    security: sec,
    adminTokens: input.admin?.tokens ?? [],
    stateDir: input.server?.stateDir,
    link: host && port ? { host, port } : undefined,
    replayEntries: input.tls?.replayEntries,
  };
}

/** The config's users as a read-only directory (for the audit report) until the proxy's UserDirectory is attached. */
function configUsers(input: SecurityLayerConfigInput): RotatableUsers | undefined {
  if (!input.users) return undefined;
  const list = input.users.map((u) => {
    let mode: 'plain' | 'dd' | 'ee' = 'plain';
    let domain: string | undefined;
    try {
      const parsed = parseSecret(u.secret);
      mode = parsed.mode;
      domain = parsed.domain;
    } catch {
      // the config schema already refused bad secrets
    }
    return { name: u.name, mode, domain, expiresAt: u.expiresAt, maxConnections: u.maxConnections, quotaBytes: u.quotaBytes, level: u.level };
  });
  return {
    list: () => list,
    rotate: () => {
      throw new Error('rotation needs the proxy UserDirectory: call security.attach({ users: service.server.users })');
    },
  };
}

export async function createSecurityLayer(options: SecurityLayerOptions): Promise<SecurityLayer> {
  const config = layerConfigFrom(options.config);
  const clock = options.clock ?? systemClock;
  const state = config.security.state;
  const store = options.store ?? (await openStateStore({ backend: state.backend, redisUrl: state.redis_url, prefix: state.prefix, now: () => clock.now() }));
  const core = new SecurityLayerCore(config, {
    bus: options.bus,
    logger: options.logger,
    store,
    ownsStore: options.store === undefined,
    clock,
    users: options.users ?? configUsers(options.config),
    kernels: options.kernels,
    timers: options.timers ?? true,
  });
  await core.start();

  const acl = core.acl;
  return {
    gate: core.gate,
    shaper: core.shaper,
    replayCache: core.replayCache,
    acl: {
      list: () => acl.list(),
      add: (rule, position) => {
        const added = acl.add(rule, position);
        core.reporter.emit({ type: 'acl.rule_added', severity: 'medium', message: `access rule ${added.name ?? added.id} added: ${added.action}`, user: added.user, details: { rule: added } });
        return added;
      },
      remove: (id) => {
        acl.remove(id);
        core.reporter.emit({ type: 'acl.rule_removed', severity: 'medium', message: `access rule ${id} removed`, details: { id } });
      },
      get defaultDecision() {
        return acl.defaultDecision;
      },
    },
    blocks: {
      add: (ip, reason, opts) => core.addBlock(ip, reason, opts),
      remove: (ip, actor) => core.removeBlock(ip, actor),
      list: () => core.blockManager.list(),
      match: (ip) => core.blockManager.match(ip),
    },
    block_ip_address: (ip, reason, ttl) => core.addBlock(ip, reason, { ttl }),
    auth: core.auth,
    tokens: core.tokens,
    sessions: core.sessions,
    policies: core.policies,
    anomaly: {
      activeThreats: () => core.detector.activeThreats(),
      tick: () => core.detector.tick(),
      topFailingSources: (n) => core.detector.topFailingSources(n),
    },
    activeThreats: () => core.detector.activeThreats(),
    audit: {
      append: (input) => core.audit.append(input),
      recent: (n) => core.audit.recent(n),
      verifyFile: (path) => core.verifyAuditFile(path),
      head: () => core.audit.currentHead(),
      get file() {
        return core.audit.file;
      },
    },
    auditSecurity: () => core.auditSecurity(),
    rotateEncryptionKeys: (opts) => core.rotateEncryptionKeys(opts),
    runRotationSchedule: () => core.runRotationSchedule(),
    reloadBlocklist: () => core.reloadBlocklist(),
    counters: () => ({
      ...structuredClone(core.reporter.counters),
      blocksActive: core.blockManager.size,
      threatsActive: core.detector.activeThreats().length,
      policyVersion: core.policies.active().version,
      connectionsTracked: core.gate.perIp.total,
      shaper: { ...core.shaper.counters },
    }),
    reload: (input) => core.reload(layerConfigFrom(input)),
    attach: (parts) => {
      if (parts.users) core.users = parts.users;
      if (parts.kernels) core.kernels = parts.kernels;
    },
    close: () => core.close(),
  };
}
