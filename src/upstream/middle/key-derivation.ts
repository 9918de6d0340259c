/**
 * AES-256-CBC key and IV of a middle-proxy link (docs/protocol.md "Middle proxy", key derivation; the official
 * proxy's net/net-crypto-aes.c). Over
 *
 *   s = nonce_srv(16) ‖ nonce_clt(16) ‖ clt_ts(u32 LE) ‖ srv_ip(4) ‖ clt_port(u16 LE) ‖ purpose(6)
 *       ‖ clt_ip(4) ‖ srv_port(u16 LE) ‖ proxy_secret ‖ nonce_srv(16) ‖ [clt_ip6(16) ‖ srv_ip6(16)] ‖ nonce_clt(16)
 *
 *   key = MD5(s[1:])[0:12] ‖ SHA1(s)      iv = MD5(s[2:])
 *
 * IPv4 octets enter reversed; over IPv6 both 4-byte fields are zero and the IPv6 pair is present. "Client" and
 * "server" are roles on the link (we are the client), not the MTProto client. Purpose CLIENT keys the client →
 * server direction, SERVER the other; both ends compute both. Behind NAT the client's address is the public one
 * the middle proxy sees (`nat_ip`), not the socket's local address.
 */
import { createHash } from 'node:crypto';
import { parseAddress, checkPort, type LinkAddress } from './addresses.js';
import { MiddleProtocolError } from './errors.js';

export type KeyPurpose = 'CLIENT' | 'SERVER';

export interface MiddleKeyInput {
  nonceServer: Uint8Array;
  nonceClient: Uint8Array;
  /** The client's RPC_NONCE timestamp (u32, seconds). */
  clientTimestamp: number;
  server: LinkAddress;
  /** The client's address as the server sees it (after NAT). */
  client: LinkAddress;
  purpose: KeyPurpose;
  proxySecret: Uint8Array;
}

export interface CbcKeyIv {
  key: Uint8Array;
  iv: Uint8Array;
}

const NONCE_LENGTH = 16;

export function deriveMiddleKey(input: MiddleKeyInput): CbcKeyIv {
  if (input.nonceServer.length !== NONCE_LENGTH || input.nonceClient.length !== NONCE_LENGTH) {
    throw new MiddleProtocolError('ERR_PROTOCOL_MIDDLE_HANDSHAKE', 'nonces must be 16 bytes');
  }
  const srv = parseAddress(input.server.ip);
  const clt = parseAddress(input.client.ip);
  if ((srv.v4 === undefined) !== (clt.v4 === undefined)) {
    throw new MiddleProtocolError('ERR_PROTOCOL_MIDDLE_ADDRESS', 'both ends of a link must be of one address family (set nat_ip6 for IPv6 links)');
  }
  const ipv6 = srv.v4 === undefined;
  const s = Buffer.alloc(16 + 16 + 4 + 4 + 2 + 6 + 4 + 2 + input.proxySecret.length + 16 + (ipv6 ? 32 : 0) + 16);
  s.set(input.nonceServer, 0);
  s.set(input.nonceClient, 16);
  let at = s.writeUInt32LE(input.clientTimestamp >>> 0, 32);
  if (!ipv6) s.set(srv.v4!.slice().reverse(), at);
  at += 4;
  at = s.writeUInt16LE(checkPort(input.client.port), at);
  at += s.write(input.purpose, at, 'latin1');
  if (!ipv6) s.set(clt.v4!.slice().reverse(), at);
  at += 4;
  at = s.writeUInt16LE(checkPort(input.server.port), at);
  s.set(input.proxySecret, at);
  at += input.proxySecret.length;
  s.set(input.nonceServer, at);
  at += 16;
  if (ipv6) {
    s.set(clt.v16, at);
    s.set(srv.v16, at + 16);
    at += 32;
  }
  s.set(input.nonceClient, at);
  const md5Tail1 = createHash('md5').update(s.subarray(1)).digest();
  const sha1 = createHash('sha1').update(s).digest();
  const key = new Uint8Array(32);
  key.set(md5Tail1.subarray(0, 12), 0);
  key.set(sha1, 12);
  const iv = new Uint8Array(createHash('md5').update(s.subarray(2)).digest());
  s.fill(0);
  return { key, iv };
}

/** Both directions' material for one end of a link: `encrypt` keys what this end sends. */
export function deriveLinkKeys(
  role: 'client' | 'server',
  input: Omit<MiddleKeyInput, 'purpose'>,
): { encrypt: CbcKeyIv; decrypt: CbcKeyIv } {
  const clientToServer = deriveMiddleKey({ ...input, purpose: 'CLIENT' });
  const serverToClient = deriveMiddleKey({ ...input, purpose: 'SERVER' });
  return role === 'client' ? { encrypt: clientToServer, decrypt: serverToClient } : { encrypt: serverToClient, decrypt: clientToServer };
}
