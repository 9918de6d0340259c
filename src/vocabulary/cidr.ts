/**
 * Addresses and subnets as sets: CIDR parsing (IPv4, IPv6, IPv4-mapped IPv6 → IPv4) and prefix-indexed CIDR
 * sets (RFC 4632 prefixes, RFC 4291 section 2.5.5.2 mapped addresses). Pure: the data plane checks
 * `[server] proxy_protocol_trusted` with it, the security layer its blocks and access rules.
 */
import ipaddr from 'ipaddr.js';
import { parseIp as processAddress } from './address.js';

export type IpFamily = 'ipv4' | 'ipv6';

export interface Cidr {
  /** Canonical text: "203.0.113.0/24", "2001:db8::/32"; a single address gets /32 or /128. */
  text: string;
  address: string;
  prefix: number;
  family: IpFamily;
}

export function ipFamily(ip: string): IpFamily {
  return ip.includes(':') ? 'ipv6' : 'ipv4';
}

/**
 * "a.b.c.d", "a.b.c.d/n", "v6", "v6/n", mapped v6 CIDRs (::ffff:a.b.c.0/120 → a.b.c.0/24). On bad text it throws
 * what `fail(message)` makes, so each caller keeps its own typed error.
 */
export function parseCidrWith(text: string, fail: (message: string) => Error): Cidr {
  const trimmed = String(text).trim();
  const slash = trimmed.indexOf('/');
  const addressText = slash < 0 ? trimmed : trimmed.slice(0, slash);
  const parsed = ipaddr.isValid(addressText) ? ipaddr.parse(addressText) : undefined;
  if (!parsed) throw fail(`"${trimmed}" is not an IP address or CIDR`);
  let prefix = parsed.kind() === 'ipv4' ? 32 : 128;
  if (slash >= 0) {
    const prefixText = trimmed.slice(slash + 1);
    if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > prefix) throw fail(`"${trimmed}" has a bad prefix length`);
    prefix = Number(prefixText);
  }
  let address: ipaddr.IPv4 | ipaddr.IPv6 = parsed;
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress() && prefix >= 96) {
    address = (parsed as ipaddr.IPv6).toIPv4Address();
    prefix -= 96;
  }
  const family: IpFamily = address.kind() === 'ipv4' ? 'ipv4' : 'ipv6';
  // Zero the host bits so "10.1.2.3/8" and "10.0.0.0/8" are the same subnet.
  const bytes = address.toByteArray();
  for (let bit = prefix; bit < bytes.length * 8; bit++) bytes[bit >> 3]! &= ~(0x80 >> (bit & 7));
  const network = ipaddr.fromByteArray(bytes).toString();
  return { text: `${network}/${prefix}`, address: network, prefix, family };
}

export function cidrContains(cidr: Cidr, ip: string): boolean {
  const address = processAddress(ip);
  if (!address || address.kind() !== cidr.family) return false;
  return address.match(ipaddr.parse(cidr.address), cidr.prefix);
}

/**
 * CIDRs mapped to values, indexed by prefix length: a lookup is one hash probe per distinct prefix length
 * present (at most 33 for IPv4, 129 for IPv6), whatever the number of entries, most specific first; adding
 * or removing one entry touches one bucket (no rebuild). node:net BlockList checks its rules one by one
 * (measured: 177k checks/s with 10 subnets, 3.8k/s with 10 000), too slow for a list consulted on every accept.
 */
export class CidrIndex<V> {
  private readonly v4 = new Map<number, Map<number, V>>();
  private readonly v6 = new Map<number, Map<string, V>>();
  private v4Prefixes: number[] = [];
  private v6Prefixes: number[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  set(cidr: Cidr, value: V): void {
    const v4 = cidr.family === 'ipv4';
    const buckets: Map<number, Map<number | string, V>> = v4 ? this.v4 : (this.v6 as Map<number, Map<number | string, V>>);
    let bucket = buckets.get(cidr.prefix);
    if (!bucket) {
      buckets.set(cidr.prefix, (bucket = new Map()));
      this.reorder();
    }
    const key = keyOf(cidr);
    if (!bucket.has(key)) this.count++;
    bucket.set(key, value);
  }

  delete(cidr: Cidr): boolean {
    const buckets: Map<number, Map<number | string, V>> = cidr.family === 'ipv4' ? this.v4 : (this.v6 as Map<number, Map<number | string, V>>);
    const bucket = buckets.get(cidr.prefix);
    if (!bucket?.delete(keyOf(cidr))) return false;
    this.count--;
    if (bucket.size === 0) {
      buckets.delete(cidr.prefix);
      this.reorder();
    }
    return true;
  }

  /** The value of the most specific CIDR covering `ip`. */
  find(ip: string | LookupAddress): V | undefined {
    if (this.count === 0) return undefined;
    const address = typeof ip === 'string' ? lookupAddress(ip) : ip;
    if (!address) return undefined;
    if (address.v4 !== undefined) {
      for (const prefix of this.v4Prefixes) {
        const hit = this.v4.get(prefix)!.get(v4Key(address.v4, prefix));
        if (hit !== undefined) return hit;
      }
      return undefined;
    }
    const bytes = address.v6!;
    for (const prefix of this.v6Prefixes) {
      const hit = this.v6.get(prefix)!.get(v6Key(bytes, prefix));
      if (hit !== undefined) return hit;
    }
    return undefined;
  }

  private reorder(): void {
    this.v4Prefixes = [...this.v4.keys()].sort((a, b) => b - a);
    this.v6Prefixes = [...this.v6.keys()].sort((a, b) => b - a);
  }
}

function keyOf(cidr: Cidr): number | string {
  return cidr.family === 'ipv4' ? v4Key(ipv4ToInt(cidr.address)!, cidr.prefix) : v6Key(ipaddr.IPv6.parse(cidr.address).toByteArray(), cidr.prefix);
}

/** An immutable set of CIDRs (a blocklist file, an allow list): a CidrIndex filled once. */
export class CidrSet {
  private readonly index = new CidrIndex<true>();
  readonly size: number;

  constructor(cidrs: Iterable<Cidr>) {
    let count = 0;
    for (const cidr of cidrs) {
      this.index.set(cidr, true);
      count++;
    }
    this.size = count;
  }

  has(ip: string | LookupAddress): boolean {
    return this.index.find(ip) !== undefined;
  }
}

/** An address parsed once for several set lookups: IPv4 as uint32, IPv6 as 16 bytes (mapped → IPv4). */
export interface LookupAddress {
  v4?: number;
  v6?: number[];
}

export function lookupAddress(ip: string): LookupAddress | undefined {
  const v4 = ipv4ToInt(ip);
  if (v4 !== undefined) return { v4 };
  const address = processAddress(ip);
  if (!address) return undefined;
  if (address.kind() === 'ipv4') return { v4: ipv4ToInt(address.toString())! };
  return { v6: address.toByteArray() };
}

/** Dotted-quad text → uint32, or undefined when the text is not exactly that (fast path for socket addresses). */
function ipv4ToInt(text: string): number | undefined {
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || ++dots > 3) return undefined;
      value = value * 256 + part;
      part = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57 && digits < 3) {
      part = part * 10 + (c - 48);
      digits++;
      if (part > 255) return undefined;
    } else {
      return undefined;
    }
  }
  if (dots !== 3 || digits === 0) return undefined;
  return value * 256 + part;
}

function v4Key(address: number, prefix: number): number {
  return prefix === 0 ? 0 : Math.floor(address / 2 ** (32 - prefix));
}

function v6Key(bytes: number[], prefix: number): string {
  let key = '';
  for (let bit = 0; bit < prefix; bit += 8) {
    const keep = Math.min(8, prefix - bit);
    const byte = bytes[bit >> 3]! & (0xff << (8 - keep)) & 0xff;
    key += byte.toString(16).padStart(2, '0');
  }
  return key;
}
