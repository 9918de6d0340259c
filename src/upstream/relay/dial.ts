/**
 * The entry's way out to one exit: a TCP connection or a WebSocket (ws://host:port/path), then the initiator
 * handshake. `parseServer` reads the `servers` entries ("host:port", "[v6]:port").
 */
import { connect } from 'node:net';
import { RelayConfigError, RelayError } from './errors.js';
import { connectEntry, type EntryHandshakeOptions } from './handshake.js';
import { TcpTransport, type RelayTransport } from './transport.js';
import type { RelayTunnel } from './tunnel.js';
import { dialWebSocket } from './websocket-client.js';
import type { RelayTransportKind } from './exit-server.js';

export interface RelayServerAddress {
  host: string;
  port: number;
}

export function parseServer(text: string): RelayServerAddress {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:]+):(\d+)$/.exec(text);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !Number.isInteger(port) || port < 1 || port > 65535) throw new RelayConfigError('ERR_RELAY_BAD_SERVER', `relay server "${text}" is not host:port`);
  return { host: m[1]!, port };
}

export interface DialOptions {
  transport: RelayTransportKind;
  /** WebSocket path (default "/"). */
  path?: string;
  connectTimeoutMs?: number;
}

export function dialTransport(server: RelayServerAddress, options: DialOptions): Promise<RelayTransport> {
  const timeoutMs = options.connectTimeoutMs ?? 10_000;
  if (options.transport === 'websocket') {
    const host = server.host.includes(':') ? `[${server.host}]` : server.host;
    return dialWebSocket(`ws://${host}:${server.port}${options.path ?? '/'}`, timeoutMs);
  }
  return new Promise((resolve, reject) => {
    const socket = connect({ host: server.host, port: server.port, noDelay: true });
    const timer = setTimeout(() => socket.destroy(new Error(`connect timeout after ${timeoutMs} ms`)), timeoutMs);
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(new RelayError('transport-error', `relay ${server.host}:${server.port}: ${err.message}`, { cause: err }));
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(new TcpTransport(socket));
    });
  });
}

/** Connects to one exit and completes the handshake. */
export async function dialRelay(server: RelayServerAddress, options: DialOptions & EntryHandshakeOptions): Promise<RelayTunnel> {
  return connectEntry(await dialTransport(server, options), options);
}
