/**
 * Outgoing TCP connections (to DCs, to the fronting site, and for `doctor`): try each address in order, each
 * with a connect timeout; the socket comes back connected, half-open allowed, Nagle off, paused. An abort
 * signal stops the attempt in flight and the addresses not yet tried.
 */
import { connect, type LookupFunction, type NetConnectOpts, type Socket } from 'node:net';
import { MtShieldError } from '../errors.js';
import { borrowedReadOption } from '../proxy/borrowed-reads.js';

export interface DialTarget {
  host: string;
  port: number;
  /** A name resolver in place of dns.lookup (a shared function, e.g. one that refuses non-public answers). */
  lookup?: LookupFunction;
}

/** ERR_PROXY_CONNECT (refused, unreachable, no address) or ERR_PROXY_CONNECT_TIMEOUT. */
export class DialError extends MtShieldError {}

/** `borrowReads`: read into the shared buffer of borrowed-reads.ts (relay.ts then copies what it keeps). */
export function dialOne(target: DialTarget, timeoutMs: number, highWaterMark: number, borrowReads = false, signal?: AbortSignal): Promise<Socket> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    // highWaterMark bounds each direction's queue (Node honours it on sockets; @types/node 20 omits it).
    const borrowed = borrowReads ? borrowedReadOption() : undefined;
    const options = { host: target.host, port: target.port, lookup: target.lookup, allowHalfOpen: true, noDelay: true, highWaterMark };
    // net.connect gets a spread copy with `onread` added (undefined when not borrowing), never the literal: handed
    // the literal (with `onread` in it, added to it, or a plain copy), Node 20's net.Socket constructions left ~1.1
    // KiB of old-space garbage each (objects of the socket and its stream state that outlived two scavenges),
    // accepted client sockets included; handed this form 0.2–0.4 KiB. In the proxy ~2.2 KiB per handshake
    // (measured: old-space growth over a batch of handshakes without a forced collection; the DC dial's form
    // before wave 2). Unchanged without TurboFan or allocation-site pretenuring: not pinned to a V8 mechanism.
    // The copy itself dies young.
    const socket = connect({ ...options, onread: borrowed?.onread } as NetConnectOpts);
    borrowed?.adopt(socket);
    const settle = (err: unknown) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.removeListener('error', onError);
      if (err === undefined) {
        socket.pause();
        return resolve(socket);
      }
      socket.destroy();
      reject(err);
    };
    const timer = setTimeout(
      () => settle(new DialError('ERR_PROXY_CONNECT_TIMEOUT', `connect to ${label(target)} timed out after ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onError = (err: Error) =>
      settle(new DialError('ERR_PROXY_CONNECT', `connect to ${label(target)} failed: ${err.message}`, { cause: err }));
    const onAbort = () => settle(signal!.reason);
    socket.once('connect', () => settle(undefined));
    socket.once('error', onError);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * How an upstream reaches a list of addresses (direct mode's seam): `dialFirst` connects to them itself; the
 * SOCKS5 upstream (src/upstream/socks5) reaches them through its server. Same contract as dialFirst.
 */
export type DcDialer = (
  targets: readonly DialTarget[],
  timeoutMs: number,
  highWaterMark: number,
  signal?: AbortSignal,
  borrowReads?: boolean,
) => Promise<{ socket: Socket; target: DialTarget }>;

/** Tries the addresses in order; resolves with the first that connects and the address used. */
export async function dialFirst(
  targets: readonly DialTarget[],
  timeoutMs: number,
  highWaterMark: number,
  signal?: AbortSignal,
  borrowReads = false,
): Promise<{ socket: Socket; target: DialTarget }> {
  // Made only when every address failed: an error object (and its stack) per successful dial was a prominent cost
  // of admitting a client in a CPU profile.
  let lastError: unknown;
  for (const target of targets) {
    signal?.throwIfAborted();
    try {
      return { socket: await dialOne(target, timeoutMs, highWaterMark, borrowReads, signal), target };
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      lastError = err;
    }
  }
  throw lastError ?? new DialError('ERR_PROXY_CONNECT', 'no address to connect to');
}

export function label(target: DialTarget): string {
  return target.host.includes(':') ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
}
