/**
 * The assembled data plane: kernels + proxy server + event bus, ready for the CLI, the admin plane and
 * tests. `startService(config)` loads the kernel registry (falling back to node:crypto streams when it
 * cannot), picks the upstream by [upstream] mode (direct, socks5: src/upstream/socks5, or middle: src/upstream/middle/mode.ts, whose missing
 * files refuse the start), starts the listeners and returns handles; `stop()` drains with the configured deadline.
 */
import type { Logger } from 'pino';
import type { MtShieldConfig } from './config/types.js';
import { EventBus } from './events.js';
import { loadKernels } from './kernels/index.js';
import { nodeCipherSource, type StreamCipherSource } from './proxy/cipher.js';
import type { BandwidthShaper, ConnectionGate } from './proxy/hooks.js';
import { createLogger } from './log/logger.js';
import { ProxyServer } from './proxy/server.js';
import type { ReplayCache } from './protocol/replay.js';
import type { UsageStore } from './proxy/usage-store.js';
import type { Upstream, UpstreamFactory } from './upstream/types.js';
import type { ProfileSource } from './fronting/source.js';
import { socks5Upstream } from './upstream/socks5/index.js';
import { nodeCbc, startMiddleMode, type CbcSource, type MiddleMode, type MiddleModeOptions } from './upstream/middle/index.js';

export interface ServiceOptions {
  bus?: EventBus;
  gate?: ConnectionGate;
  shaper?: BandwidthShaper;
  logger?: Logger;
  replay?: ReplayCache;
  usageStore?: UsageStore;
  /** A kernel registry already loaded (the CLI shares one); otherwise loadKernels() is called. */
  registry?: StreamCipherSource;
  /** Where admitted clients go (default: direct to the DCs); see src/upstream/types.ts. */
  upstream?: Upstream | UpstreamFactory;
  /** Fronting-site profiles for the fake-TLS answer (src/fronting/source.ts); default: the fallback profile. */
  profiles?: ProfileSource;
  /** Skip the kernel registry and use node:crypto AES-CTR (tests of the data plane alone). */
  nodeCrypto?: boolean;
  /** Internal middle-mode knobs (tests: a local download server, a short keep-alive). */
  middle?: Pick<MiddleModeOptions, 'baseUrl' | 'pool'>;
}

export interface Service {
  server: ProxyServer;
  bus: EventBus;
  /** The kernel registry the relay uses (or the node:crypto adapter when kernels are unavailable). */
  registry: StreamCipherSource;
  readonly config: MtShieldConfig;
  logger: Logger;
  /** Middle mode's pool and files, when [upstream] mode = "middle". */
  middle?: MiddleMode;
  /** Drains (deadline from config, or the one given) and closes. */
  stop(deadlineMs?: number): Promise<void>;
}

export async function startService(config: MtShieldConfig, options: ServiceOptions = {}): Promise<Service> {
  const logger = options.logger ?? createLogger(config.log.level);
  const bus = options.bus ?? new EventBus();
  const registry = options.registry ?? (options.nodeCrypto ? nodeCipherSource : await loadRegistry(logger));
  // [upstream] mode picks the upstream unless the caller brings its own
  let middle: MiddleMode | undefined;
  if (options.upstream === undefined && config.upstream.mode === 'middle') {
    const cbc: CbcSource = 'cbc' in registry ? (registry as CbcSource) : nodeCbc;
    middle = await startMiddleMode({ ...options.middle, config, registry: cbc, logger: logger.child({ part: 'middle' }) });
  }
  const server: ProxyServer = new ProxyServer(config, {
    bus,
    gate: options.gate,
    shaper: options.shaper,
    logger,
    ciphers: registry,
    replay: options.replay,
    usageStore: options.usageStore,
    upstream: options.upstream ?? middle?.upstream(() => server.config) ?? socks5For(config),
    profiles: options.profiles,
  });
  try {
    await server.listen();
  } catch (err) {
    await middle?.close();
    throw err;
  }
  let stopping: Promise<void> | undefined;
  return {
    server,
    bus,
    registry,
    logger,
    middle,
    get config() {
      return server.config;
    },
    stop(deadlineMs?: number) {
      stopping ??= (async () => {
        await server.drain(deadlineMs ?? server.config.server.drainTimeoutMs);
        await server.close();
        await middle?.close();
      })();
      return stopping;
    },
  };
}

/** [upstream] mode = "socks5": direct mode through the SOCKS5 server (read at start; a reload keeps it). */
function socks5For(config: MtShieldConfig): UpstreamFactory | undefined {
  const socks5 = config.upstream.socks5;
  if (config.upstream.mode !== 'socks5' || !socks5?.address) return undefined;
  return socks5Upstream({ address: socks5.address, username: socks5.username, password: socks5.password });
}

/** The kernel registry, or node:crypto streams when the kernels cannot be loaded (logged). */
async function loadRegistry(logger: Logger): Promise<StreamCipherSource> {
  try {
    return await loadKernels({ logger });
  } catch (err) {
    logger.warn({ err: (err as Error).message }, 'kernel registry unavailable; using node:crypto AES-256-CTR');
  }
  return nodeCipherSource;
}
