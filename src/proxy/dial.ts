/**
 * Outgoing TCP connections (to DCs and to the fronting site): try each address in order, each with a
 * connect timeout; the socket comes back connected, half-open allowed, Nagle off, paused.
 */
import { connect, type NetConnectOpts, type Socket } from 'node:net';
import { MtShieldError } from '../errors.js';
import { borrowedReadOption } from './borrowed-reads.js';

export interface DialTarget {
  host: string;
  port: number;
}

export class DialError extends MtShieldError {}

/** `borrowReads`: read into the shared buffer of borrowed-reads.ts (relay.ts then copies what it keeps). */
export function dialOne(target: DialTarget, timeoutMs: number, highWaterMark: number, borrowReads = false): Promise<Socket> {
  return new Promise((resolve, reject) => {
    // highWaterMark bounds each direction's queue (Node honours it on sockets; @types/node 20 omits it).
    const options = { host: target.host, port: target.port, allowHalfOpen: true, noDelay: true, highWaterMark };
    const borrowed = borrowReads ? borrowedReadOption() : undefined;
    const socket = connect((borrowed ? { ...options, onread: borrowed.onread } : options) as NetConnectOpts);
    borrowed?.adopt(socket);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new DialError('ERR_PROXY_CONNECT_TIMEOUT', `connect to ${label(target)} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeListener('error', onError);
      socket.pause();
      resolve(socket);
    });
    const onError = (err: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(new DialError('ERR_PROXY_CONNECT', `connect to ${label(target)} failed: ${err.message}`, { cause: err }));
    };
    socket.once('error', onError);
  });
}

/** Tries the addresses in order; resolves with the first that connects and the address used. */
export async function dialFirst(
  targets: readonly DialTarget[],
  timeoutMs: number,
  highWaterMark: number,
  isCancelled: () => boolean = () => false,
  borrowReads = false,
): Promise<{ socket: Socket; target: DialTarget }> {
  let lastError: unknown = new DialError('ERR_PROXY_CONNECT', 'no address to connect to');
  for (const target of targets) {
    if (isCancelled()) break;
    try {
      return { socket: await dialOne(target, timeoutMs, highWaterMark, borrowReads), target };
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}

export function label(target: DialTarget): string {
  return target.host.includes(':') ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
}
