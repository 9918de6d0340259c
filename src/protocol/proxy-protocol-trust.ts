/**
 * Who may send a PROXY header (`[server] proxy_protocol_trusted`, a list of addresses and CIDRs): only the
 * load balancers in front of mtshield. A header from anyone else would let a client pick its own address, so the
 * session closes such a connection, and one from a trusted peer without a header too (haproxy's
 * proxy-protocol.txt: the receiver must not guess). Parsing and lookups are the shared CIDR code (src/vocabulary).
 */
import { CidrSet, parseCidrWith } from '../vocabulary/index.js';
import { ProxyProtocolError } from './proxy-protocol-errors.js';

export class ProxyProtocolTrust {
  private readonly set: CidrSet;

  /** Throws ERR_PROXY_PROTOCOL_TRUSTED on an entry that is not an address or CIDR. */
  constructor(readonly cidrs: readonly string[]) {
    this.set = new CidrSet(cidrs.map((text) => parseCidrWith(text, (message) => new ProxyProtocolError('ERR_PROXY_PROTOCOL_TRUSTED', `proxy_protocol_trusted: ${message}`))));
  }

  /** True when the socket's peer (`socket.remoteAddress`, mapped IPv6 included) may send a PROXY header. */
  trusts(peerAddress: string | undefined): boolean {
    return peerAddress !== undefined && this.set.has(peerAddress);
  }
}
