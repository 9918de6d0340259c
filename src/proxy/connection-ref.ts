/**
 * A connection's identity in events, logs and the security layer (ConnectionRef, src/events.ts): built once per
 * accepted socket, by the session for a connection it runs and by the server for one it refuses at accept. Once
 * the ref holds the addresses, Node's own cached copies on a long-lived socket can go (forgetAddresses).
 */
import type { Socket } from 'node:net';
import type { ConnectionRef } from '../events.js';
import { normaliseAddress } from '../vocabulary/index.js';

/** The socket's ends, addresses normalised; `client` (what a PROXY header named) replaces the peer when given. */
export function connectionRef(socket: Socket, id: number, client?: { address: string; port: number }): ConnectionRef {
  return {
    id,
    remoteAddress: client?.address ?? normaliseAddress(socket.remoteAddress),
    remotePort: client?.port ?? socket.remotePort ?? 0,
    localAddress: normaliseAddress(socket.localAddress),
    localPort: socket.localPort ?? 0,
  };
}

/**
 * Node keeps a socket's two ends, once read, as two objects on it ({ address, family, port }: ≈ 110 bytes per idle
 * connection, heap snapshot); the session has them in its ref, so the copies go (a later read asks the handle again).
 */
export function forgetAddresses(socket: Socket): void {
  const cache = socket as unknown as { _peername?: unknown; _sockname?: unknown };
  if (cache._peername) cache._peername = null;
  if (cache._sockname) cache._sockname = null;
}
