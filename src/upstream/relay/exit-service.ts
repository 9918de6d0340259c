/**
 * The relay exit as `mtshield run` starts it from [relay] (docs/operations.md "Chaining: entry and exit"): one
 * listener per `listen` address with the static key from `key_file`, the entries of `allow`, and this side's
 * suites (default: the kernel calibration). Each stream an entry opens goes to this process's own upstream (the
 * Upstream the proxy server built from [upstream]) as an admitted plaintext client; the client address the entry
 * reports is logged. Every refused handshake and failed tunnel becomes a `security.event` (type
 * "relay.tunnel_failed"), which the security layer writes to the audit log.
 */
import type { Logger } from 'pino';
import type { RelayExitConfig } from '../../config/types.js';
import type { EventBus } from '../../events.js';
import type { KernelRegistry } from '../../kernels/index.js';
import type { ProtocolTag } from '../../protocol/obfuscated2.js';
import type { AdmittedClient, Upstream } from '../types.js';
import type { RelayError } from './errors.js';
import { listenRelayExit, type RelayExitServer } from './exit-server.js';
import { ExitPump } from './exit-pump.js';
import { loadOrCreateKeyFile } from './key-file.js';
import { RelayCryptoCounters } from './metrics.js';
import { WindowReplayCache } from './replay-cache.js';
import type { RelayStream } from './stream.js';
import { defaultSuites } from './suites-default.js';
import type { RelayTunnel } from './tunnel.js';
import { parsePublicKey } from './x25519.js';

export interface RelayExitDeps {
  kernels: KernelRegistry;
  /** Where the streams go: the proxy server's own upstream. */
  upstream: Upstream;
  bus: EventBus;
  logger: Logger;
  /** Overrides the tunnel timings (tests). */
  tuning?: { keepaliveMs?: number; streamWindow?: number };
}

export interface RelayExit {
  readonly servers: readonly RelayExitServer[];
  readonly publicKey: string;
  readonly metrics: RelayCryptoCounters;
  close(): Promise<void>;
}

/** The user name the exit's streams carry in dc.connected / dc.failed events. */
export const RELAY_EXIT_USER = 'relay';

const NO_KEYS = { decrypt: { key: new Uint8Array(32), iv: new Uint8Array(16) }, encrypt: { key: new Uint8Array(32), iv: new Uint8Array(16) } };
const FRAMINGS: readonly string[] = ['abridged', 'intermediate', 'padded'];

export async function startRelayExit(config: RelayExitConfig, deps: RelayExitDeps): Promise<RelayExit | undefined> {
  if (config.listen.length === 0) return undefined;
  const { logger, bus } = deps;
  const key = loadOrCreateKeyFile(config.keyFile);
  const metrics = new RelayCryptoCounters(deps.kernels);
  const replay = new WindowReplayCache();
  let nextId = 1;

  const onFailure = (err: RelayError, remote: string) => {
    logger.warn({ remote, code: err.code, reason: err.reason }, 'relay tunnel failed');
    bus.emit('security.event', {
      type: 'relay.tunnel_failed',
      severity: 'medium',
      at: Date.now(),
      message: `relay tunnel from ${remote} failed: ${err.reason}`,
      ip: remote.replace(/:\d+$/, '').replace(/^\[|\]$/g, ''),
      details: { reason: err.reason, code: err.code },
    });
  };

  const onStream = (stream: RelayStream, tunnelRemote: string) => {
    const { meta } = stream;
    stream.pause(); // hold the client's bytes until the upstream is there (the pump resumes)
    if (!FRAMINGS.includes(meta.framing)) return stream.destroy(new Error(`unknown framing "${meta.framing}"`));
    const client: AdmittedClient = {
      ref: { id: nextId++, remoteAddress: meta.clientAddress, remotePort: meta.clientPort, localAddress: tunnelRemote, localPort: 0 },
      user: RELAY_EXIT_USER,
      mode: 'plain',
      dc: meta.dc,
      framing: meta.framing as ProtocolTag,
      keys: NO_KEYS,
      plaintext: true,
    };
    logger.info({ client: `${meta.clientAddress}:${meta.clientPort}`, entry: tunnelRemote, dc: meta.dc }, 'relay stream');
    const abort = new AbortController();
    stream.once('close', () => abort.abort(new Error('relay stream closed')));
    deps.upstream.connect(client, abort.signal).then(
      (link) => {
        if (stream.destroyed) {
          link.codec.destroy();
          link.endpoint.destroy();
          return;
        }
        new ExitPump(stream, link, () => undefined).start();
      },
      (err: Error) => stream.destroy(err),
    );
  };

  const servers: RelayExitServer[] = [];
  try {
    for (const address of config.listen) {
      servers.push(
        await listenRelayExit({
          host: address.host,
          port: address.port,
          transport: config.transport,
          path: config.path,
          kernels: deps.kernels,
          staticKey: key.keyPair,
          allow: config.allow.map(parsePublicKey),
          suites: config.suites ?? defaultSuites(deps.kernels),
          replay,
          tuning: { ...deps.tuning, metrics },
          onTunnel: (tunnel: RelayTunnel, remote: string) => {
            logger.info({ entry: remote, suite: tunnel.suite }, 'relay tunnel up');
            tunnel.on('stream', (stream) => onStream(stream, remote));
          },
          onFailure,
        }),
      );
    }
  } catch (err) {
    await Promise.all(servers.map((s) => s.close()));
    throw err;
  }
  logger.info({ listen: servers.map((s) => s.port), transport: config.transport }, 'relay exit listening');
  return {
    servers,
    publicKey: key.publicKeyText,
    metrics,
    close: async () => {
      await Promise.all(servers.map((s) => s.close()));
    },
  };
}
