/**
 * Which fronting sites `mtshield run` profiles, and where they are. [docs/operations.md "Fronting site
 * profile"]
 *
 *   domains: each ee secret's domain (each has its own profile); `[fronting] host` when no secret names one.
 *            The users are the config's at start, the running directory's after a reload or a run-time
 *            change (src/app.ts hands them to ProfileStore.update)
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
import { TemplateAnswers, type ProfileSource } from './source.js';
import { ProfileStore, type ProfileLog, type ProfileTargets } from './store.js';

/**
 * The benchmark's switch (docs/benchmarks.md "Fronting-profile A/B"): MTSHIELD_FRONTING_PROFILE=off answers
 * every valid client with the template and dials no site, so the profiled answer's cost can be measured
 * against it in the same run.
 */
export const PROFILE_SWITCH_ENV = 'MTSHIELD_FRONTING_PROFILE';

/** The fronting domains of a config (or of the users running under it), lower case, each once. */
export function frontingDomains(config: MtShieldConfig, users: readonly { readonly secret: string }[] = config.users): string[] {
  const out = new Set<string>();
  for (const user of users) {
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

/** What the store measures for this config and these users (ProfileStore.update after a change). */
export function profileTargets(config: MtShieldConfig, users: readonly { readonly secret: string }[] = config.users): ProfileTargets {
  return { domains: frontingDomains(config, users), target: (d) => frontingSite(config, d), refreshMs: config.fronting.profileRefreshMs };
}

/**
 * The store `run` starts, or undefined on the embedded defaults. A config without a fronting domain gets an
 * empty store (it dials nothing) so that a user added at run time with an ee secret is profiled. Not
 * started: the caller starts it in the background, updates it on reload and user changes, stops it at
 * shutdown.
 */
export function profileStoreFor(config: MtShieldConfig, log: ProfileLog): ProfileStore | undefined {
  if (config.source === 'defaults') {
    log.info({ domains: frontingDomains(config) }, 'embedded defaults: fronting sites are not profiled; answering with the fallback profile');
    return undefined;
  }
  return new ProfileStore({ ...profileTargets(config), log });
}

/** What `run` answers valid fake-TLS clients with: the store (also the source), or the template when switched off. */
export interface AnswerProfiles {
  readonly store?: ProfileStore;
  readonly source?: ProfileSource;
}

export function answerProfilesFor(config: MtShieldConfig, log: ProfileLog, env: NodeJS.ProcessEnv = process.env): AnswerProfiles {
  if (env[PROFILE_SWITCH_ENV] === 'off') {
    log.info({ env: PROFILE_SWITCH_ENV }, 'fronting profiles off: valid clients get the template answer');
    return { source: new TemplateAnswers() };
  }
  const store = profileStoreFor(config, log);
  return { store, source: store };
}
