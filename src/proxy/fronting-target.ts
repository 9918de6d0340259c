/**
 * Where a failed or refused client is spliced (docs/operations.md, "Fronting"; docs/security.md, "Fronting
 * targets"). An explicit `[fronting] host` is the operator's choice and is dialled as written. Without it the
 * target comes from a user's fake-TLS domain, which anyone allowed to add users (a read_write admin token)
 * controls, so unless `[fronting] allow_private = true` it must be a public address: a literal IP outside
 * public unicast (loopback, link-local incl. 169.254.169.254, private, CGNAT, unique-local, …) is not dialled,
 * and a name is resolved through a lookup that refuses to connect when any answer is not public.
 */
import { lookup, type LookupAddress, type LookupOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { parseIp } from '../vocabulary/address.js';
import { MtShieldError } from '../errors.js';
import type { DialTarget } from '../upstream/dial.js';

export interface FrontingSettings {
  host?: string;
  port: number;
  allowPrivate: boolean;
}

/** Public unicast only (ipaddr.js range "unicast"); IPv4-mapped IPv6 is judged as the IPv4 it carries. */
export function isPublicAddress(text: string): boolean {
  return parseIp(text)?.range() === 'unicast';
}

function refused(hostname: string, address: string): MtShieldError {
  return new MtShieldError('ERR_PROXY_FRONTING_PRIVATE', `fronting target ${hostname} resolves to ${address}, which is not public ([fronting] allow_private)`);
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A net.connect `lookup` that fails when a name resolves to any non-public address (one shared function). */
export const publicOnlyLookup = ((hostname: string, options: LookupOptions, callback: LookupCallback): void => {
  lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, options.all ? [] : '', undefined);
    const inside = addresses.find((a) => !isPublicAddress(a.address));
    if (inside) return callback(refused(hostname, inside.address) as NodeJS.ErrnoException, options.all ? [] : '', undefined);
    if (options.all) return callback(null, addresses);
    const first = addresses[0]!;
    callback(null, first.address, first.family);
  });
}) as unknown as LookupFunction;

/** The domain-derived target, or undefined when it is a literal non-public address and that is not allowed. */
function fromDomain(domain: string, settings: FrontingSettings): DialTarget | undefined {
  if (settings.allowPrivate) return { host: domain, port: settings.port };
  if (parseIp(domain) !== undefined) return isPublicAddress(domain) ? { host: domain, port: settings.port } : undefined;
  return { host: domain, port: settings.port, lookup: publicOnlyLookup };
}

/**
 * The configured host; else the domain the client asked for when a user has it, else the first user's domain.
 * An SNI no user has is never dialled (the proxy must not become an open relay to any host).
 */
export function chooseFrontingTarget(settings: FrontingSettings, domains: readonly string[], sni: string | undefined): DialTarget | undefined {
  if (settings.host) return { host: settings.host, port: settings.port };
  if (sni && domains.includes(sni)) return fromDomain(sni, settings);
  return domains.length > 0 ? fromDomain(domains[0]!, settings) : undefined;
}
