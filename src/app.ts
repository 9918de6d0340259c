/**
 * The whole process as `mtshield run` assembles it: kernel registry → security layer → proxy service → admin
 * plane. The proxy gets the layer's data port (gate, shaper, shared replay cache: src/security/ports.ts), the
 * admin plane its admin port (the services themselves). The data plane never imports the security or admin
 * code; this file is the one place that wires them together.
 *
 * Run-time changes (src/state/overlay.ts): the proxy's users are the config's with the overlay laid over them,
 * at start and after every reload, and each change the user directory reports is written to the overlay.
 */
import type { Logger } from 'pino';
import { adminEnabled, startAdmin, type AdminPlane } from './admin/index.js';
import type { MtShieldConfig } from './config/types.js';
import { EventBus } from './events.js';
import { loadKernels, type KernelRegistry } from './kernels/index.js';
import { createSecurityLayer, type SecurityDataPort, type SecurityLayer } from './security/index.js';
import { startService, type Service } from './service.js';
import type { StateStore } from './state/store.js';
import { openStateStore } from './state/index.js';
import { shareUserState } from './state/shared-users.js';

export type AppRole = 'single' | 'worker' | 'primary';

export interface StartAppOptions {
  role?: AppRole;
  /** The state store to use (a worker's IpcStateStore, the primary's real store); default: [state] backend. */
  store?: StateStore;
  /** Called after this process saved a run-time change, or applied one another process made (a primary tells its workers). */
  onOverlayChanged?: () => void;
}
import { answerProfilesFor, profileTargets, type ProfileStore } from './fronting/index.js';
import type { RuntimeOverlay } from './state/overlay.js';
import { UserDirectory } from './proxy/users.js';
import { MemoryUsageStore } from './proxy/usage-store.js';
import { OverlayWatch } from './state/overlay-watch.js';
import { SharedUsageStore } from './state/shared-usage.js';
import { createRelayEntry, startRelayExit, type RelayEntry, type RelayExit } from './upstream/relay/index.js';

export interface App {
  service: Service;
  bus: EventBus;
  security: SecurityLayer;
  admin?: AdminPlane;
  registry: KernelRegistry;
  /** The fronting sites' profiles (none on the embedded defaults or without a fronting domain). */
  profiles?: ProfileStore;
  /** [upstream] mode = "relay": the tunnel to the exit. */
  relayEntry?: RelayEntry;
  /** [relay] listen set: this process is a relay exit. */
  relayExit?: RelayExit;
  /** Re-reads the run-time overlay another process changed and applies its users and access rules. */
  refreshOverlay(): Promise<void>;
  reload(config: MtShieldConfig): Promise<void>;
  stop(deadlineMs?: number): Promise<void>;
}

/** The primary of a group of workers: no proxy service of its own. */
export type PrimaryApp = Omit<App, 'service'> & { service?: undefined };

export async function startApp(config: MtShieldConfig, logger: Logger, options?: StartAppOptions & { role?: 'single' | 'worker' }): Promise<App>;
export async function startApp(config: MtShieldConfig, logger: Logger, options: StartAppOptions & { role: 'primary' }): Promise<PrimaryApp>;
export async function startApp(config: MtShieldConfig, logger: Logger, options: StartAppOptions = {}): Promise<App | PrimaryApp> {
  const role = options.role ?? 'single';
  const bus = new EventBus();
  const registry = await loadKernels({ logger: logger.child({ part: 'kernels' }) });
  // One process on Redis shares users' counts with the others (docs/fleet.md): it opens the store for both.
  const ownStore = !options.store && role === 'single' && config.state.backend === 'redis' ? await openStateStore({ backend: 'redis', redisUrl: config.state.redisUrl, prefix: config.state.prefix }) : undefined;
  const store = options.store ?? ownStore;
  // One audit writer per group, so the hash chain never interleaves: a worker's security events go to the primary.
  const layerConfig = role === 'worker' ? { ...config, security: { ...config.security, audit: { ...config.security.audit, file: undefined } } } : config;
  const security = await createSecurityLayer({ config: layerConfig, bus, logger: logger.child({ part: 'security' }), kernels: registry, store });
  const data: SecurityDataPort = security;
  // Run-time changes (src/state/overlay.ts) laid over the config's users, at start and on every reload.
  const overlay = security.overlay;
  // Profiled in the background: until a site answers, its clients get the fallback profile (no proxy, no profiles).
  const answers = role === 'primary' ? {} : answerProfilesFor(config, logger.child({ part: 'fronting' }));
  const profiles = answers.store;
  // Byte counts and the counts behind max_connections / max_ips, for the group (none for one process on memory).
  const sharedUsers = role !== 'primary' && store ? shareUserState(store, { onError: (err) => logger.warn({ err: (err as Error).message }, 'shared usage not written yet') }) : undefined;
  const closeShared = async (): Promise<void> => {
    await sharedUsers?.close();
    await security.close();
    await ownStore?.close();
  };
  let service: Service | undefined;
  let relayEntry: RelayEntry | undefined;
  let relayExit: RelayExit | undefined;
  if (role !== 'primary') {
    try {
      // [upstream] mode = "relay": admitted clients go through the tunnel to the exit.
      if (config.upstream.mode === 'relay') relayEntry = createRelayEntry(config.upstream.relay!, registry, logger.child({ part: 'relay' }));
      service = await startService(withOverlayUsers(config, overlay), { bus, logger, registry, gate: data.gate, shaper: data.shaper, replay: data.replayCache, profiles: answers.source, upstream: relayEntry?.upstream, usageStore: sharedUsers?.usage });
      service.server.users.shareLimits(sharedUsers?.leases);
    } catch (err) {
      relayEntry?.close();
      await closeShared();
      throw err;
    }
    try {
      // [relay] listen set: this process is also an exit; its streams go to this process's own upstream.
      relayExit = await startRelayExit(config.relay, { kernels: registry, upstream: service.server.upstream, bus, logger: logger.child({ part: 'relay-exit' }) });
    } catch (err) {
      await service.stop(0);
      relayEntry?.close();
      await closeShared();
      throw err;
    }
    void profiles?.start();
  }
  // The user directory: the proxy's, or (a group's primary, which serves the users API for its workers) its own,
  // showing the group's byte counts. Run-time changes are recorded where the API is: a worker's come from the
  // primary (refreshOverlay), so it records none and runs no key rotation of its own.
  const primaryUsage = service || !store ? undefined : new SharedUsageStore(store);
  const users = service?.server.users ?? new UserDirectory(primaryUsage ?? new MemoryUsageStore());
  if (!service) users.replaceAll(withOverlayUsers(config, overlay).users);
  if (overlay) restoreRetiredKeys(users, overlay);
  // A run-time user change goes to the overlay (where the API is) and may add or drop a fronting domain (issue 15).
  if ((overlay && role !== 'worker') || profiles) {
    users.onChange((change) => {
      if (role !== 'worker') overlay?.recordUser(change);
      if (service) syncProfiles(profiles, service.server);
    });
  }
  if (role !== 'worker') security.attach({ users });
  let baseConfig = config;
  const refreshOverlay = async (): Promise<void> => {
    if (!overlay) return;
    await overlay.refresh();
    users.replaceAll(overlay.mergeUsers(baseConfig.users).users);
    restoreRetiredKeys(users, overlay);
    security.acl.restoreApiRules(overlay.acl);
    if (service) syncProfiles(profiles, service.server);
  };
  // Others learn of this process's run-time changes: a primary tells its workers, a process on Redis the others.
  if (overlay && options.onOverlayChanged) overlay.onSaved(options.onOverlayChanged);
  const watch =
    overlay && role !== 'worker' && store?.kind === 'redis'
      ? new OverlayWatch(store, overlay, async () => {
          await refreshOverlay();
          options.onOverlayChanged?.();
        }, (err) => logger.warn({ err: (err as Error).message }, 'run-time overlay not re-read'))
      : undefined;
  let admin: AdminPlane | undefined;
  if (role !== 'worker' && adminEnabled(config.admin)) {
    try {
      admin = await startAdmin({ config, bus, security, proxy: service?.server ?? { users, isReady: () => true }, kernels: registry, relayBytes: () => [...(relayEntry?.metrics.rows() ?? []), ...(relayExit?.metrics.rows() ?? [])], logger: logger.child({ part: 'admin' }) });
    } catch (err) {
      await relayExit?.close();
      await service?.stop(0);
      relayEntry?.close();
      await closeShared();
      throw err;
    }
  }
  return {
    bus,
    service: service as Service,
    security,
    admin,
    registry,
    profiles,
    relayEntry,
    relayExit,
    refreshOverlay,
    async reload(next) {
      if (service) service.server.reload(withOverlayUsers(next, overlay)); // throws (old config kept) when the new one cannot be applied
      else users.replaceAll(withOverlayUsers(next, overlay).users);
      baseConfig = next;
      if (overlay) restoreRetiredKeys(users, overlay);
      if (service) syncProfiles(profiles, service.server); // new domains probed in the background, dropped ones forgotten
      await security.reload(role === 'worker' ? { ...next, security: { ...next.security, audit: { ...next.security.audit, file: undefined } } } : next);
    },
    async stop(deadlineMs) {
      profiles?.stop();
      await relayExit?.close();
      await service?.stop(deadlineMs);
      relayEntry?.close();
      admin?.close();
      watch?.close();
      await primaryUsage?.close();
      await closeShared();
    },
  };
}

/** The config with the overlay's users laid over its own (precedence: src/state/overlay-users.ts). */
function withOverlayUsers(config: MtShieldConfig, overlay: RuntimeOverlay | undefined): MtShieldConfig {
  return overlay ? { ...config, users: overlay.mergeUsers(config.users).users } : config;
}

/** The fronting profiles follow the running users and [fronting] settings (src/fronting/store.ts update). */
function syncProfiles(profiles: ProfileStore | undefined, server: Service['server']): void {
  if (!profiles) return;
  const targets = profileTargets(server.config, server.users.list());
  // A rotated-out key keeps its own secret's domain through its grace period: so does that domain's profile.
  const domains = new Set(targets.domains);
  for (const candidate of server.users.candidates('tls')) {
    // (a removed user's key stays as a tombstone for a while, to refuse it as removed: no profile for it)
    if (candidate.domain && candidate.user.removedAt === undefined) domains.add(candidate.domain.toLowerCase());
  }
  void profiles.update(domains.size === targets.domains.length ? targets : { ...targets, domains: [...domains] });
}

/** Rotated-out keys come back as grace keys only while their grace period lasts (the overlay drops them after). */
function restoreRetiredKeys(users: UserDirectory, overlay: RuntimeOverlay): void {
  for (const { name, secret, until } of overlay.mergeUsers(users.list()).retired) users.restoreRetired(name, secret, until);
}
