/**
 * The client socket's one set of listeners. A proxy holds many idle connections, so each client socket gets the
 * same five module-level functions (no closures per connection), attached once for its whole life (removing a
 * listener turns the socket's event table into a dictionary: ≈ 450 bytes more per idle connection); they find
 * the socket's current owner through a symbol on it. The owner is the PROXY header step (proxy-header-intake.ts)
 * while it reads a header, then the Session.
 */
import type { Socket } from 'node:net';

export const SESSION = Symbol('session');

/** What the shared listeners dispatch to. */
export interface SocketOwner {
  onClientData(chunk: Buffer): void;
  onClientEnd(): void;
  onClientDrain(): void;
  onSocketError(err: Error): void;
  onSocketClose(): void;
}

export type OwnedSocket = Socket & { [SESSION]?: SocketOwner };

export function onClientData(this: OwnedSocket, chunk: Buffer): void {
  this[SESSION]?.onClientData(chunk);
}
export function onClientEnd(this: OwnedSocket): void {
  this[SESSION]?.onClientEnd();
}
export function onClientDrain(this: OwnedSocket): void {
  this[SESSION]?.onClientDrain();
}
export function onSocketError(this: OwnedSocket, err: Error): void {
  this[SESSION]?.onSocketError(err);
}
export function onSocketClose(this: OwnedSocket): void {
  this[SESSION]?.onSocketClose();
}
