/**
 * Typed errors of the PROXY protocol reader and writer (haproxy's "The PROXY protocol Versions 1 & 2",
 * https://www.haproxy.org/download/2.9/doc/proxy-protocol.txt). The session maps every one of them to a clean
 * close; messages describe the fault and never echo the client's bytes beyond a short, printable excerpt.
 */
import { MtShieldError } from '../errors.js';

export type ProxyProtocolErrorCode =
  /** Bytes that are not a PROXY header, or a header that breaks the grammar (bad address, port, length). */
  | 'ERR_PROXY_PROTOCOL_MALFORMED'
  /** A v1 line past 107 bytes, or a v2 length past the configured cap. */
  | 'ERR_PROXY_PROTOCOL_TOO_LARGE'
  /** A well-formed header this proxy does not serve: another v2 version, UDP, UNIX sockets. */
  | 'ERR_PROXY_PROTOCOL_UNSUPPORTED'
  /** An address the encoder cannot write (not an IP, or a port outside 0–65535). */
  | 'ERR_PROXY_PROTOCOL_ADDRESS'
  /** A `[server] proxy_protocol_trusted` entry that is not an address or CIDR. */
  | 'ERR_PROXY_PROTOCOL_TRUSTED';

export class ProxyProtocolError extends MtShieldError {
  declare readonly code: ProxyProtocolErrorCode;
  constructor(code: ProxyProtocolErrorCode, message: string) {
    super(code, message);
  }
}
