/**
 * The relay entry as `mtshield run` builds it from [upstream] mode = "relay" (docs/operations.md "Chaining: entry
 * and exit"): the static key from `key_file`, the pinned exit key, this side's suites (default: the kernel
 * calibration), the rekey limits, and a connector to `servers` (failover and backoff) that the proxy's upstream
 * opens one stream per client on.
 */
import type { Logger } from 'pino';
import type { UpstreamConfig } from '../../config/types.js';
import type { KernelRegistry } from '../../kernels/index.js';
import type { UpstreamContext, UpstreamFactory } from '../types.js';
import { RelayConnector } from './connector.js';
import { RelayEntryUpstream } from './entry-upstream.js';
import { RelayConfigError } from './errors.js';
import { loadOrCreateKeyFile } from './key-file.js';
import { RelayCryptoCounters } from './metrics.js';
import { defaultSuites } from './suites-default.js';
import { parsePublicKey } from './x25519.js';

export type RelayEntryConfig = NonNullable<UpstreamConfig['relay']>;

export interface RelayEntry {
  readonly connector: RelayConnector;
  /** The proxy server's `upstream` option. */
  readonly upstream: UpstreamFactory;
  readonly publicKey: string;
  readonly metrics: RelayCryptoCounters;
  close(): void;
}

export function createRelayEntry(config: RelayEntryConfig, kernels: KernelRegistry, logger: Logger, tuning?: { keepaliveMs?: number; initialBackoffMs?: number }): RelayEntry {
  if (config.publicKey === undefined) throw new RelayConfigError('ERR_RELAY_BAD_KEY', 'upstream.relay.public_key is required');
  const key = loadOrCreateKeyFile(config.keyFile);
  const metrics = new RelayCryptoCounters(kernels);
  const connector = new RelayConnector({
    servers: config.servers,
    transport: config.transport,
    path: config.path,
    kernels,
    staticKey: key.keyPair,
    exitPublicKey: parsePublicKey(config.publicKey),
    suites: config.suites ?? defaultSuites(kernels),
    initialBackoffMs: tuning?.initialBackoffMs,
    tuning: { rekeyBytes: config.rekeyBytes, rekeyAfterMs: config.rekeyAfterMs, keepaliveMs: tuning?.keepaliveMs, metrics },
  });
  connector.on('up', (tunnel, server) => logger.info({ exit: `${server.host}:${server.port}`, suite: tunnel.suite }, 'relay tunnel up'));
  connector.on('down', (server, err) => logger.warn({ exit: `${server.host}:${server.port}`, code: err?.code }, 'relay tunnel down'));
  connector.on('retry', (server, err, delayMs) => logger.warn({ exit: `${server.host}:${server.port}`, error: err.message, delayMs }, 'relay connect failed'));
  connector.start();
  logger.info({ publicKey: key.publicKeyText, servers: config.servers.length }, 'relay entry started');
  return {
    connector,
    upstream: (ctx: UpstreamContext) => new RelayEntryUpstream(ctx, connector),
    publicKey: key.publicKeyText,
    metrics,
    close: () => connector.close(),
  };
}
