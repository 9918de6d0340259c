/**
 * Addresses as the middle-proxy link writes them (docs/protocol.md "Middle proxy"): an IPv4 address in the key
 * derivation is its 4 octets reversed (the official proxy keeps it as a host-order u32 and writes it LE); every
 * address in RPC_PROXY_REQ is 16 bytes, IPv4 as IPv4-mapped IPv6 (::ffff:a.b.c.d, RFC 4291 §2.5.5.2).
 */
import ipaddr from 'ipaddr.js';
import { MiddleProtocolError } from './errors.js';

export interface LinkAddress {
  /** Dotted or colon text; "::ffff:a.b.c.d" counts as IPv4. Brackets and zone ids are tolerated. */
  ip: string;
  port: number;
}

/** An address parsed once: `v4` set for IPv4 (and mapped) addresses, `v16` always (mapped for IPv4). */
export interface ParsedAddress {
  v4: Uint8Array | undefined;
  v16: Uint8Array;
}

export function parseAddress(text: string): ParsedAddress {
  const bare = text.trim().replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (!ipaddr.isValid(bare)) throw new MiddleProtocolError('ERR_PROTOCOL_MIDDLE_ADDRESS', 'not an IP address');
  const addr = ipaddr.process(bare);
  if (addr.kind() === 'ipv4') {
    const v4 = Uint8Array.from(addr.toByteArray());
    return { v4, v16: Uint8Array.from((addr as ipaddr.IPv4).toIPv4MappedAddress().toByteArray()) };
  }
  return { v4: undefined, v16: Uint8Array.from(addr.toByteArray()) };
}

export function checkPort(port: number): number {
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) throw new MiddleProtocolError('ERR_PROTOCOL_MIDDLE_ADDRESS', 'port out of range');
  return port;
}
