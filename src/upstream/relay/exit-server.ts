/**
 * The exit's listener (docs/protocol.md "Relay tunnel"): accepts TCP connections or WebSocket upgrades, runs the
 * responder handshake on each, and hands every established tunnel to `onTunnel`. Refusals and tunnel failures go
 * to `onFailure(err, remote)` (the audit hook) and never stop the listener.
 */
import { createServer, type Server } from 'node:net';
import { acceptExit, type ExitHandshakeOptions } from './handshake.js';
import { WindowReplayCache, type ReplayCache } from './replay-cache.js';
import { TcpTransport, type RelayTransport } from './transport.js';
import type { RelayTunnel } from './tunnel.js';
import type { RelayError } from './errors.js';
import { listenWebSocket } from './websocket-server.js';

export type RelayTransportKind = 'tcp' | 'websocket';

export interface RelayExitOptions extends Omit<ExitHandshakeOptions, 'replay'> {
  host: string;
  port: number;
  transport: RelayTransportKind;
  /** WebSocket route (default "/"). */
  path?: string;
  /** Shared across listeners so a first message replayed to another listener is refused too. */
  replay?: ReplayCache;
  onTunnel: (tunnel: RelayTunnel, remote: string) => void;
  onFailure?: (err: RelayError, remote: string) => void;
}

export interface RelayExitServer {
  readonly port: number;
  readonly tunnels: ReadonlySet<RelayTunnel>;
  /** Stops listening and closes every tunnel. */
  close(): Promise<void>;
}

export async function listenRelayExit(options: RelayExitOptions): Promise<RelayExitServer> {
  const replay = options.replay ?? new WindowReplayCache();
  const tunnels = new Set<RelayTunnel>();
  const pending = new Set<RelayTransport>();

  const accept = (transport: RelayTransport): void => {
    const remote = transport.remote;
    pending.add(transport);
    const onFailure = (err: RelayError) => options.onFailure?.(err, remote);
    acceptExit(transport, { ...options, replay, tuning: { ...options.tuning, onFailure } })
      .then((tunnel) => {
        pending.delete(transport);
        tunnels.add(tunnel);
        tunnel.once('close', () => tunnels.delete(tunnel));
        options.onTunnel(tunnel, remote);
      })
      .catch(() => pending.delete(transport)); // already reported through onFailure
  };

  let stop: () => Promise<void>;
  let port: number;
  if (options.transport === 'websocket') {
    const ws = await listenWebSocket(options.host, options.port, options.path ?? '/', accept);
    port = ws.port;
    stop = async () => ws.close();
  } else {
    const server: Server = createServer({ noDelay: true }, (socket) => accept(new TcpTransport(socket)));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    port = (server.address() as { port: number }).port;
    stop = () => new Promise((resolve) => server.close(() => resolve()));
  }

  return {
    port,
    tunnels,
    async close() {
      const stopped = stop();
      for (const t of pending) t.destroy();
      for (const tunnel of [...tunnels]) tunnel.close();
      await stopped;
    },
  };
}
