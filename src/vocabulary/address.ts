/**
 * Addresses, one set of rules for the data plane, the security layer, the admin plane and the config:
 * socket address text (IPv4-mapped IPv6 → IPv4, so one client has one address whichever socket it used),
 * canonical IP text, and "host:port" / "[v6]:port" as operators write them (RFC 3986 §3.2.2 brackets).
 */
import ipaddr from 'ipaddr.js';

export interface HostPort {
  host: string;
  port: number;
}

/**
 * The cheap form for every accepted socket: only strips the IPv4-mapped prefix (::ffff:1.2.3.4 → 1.2.3.4).
 * No parsing, no allocation beyond the slice — the data plane calls it once per connection.
 */
export function normaliseAddress(address: string | undefined): string {
  if (!address) return '';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** An address as ipaddr.js parses it (brackets and zone dropped, mapped IPv6 → IPv4), or undefined. */
export function parseIp(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const bare = text.trim().replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (!ipaddr.isValid(bare)) return undefined;
  return ipaddr.process(bare);
}

/** Canonical text of an address (brackets and zone dropped, mapped IPv6 → IPv4), or undefined when it is not one. */
export function normaliseIp(text: string): string | undefined {
  return parseIp(text)?.toString();
}

/** localhost, 127.0.0.0/8, ::1 (and their mapped forms). */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  const address = parseIp(host);
  return address !== undefined && address.range() === 'loopback';
}

/** An "any interface" listen host: 0.0.0.0 or :: (a client cannot dial it). */
export function isWildcardHost(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '';
}

/** "host:port" or "[v6]:port" → parts; undefined when malformed or the port is out of range. */
export function parseHostPort(value: string): HostPort | undefined {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(value.trim());
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port > 65535) return undefined;
  return { host: match[1] ?? match[2]!, port };
}

/** The inverse of parseHostPort (brackets IPv6 literals). */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
