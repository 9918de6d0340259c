/**
 * The security layer's entry (docs/security.md for operators, docs/architecture.md for the seams):
 *
 *   const security = await createSecurityLayer({ config, bus, logger?, store?, clock?, users?, kernels?, timers? });
 *
 *   config      MtShieldConfig (src/config) — reads config.security (typed, units resolved), config.state,
 *               config.link, config.admin.tokens, config.server.stateDir, config.tls.replayEntries, config.users.
 *   store       a StateStore (src/state); default: [state] backend (memory, or Redis at state.redis_url).
 *   clock       injectable (tests); users = the proxy's UserDirectory (rotation, audit); kernels = the registry.
 *
 * The result is the composition root (layer.ts) and serves two ports (ports.ts):
 *   SecurityDataPort   gate · shaper · replayCache           → startService(config, { gate, shaper, replay })
 *   SecurityAdminPort  acl · blocks · policies · auth · tokens · sessions · threats · audit · keys ·
 *                      auditSecurity() · counters()            → startAdmin({ security }), the CLI
 * plus its lifecycle: reload(config) (SIGHUP) · attach({ users?, kernels? }) · reloadBlocklist() · close(),
 * and `overlay`: the run-time changes (users, rotations, API rules, blocks) kept in <state_dir> or Redis
 * (src/state/overlay.ts), laid over the config at start and after each reload.
 *
 * Levels (credentials/levels.ts): requireLevel(actual, AccessLevel.ADMIN) throws ERR_SECURITY_FORBIDDEN (→ 403).
 * Errors: SecurityError with ERR_SECURITY_* codes; `field` names the bad input (→ 400).
 */
import type pino from 'pino';
import type { EventBus } from '../events.js';
import type { StateStore } from '../state/store.js';
import { openStateStore } from '../state/index.js';
import { FileOverlayPersistence, StoreOverlayPersistence, type OverlayPersistence } from '../state/overlay-persistence.js';
import { RuntimeOverlay } from '../state/overlay.js';
import type { KernelStatusLike } from './audit/report.js';
import { systemClock, type Clock } from './clock.js';
import type { RotatableUsers } from './credentials/rotation.js';
import { configUsers, layerConfigFrom, type SecurityLayerConfigInput } from './layer-config.js';
import { SecurityLayer } from './layer.js';

export { AccessLevel, hasLevel, requireLevel, parseLevel, levelName, type LevelName } from './credentials/levels.js';
export { SecurityError, type SecurityErrorCode } from './errors.js';
export { parseSecurityConfig, type SecurityConfig } from '../config/index.js';
export { generateAdminToken, hashToken, tokenTomlBlock } from './credentials/tokens.js';
export { verifyAuditFile } from './audit/verify.js';
export { ManualClock, systemClock, type Clock } from './clock.js';
export type { Threat } from './admission/anomaly/detector.js';
export type { SecurityReport } from './audit/report.js';
export type { SecurityCounters, ActionBy } from './audit/reporter.js';
export type { RotationResult } from './credentials/rotation.js';
export type { BlockEntry } from './admission/blocks.js';
export type { AccessRule } from './admission/acl.js';
export type { AuditEntry } from './audit/log.js';
export type { SecurityAdminPort, SecurityDataPort, SecurityCountersSnapshot } from './ports.js';
export type { SecurityLayerConfigInput } from './layer-config.js';
export { SecurityLayer };

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

export async function createSecurityLayer(options: SecurityLayerOptions): Promise<SecurityLayer> {
  const config = layerConfigFrom(options.config);
  const clock = options.clock ?? systemClock;
  const state = config.state;
  const store = options.store ?? (await openStateStore({ backend: state.backend, redisUrl: state.redisUrl, prefix: state.prefix, now: () => clock.now() }));
  // Run-time changes live where the shared state lives: Redis (directly, or through the primary), else a file.
  const shared = store.kind === 'redis' || (store.kind === 'ipc' && state.backend === 'redis');
  const persistence: OverlayPersistence | undefined = shared ? new StoreOverlayPersistence(store) : config.stateDir ? new FileOverlayPersistence(config.stateDir) : undefined;
  let overlay: RuntimeOverlay | undefined;
  try {
    overlay = persistence && (await RuntimeOverlay.open(persistence, { now: () => clock.now(), onError: (err) => options.logger?.error({ err: err.message }, 'run-time overlay not saved') }));
  } catch (err) {
    if (options.store === undefined) await store.close();
    throw err;
  }
  const layer = new SecurityLayer(config, {
    overlay,
    bus: options.bus,
    logger: options.logger,
    store,
    ownsStore: options.store === undefined,
    clock,
    users: options.users ?? configUsers(options.config),
    kernels: options.kernels,
    timers: options.timers ?? true,
  });
  await layer.start();
  return layer;
}
