/**
 * Direct mode's DC dials through a SOCKS5 server (RFC 1928): for each DC address in order, a TCP connection to
 * the SOCKS5 server, then CONNECT to that address. A server that cannot be reached, refuses the credentials or
 * breaks the protocol ends the attempt at once (another DC address would meet the same server); a refusal about
 * the target alone (unreachable, refused) moves on to the next address.
 *
 * The SOCKS5 socket reads the ordinary way (no borrowed reads, src/proxy/borrowed-reads.ts): the handshake
 * needs the socket's 'data' events before the relay takes it over, and borrowed reads cannot be switched on later.
 */
import { dialOne, label, type DcDialer, type DialTarget } from '../dial.js';
import { Socks5Error, isTargetRefusal } from './errors.js';
import { socks5Connect } from './handshake.js';
import type { Socks5Credentials } from './messages.js';

export interface Socks5Server {
  readonly address: DialTarget;
  /** RFC 1929 credentials; both absent: the "no authentication" method. */
  readonly username?: string;
  readonly password?: string;
}

/** A DcDialer (src/upstream/dial.ts) that reaches each target through `server`. */
export function socks5Dialer(server: Socks5Server): DcDialer {
  const credentials: Socks5Credentials | undefined =
    server.username === undefined ? undefined : { username: server.username, password: server.password ?? '' };
  const via = label(server.address);
  return async (targets, timeoutMs, highWaterMark, signal) => {
    let lastError: unknown;
    for (const target of targets) {
      signal?.throwIfAborted();
      let socket;
      try {
        socket = await dialOne(server.address, timeoutMs, highWaterMark, false, signal);
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        throw new Socks5Error('ERR_SOCKS5_UNREACHABLE', `SOCKS5 server ${via} unreachable: ${(err as Error).message}`, { cause: err });
      }
      try {
        await socks5Connect(socket, { host: target.host, port: target.port, credentials, deadlineMs: timeoutMs, signal });
        return { socket, target };
      } catch (err) {
        socket.destroy();
        if (signal?.aborted) throw signal.reason;
        if (!isTargetRefusal(err)) throw err;
        lastError = err;
      }
    }
    throw lastError ?? new Socks5Error('ERR_SOCKS5_UNREACHABLE', 'no DC address to connect to');
  };
}
