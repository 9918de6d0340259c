/**
 * The SOCKS5 upstream ([upstream] mode = "socks5"): direct mode (src/upstream/direct) whose DC connections go
 * through a SOCKS5 server such as Xray, Tor or `ssh -D` (RFC 1928 CONNECT, RFC 1929 username/password).
 * docs/operations.md "SOCKS5 upstream".
 */
import { DirectUpstream } from '../direct/index.js';
import type { UpstreamFactory } from '../types.js';
import { socks5Dialer, type Socks5Server } from './dialer.js';

export { Socks5Error } from './errors.js';
export { socks5Connect, type Socks5Request } from './handshake.js';
export { socks5Dialer, type Socks5Server } from './dialer.js';

/** The server's upstream for [upstream.socks5]: direct mode with every DC dial through `server`. */
export function socks5Upstream(server: Socks5Server): UpstreamFactory {
  const dial = socks5Dialer(server);
  return (ctx) => new DirectUpstream(ctx, dial);
}
