/**
 * Addresses for the admin plane: parsing `admin.listen`, telling loopback from remote, and the admin allow
 * list (CIDRs, IPv4 and IPv6, IPv4-mapped addresses normalised). The allow list is the admin plane's own
 * and never consults the proxy's blocks, so a block can never lock the operator out.
 */
import ipaddr from 'ipaddr.js';
import { MtShieldError } from '../errors.js';
import { CidrSet, normaliseIp as normaliseSecurityIp, parseCidr } from '../security/admission/ip.js';

export class AdminConfigError extends MtShieldError {
  constructor(message: string, code = 'ERR_ADMIN_CONFIG') {
    super(code, message);
  }
}

export interface ListenAddress {
  host: string;
  port: number;
}

/** "127.0.0.1:9100", "[::1]:9100", "localhost:9100", ":9100" (all interfaces) → host and port. */
export function parseListen(text: string): ListenAddress {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim());
  if (!match) throw new AdminConfigError(`admin.listen: expected "host:port" or "[v6]:port", got "${text}"`);
  const host = match[1] ?? match[2] ?? '';
  const port = Number(match[3]);
  if (port > 65535) throw new AdminConfigError(`admin.listen: port ${port} out of range`);
  return { host: host === '' ? '0.0.0.0' : host, port };
}

/** Normalise an address text from a socket (IPv4-mapped IPv6 → IPv4); text that is no address stays. */
export function normaliseIp(text: string): string {
  return normaliseSecurityIp(text) ?? text;
}

export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  const normalised = normaliseSecurityIp(host);
  return normalised !== undefined && ipaddr.parse(normalised).range() === 'loopback';
}

/** The admin allow list: CIDRs (an address alone means /32 or /128), parsed by the security layer's rules. */
export class AllowList {
  private readonly set: CidrSet;

  constructor(cidrs: readonly string[]) {
    this.set = new CidrSet(
      cidrs.map((cidr, index) => {
        try {
          return parseCidr(cidr, `admin.allow[${index}]`);
        } catch {
          throw new AdminConfigError(`admin.allow[${index}]: "${cidr}" is not an IP address or CIDR`);
        }
      }),
    );
  }

  allows(ip: string): boolean {
    const normalised = normaliseSecurityIp(ip);
    return normalised !== undefined && this.set.has(normalised);
  }
}
