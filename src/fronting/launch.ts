/**
 * Which fronting sites `mtshield run` profiles, and where they are. [docs/operations.md "Fronting site
 * profile"]
 *
 *   domains: each ee secret's domain (each has its own profile); `[fronting] host` when no secret names one
 *   target:  `[fronting] host`:`port` when set (failed clients of every domain are spliced there, so that is
 *            the site a prober compares the answer with), else the domain itself on `[fronting] port`
 *
 * The embedded defaults (no config file) are not profiled: their generated secret names a public site the
 * operator never chose, and a try-out start should reach nothing but the DCs it relays to; they answer with
 * the fallback profile (logged).
 */
import type { MtShieldConfig } from '../config/types.js';
import { parseSecret } from '../protocol/secrets.js';
import type { SiteTarget } from './probe.js';
import { ProfileStore, type ProfileLog } from './store.js';

/** The fronting domains of a config, lower case, each once. */
export function frontingDomains(config: MtShieldConfig): string[] {
  const out = new Set<string>();
  for (const user of config.users) {
    const domain = parseSecret(user.secret).domain;
    if (domain) out.add(domain.toLowerCase());
  }
  if (out.size === 0 && config.fronting.host) out.add(config.fronting.host.toLowerCase());
  return [...out];
}

/** Where the site of `domain` is profiled, for this config. */
export function frontingSite(config: MtShieldConfig, domain: string): SiteTarget {
  return { host: config.fronting.host ?? domain, port: config.fronting.port };
}

/**
 * The store `run` starts, or undefined when there is nothing to profile (no fronting domain) or the config
 * is the embedded defaults. Not started: the caller starts it in the background and stops it at shutdown.
 */
export function profileStoreFor(config: MtShieldConfig, log: ProfileLog): ProfileStore | undefined {
  const domains = frontingDomains(config);
  if (domains.length === 0) return undefined;
  if (config.source === 'defaults') {
    log.info({ domains }, 'embedded defaults: fronting sites are not profiled; answering with the fallback profile');
    return undefined;
  }
  return new ProfileStore({ domains, target: (d) => frontingSite(config, d), refreshMs: config.fronting.profileRefreshMs, log });
}
