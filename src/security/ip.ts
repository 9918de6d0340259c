/**
 * Addresses and subnets for the proxy side: parsing (IPv4, IPv6, IPv4-mapped IPv6 → IPv4), CIDR sets on
 * node:net BlockList, and the aggregation subnets the anomaly detector counts by (/24 for v4, /64 for v6).
 */
import { BlockList } from 'node:net';
import ipaddr from 'ipaddr.js';
import { invalid } from './errors.js';

export type IpFamily = 'ipv4' | 'ipv6';

export interface Cidr {
  /** Canonical text: "203.0.113.0/24", "2001:db8::/32"; a single address gets /32 or /128. */
  text: string;
  address: string;
  prefix: number;
  family: IpFamily;
}

function processAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const bare = text.trim().replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (!ipaddr.isValid(bare)) return undefined;
  return ipaddr.process(bare);
}

/** Normalised text of an address, or undefined when it is not one. */
export function normaliseIp(text: string): string | undefined {
  return processAddress(text)?.toString();
}

export function ipFamily(ip: string): IpFamily {
  return ip.includes(':') ? 'ipv6' : 'ipv4';
}

/** "a.b.c.d", "a.b.c.d/n", "v6", "v6/n", mapped v6 CIDRs (::ffff:a.b.c.0/120 → a.b.c.0/24). Throws ERR_SECURITY_INVALID. */
export function parseCidr(text: string, field = 'cidr'): Cidr {
  const trimmed = String(text).trim();
  const slash = trimmed.indexOf('/');
  const addressText = slash < 0 ? trimmed : trimmed.slice(0, slash);
  const parsed = ipaddr.isValid(addressText) ? ipaddr.parse(addressText) : undefined;
  if (!parsed) throw invalid(field, `"${trimmed}" is not an IP address or CIDR`);
  let prefix = parsed.kind() === 'ipv4' ? 32 : 128;
  if (slash >= 0) {
    const prefixText = trimmed.slice(slash + 1);
    if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > prefix) throw invalid(field, `"${trimmed}" has a bad prefix length`);
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

/** The aggregation subnet of an address: /24 for IPv4, /64 for IPv6. */
export function subnetOf(ip: string): string {
  const family = ipFamily(ip);
  return parseCidr(`${ip}/${family === 'ipv4' ? 24 : 64}`).text;
}

/** An immutable set of CIDRs with O(log n)-ish membership (node:net BlockList). */
export class CidrSet {
  private readonly list = new BlockList();
  readonly size: number;

  constructor(cidrs: Iterable<Cidr>) {
    let count = 0;
    for (const cidr of cidrs) {
      this.list.addSubnet(cidr.address, cidr.prefix, cidr.family);
      count++;
    }
    this.size = count;
  }

  has(ip: string): boolean {
    if (this.size === 0) return false;
    return this.list.check(ip, ipFamily(ip));
  }
}
