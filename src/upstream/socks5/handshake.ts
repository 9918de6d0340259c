/**
 * The client side of a SOCKS5 handshake on a connected socket (RFC 1928 sections 3–6, RFC 1929): method
 * selection, username/password when configured, CONNECT to the target. Bounded: each answer is read by its
 * exact length (HandshakeReader caps anything more), and the whole exchange has a deadline. On success the
 * socket is paused, carries the target's bytes from here on, and any early bytes are put back for the relay.
 */
import type { Socket } from 'node:net';
import { Socks5Error, replyError } from './errors.js';
import {
  AUTH_VERSION,
  ATYP_DOMAIN,
  METHOD_NONE_ACCEPTABLE,
  METHOD_NO_AUTH,
  METHOD_USERNAME_PASSWORD,
  VERSION,
  authRequest,
  boundAddressLength,
  connectRequest,
  greeting,
  type Socks5Credentials,
} from './messages.js';
import { HandshakeReader } from './reader.js';

export interface Socks5Request {
  host: string;
  port: number;
  credentials?: Socks5Credentials;
  /** The whole exchange must finish within this many milliseconds (ERR_SOCKS5_TIMEOUT). */
  deadlineMs: number;
  signal?: AbortSignal;
}

/** Resolves once the server reports the CONNECT succeeded; rejects with a Socks5Error (or the signal's reason). */
export async function socks5Connect(socket: Socket, request: Socks5Request): Promise<void> {
  const reader = new HandshakeReader(socket);
  const target = request.host.includes(':') ? `[${request.host}]:${request.port}` : `${request.host}:${request.port}`;
  const timer = setTimeout(
    () => reader.fail(new Socks5Error('ERR_SOCKS5_TIMEOUT', `SOCKS5 handshake for ${target} took longer than ${request.deadlineMs} ms`)),
    request.deadlineMs,
  );
  const onAbort = () => reader.fail(request.signal!.reason);
  request.signal?.addEventListener('abort', onAbort, { once: true });
  let early: Buffer | undefined;
  try {
    request.signal?.throwIfAborted();
    socket.write(greeting(request.credentials));
    const [version, method] = await reader.read(2);
    if (version !== VERSION) throw new Socks5Error('ERR_SOCKS5_PROTOCOL', `not a SOCKS5 server (version byte 0x${version!.toString(16)})`);
    if (method === METHOD_NONE_ACCEPTABLE) {
      throw new Socks5Error('ERR_SOCKS5_NO_ACCEPTABLE_METHOD', request.credentials ? 'SOCKS5 server does not accept username/password authentication' : 'SOCKS5 server requires authentication (set [upstream.socks5] username and password)');
    }
    const offered = request.credentials ? METHOD_USERNAME_PASSWORD : METHOD_NO_AUTH;
    if (method !== offered) throw new Socks5Error('ERR_SOCKS5_PROTOCOL', `SOCKS5 server chose method 0x${method!.toString(16)}, which was not offered`);
    if (request.credentials) {
      socket.write(authRequest(request.credentials));
      const [authVersion, status] = await reader.read(2);
      if (authVersion !== AUTH_VERSION) throw new Socks5Error('ERR_SOCKS5_PROTOCOL', 'SOCKS5 server answered the username/password step with the wrong version');
      if (status !== 0x00) throw new Socks5Error('ERR_SOCKS5_AUTH_REFUSED', 'SOCKS5 server refused the username/password');
    }
    socket.write(connectRequest(request.host, request.port));
    const [replyVersion, reply, , atyp] = await reader.read(4);
    if (replyVersion !== VERSION) throw new Socks5Error('ERR_SOCKS5_PROTOCOL', 'SOCKS5 server answered CONNECT with the wrong version');
    if (reply !== 0x00) throw replyError(reply!, target);
    const lengthByte = atyp === ATYP_DOMAIN ? (await reader.read(1))[0]! : 0;
    await reader.read(boundAddressLength(atyp!, lengthByte) + 2); // BND.ADDR and BND.PORT: not needed
  } finally {
    clearTimeout(timer);
    request.signal?.removeEventListener('abort', onAbort);
    early = reader.release();
  }
  if (early.length > 0) socket.unshift(early);
}
