/**
 * Addresses and subnets for the security layer: the CIDR code of src/vocabulary/cidr.ts with this layer's typed
 * error (ERR_SECURITY_INVALID), and the aggregation subnets the anomaly detector counts by (/24 for v4, /64 for v6).
 */
import { invalid } from '../errors.js';
import { ipFamily, parseCidrWith, type Cidr } from '../../vocabulary/cidr.js';

export { CidrIndex, CidrSet, cidrContains, ipFamily, lookupAddress, type Cidr, type IpFamily, type LookupAddress } from '../../vocabulary/cidr.js';
export { normaliseIp } from '../../vocabulary/index.js';

/** "a.b.c.d", "a.b.c.d/n", "v6", "v6/n", mapped v6 CIDRs (::ffff:a.b.c.0/120 → a.b.c.0/24). Throws ERR_SECURITY_INVALID. */
export function parseCidr(text: string, field = 'cidr'): Cidr {
  return parseCidrWith(text, (message) => invalid(field, message));
}

/** The aggregation subnet of an address: /24 for IPv4, /64 for IPv6. */
export function subnetOf(ip: string): string {
  const family = ipFamily(ip);
  return parseCidr(`${ip}/${family === 'ipv4' ? 24 : 64}`).text;
}
