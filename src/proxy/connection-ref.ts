/**
 * A connection's identity in events, logs and the security layer (ConnectionRef, src/events.ts): built once per
 * accepted socket, by the session for a connection it runs and by the server for one it refuses at accept.
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
