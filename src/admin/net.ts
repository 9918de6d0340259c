/**
 * Addresses for the admin plane: parsing `admin.listen`, telling loopback from remote, and the admin allow
 * list (CIDRs, IPv4 and IPv6, IPv4-mapped addresses normalised). The allow list is the admin plane's own
 * and never consults the proxy's blocks, so a block can never lock the operator out.
 */
import { MtShieldError } from '../errors.js';
import { CidrSet, parseCidr } from '../security/admission/ip.js';
import { normaliseIp as normaliseSecurityIp, parseHostPort, type HostPort } from '../vocabulary/index.js';

export class AdminConfigError extends MtShieldError {
  constructor(message: string, code = 'ERR_ADMIN_CONFIG') {
    super(code, message);
  }
}

export type ListenAddress = HostPort;

/** "127.0.0.1:9100", "[::1]:9100", "localhost:9100", ":9100" (all interfaces) → host and port. */
export function parseListen(text: string): ListenAddress {
  const trimmed = text.trim();
  const parsed = parseHostPort(trimmed.startsWith(':') ? `0.0.0.0${trimmed}` : trimmed);
  if (!parsed) throw new AdminConfigError(`admin.listen: expected "host:port" or "[v6]:port" (port up to 65535), got "${text}"`);
  return parsed;
}

/** Normalise an address text from a socket (IPv4-mapped IPv6 → IPv4); text that is no address stays. */
export function normaliseIp(text: string): string {
  return normaliseSecurityIp(text) ?? text;
}

export { isLoopbackHost } from '../vocabulary/index.js';

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
