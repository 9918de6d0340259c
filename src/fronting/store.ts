/**
 * Profiles of every fronting domain, kept fresh: one per domain (each `ee` secret's domain, or
 * `[fronting] host`), made at start and again every `profile_refresh` (default 1 h). [docs/operations.md
 * "Fronting site profile"]
 *
 * A domain whose site cannot be profiled gets the fallback profile (src/fronting/fallback.ts) and a warn
 * line; a site that worked before and fails at a refresh keeps its last measured profile. Clock and timer
 * are injected so tests drive refreshes by hand.
 */
import { FrontingError } from './errors.js';
import { fallbackProfile } from './fallback.js';
import { profileSite, type ProfileOptions, type SiteProfile } from './profile.js';
import type { SiteTarget } from './probe.js';
import type { ProfileSource } from './source.js';

export const DEFAULT_PROFILE_REFRESH_MS = 3_600_000;

/** The pino-shaped subset the store logs through. */
export interface ProfileLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface RefreshTimer {
  setInterval(run: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export type ProfileFetcher = (domain: string, target: SiteTarget, now: number) => Promise<SiteProfile>;

export interface ProfileStoreOptions {
  readonly domains: readonly string[];
  /** Where to connect for a domain; default the domain itself on port 443. */
  readonly target?: (domain: string) => SiteTarget;
  readonly refreshMs?: number;
  readonly now?: () => number;
  readonly timer?: RefreshTimer;
  readonly log?: ProfileLog;
  readonly fetch?: ProfileFetcher;
  readonly probe?: ProfileOptions;
}

const nodeTimer: RefreshTimer = {
  setInterval: (run, ms) => setInterval(run, ms).unref(),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

export class ProfileStore implements ProfileSource {
  private readonly profiles = new Map<string, SiteProfile>();
  private readonly options: ProfileStoreOptions;
  private readonly now: () => number;
  private handle: unknown;
  private running: Promise<void> | undefined;
  /** What profileFor gives a domain the store does not measure (made once: profileFor must not allocate). */
  private readonly unknown: SiteProfile;

  constructor(options: ProfileStoreOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
    const now = this.now();
    for (const d of this.domains()) this.profiles.set(d, fallbackProfile(d, now, 'not profiled yet'));
    this.unknown = fallbackProfile('*', now, 'unknown domain');
  }

  domains(): string[] {
    return [...new Set(this.options.domains.map((d) => d.toLowerCase()))];
  }

  /** The profile of `domain` (case-insensitive); the fallback for a domain the store does not know. */
  get(domain: string): SiteProfile {
    const key = domain.toLowerCase();
    return this.profiles.get(key) ?? fallbackProfile(key, this.now(), 'unknown domain');
  }

  /**
   * The handshake's lookup: the domain's profile (as given; secrets' domains are lower case), else the
   * first domain's (one site fronts every client when `[fronting] host` is set), else the fallback.
   */
  profileFor(domain: string | undefined): SiteProfile {
    const hit = domain === undefined ? undefined : this.profiles.get(domain);
    if (hit !== undefined) return hit;
    const first = this.profiles.values().next();
    return first.done ? this.unknown : first.value;
  }

  all(): SiteProfile[] {
    return this.domains().map((d) => this.get(d));
  }

  /** Profiles every domain now (concurrent refreshes share one run). */
  refresh(): Promise<void> {
    this.running ??= this.refreshAll().finally(() => (this.running = undefined));
    return this.running;
  }

  /** First refresh, then one every refreshMs. */
  async start(): Promise<void> {
    const timer = this.options.timer ?? nodeTimer;
    const every = this.options.refreshMs ?? DEFAULT_PROFILE_REFRESH_MS;
    if (every > 0) this.handle ??= timer.setInterval(() => void this.refresh(), every); // 0: at start only
    await this.refresh();
  }

  stop(): void {
    if (this.handle === undefined) return;
    (this.options.timer ?? nodeTimer).clearInterval(this.handle);
    this.handle = undefined;
  }

  private async refreshAll(): Promise<void> {
    await Promise.all(this.domains().map((d) => this.refreshOne(d)));
  }

  private async refreshOne(domain: string): Promise<void> {
    const target = this.options.target?.(domain) ?? { host: domain, port: 443 };
    const fetch = this.options.fetch ?? ((d, t, now) => profileSite(d, t, now, this.options.probe));
    const log = this.options.log;
    try {
      const profile = await fetch(domain, target, this.now());
      this.profiles.set(domain, profile);
      log?.info({ domain, flightSizes: profile.flightSizes, suite: profile.cipherSuite }, 'fronting site profiled');
    } catch (err) {
      const reason = err instanceof FrontingError ? err.code : 'ERR_FRONTING_PROFILE';
      const previous = this.profiles.get(domain);
      if (previous?.source === 'site') {
        log?.warn({ domain, reason }, 'fronting site profile not refreshed; keeping the last one');
        return;
      }
      this.profiles.set(domain, fallbackProfile(domain, this.now(), reason));
      log?.warn({ domain, reason, target: `${target.host}:${target.port}` }, 'fronting site unreachable; answering with the fallback profile');
    }
  }
}
