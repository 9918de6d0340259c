/**
 * Profiles of every fronting domain, kept fresh: one per domain (each `ee` secret's domain, or
 * `[fronting] host`), made at start and again every `profile_refresh` (default 1 h). [docs/operations.md
 * "Fronting site profile"]
 *
 * The domains and their sites follow the running config: update() (a reload, a user added or changed at run
 * time) gives a new domain the fallback profile at once and probes its site in the background, drops the
 * profile of a domain no longer used, re-probes a domain whose site moved, and re-arms the one refresh timer
 * when the period changed (one timer per store, never one per update). A probe that lands after its domain was
 * dropped or moved is discarded.
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

/** What the store measures: the part of the options a reload or a run-time user change may change. */
export interface ProfileTargets {
  readonly domains: readonly string[];
  /** Where to connect for a domain; default the domain itself on port 443. */
  readonly target?: (domain: string) => SiteTarget;
  /** Refresh period, ms; 0 profiles at start (or when a domain is added) only. Default 1 h. */
  readonly refreshMs?: number;
}

export interface ProfileStoreOptions extends ProfileTargets {
  readonly now?: () => number;
  readonly timer?: RefreshTimer;
  readonly log?: ProfileLog;
  readonly fetch?: ProfileFetcher;
  readonly probe?: ProfileOptions;
}

/** One measured domain: its profile and the site it was last measured at (update() compares with it). */
interface DomainEntry {
  profile: SiteProfile;
  target: SiteTarget;
  running?: Promise<void>;
}

const nodeTimer: RefreshTimer = {
  setInterval: (run, ms) => setInterval(run, ms).unref(),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

export class ProfileStore implements ProfileSource {
  private readonly entries = new Map<string, DomainEntry>();
  private readonly options: ProfileStoreOptions;
  private targets: ProfileTargets;
  private readonly now: () => number;
  private readonly timer: RefreshTimer;
  private handle: unknown;
  private armedMs: number | undefined;
  private started = false;
  /** What profileFor gives a domain the store does not measure (made once: profileFor must not allocate). */
  private readonly unknown: SiteProfile;

  constructor(options: ProfileStoreOptions) {
    this.options = options;
    this.targets = options;
    this.now = options.now ?? Date.now;
    this.timer = options.timer ?? nodeTimer;
    this.unknown = fallbackProfile('*', this.now(), 'unknown domain');
    this.sync();
  }

  domains(): string[] {
    return [...this.entries.keys()];
  }

  /** The profile of `domain` (case-insensitive); the fallback for a domain the store does not know. */
  get(domain: string): SiteProfile {
    const key = domain.toLowerCase();
    return this.entries.get(key)?.profile ?? fallbackProfile(key, this.now(), 'unknown domain');
  }

  /**
   * The handshake's lookup: the domain's profile (as given; secrets' domains are lower case), else the
   * first domain's (one site fronts every client when `[fronting] host` is set), else the fallback.
   */
  profileFor(domain: string | undefined): SiteProfile {
    const hit = domain === undefined ? undefined : this.entries.get(domain);
    if (hit !== undefined) return hit.profile;
    const first = this.entries.values().next();
    return first.done ? this.unknown : first.value.profile;
  }

  all(): SiteProfile[] {
    return this.domains().map((d) => this.get(d));
  }

  /** Profiles every domain now (a domain already being probed shares that probe). */
  async refresh(): Promise<void> {
    await Promise.all(this.domains().map((d) => this.refreshOne(d)));
  }

  /** First refresh, then one every refreshMs. */
  async start(): Promise<void> {
    this.started = true;
    this.arm();
    await this.refresh();
  }

  /**
   * The running config changed (reload, run-time user change): new domains answer with the fallback
   * profile until their probe lands, dropped domains are forgotten, a domain whose site moved is measured
   * again, a new period re-arms the timer. Resolves when the new domains' probes have landed (started
   * stores only; before start() the entries just wait for it).
   */
  update(targets: ProfileTargets): Promise<void> {
    this.targets = targets;
    const added = this.sync();
    if (!this.started) return Promise.resolve();
    this.arm();
    return Promise.all(added.map((d) => this.refreshOne(d))).then(() => undefined);
  }

  stop(): void {
    this.started = false;
    this.disarm();
  }

  /** Makes the entries match the targets; returns the domains that are new (or moved to another site). */
  private sync(): string[] {
    const wanted = new Map<string, SiteTarget>();
    for (const d of this.targets.domains) {
      const domain = d.toLowerCase();
      if (!wanted.has(domain)) wanted.set(domain, this.targetOf(domain));
    }
    for (const [domain, entry] of this.entries) {
      const target = wanted.get(domain);
      if (target === undefined || !sameTarget(target, entry.target)) this.entries.delete(domain);
    }
    const added: string[] = [];
    for (const [domain, target] of wanted) {
      if (this.entries.has(domain)) continue;
      this.entries.set(domain, { profile: fallbackProfile(domain, this.now(), 'not profiled yet'), target });
      added.push(domain);
    }
    return added;
  }

  /** One timer for the store, set to the current period (cleared and set again only when it changed). */
  private arm(): void {
    const every = this.targets.refreshMs ?? DEFAULT_PROFILE_REFRESH_MS;
    if (this.handle !== undefined && this.armedMs === every) return;
    this.disarm();
    if (every <= 0) return; // 0: at start (and for new domains) only
    this.handle = this.timer.setInterval(() => void this.refresh(), every);
    this.armedMs = every;
  }

  private disarm(): void {
    if (this.handle === undefined) return;
    this.timer.clearInterval(this.handle);
    this.handle = undefined;
    this.armedMs = undefined;
  }

  private refreshOne(domain: string): Promise<void> {
    const entry = this.entries.get(domain);
    if (entry === undefined) return Promise.resolve();
    entry.running ??= this.measure(domain, entry).finally(() => (entry.running = undefined));
    return entry.running;
  }

  /** Where the domain's site is now (asked at each probe: the target may follow settings that changed). */
  private targetOf(domain: string): SiteTarget {
    return this.targets.target?.(domain) ?? { host: domain, port: 443 };
  }

  private async measure(domain: string, entry: DomainEntry): Promise<void> {
    const target = this.targetOf(domain);
    entry.target = target;
    const fetch = this.options.fetch ?? ((d, t, now) => profileSite(d, t, now, this.options.probe));
    const log = this.options.log;
    let profile: SiteProfile;
    try {
      profile = await fetch(domain, target, this.now());
    } catch (err) {
      if (this.entries.get(domain) !== entry) return; // dropped or moved while probing
      const reason = err instanceof FrontingError ? err.code : 'ERR_FRONTING_PROFILE';
      if (entry.profile.source === 'site') {
        log?.warn({ domain, reason }, 'fronting site profile not refreshed; keeping the last one');
        return;
      }
      entry.profile = fallbackProfile(domain, this.now(), reason);
      log?.warn({ domain, reason, target: `${target.host}:${target.port}` }, 'fronting site unreachable; answering with the fallback profile');
      return;
    }
    if (this.entries.get(domain) !== entry) return;
    entry.profile = profile;
    log?.info({ domain, flightSizes: profile.flightSizes, suite: profile.cipherSuite }, 'fronting site profiled');
  }
}

function sameTarget(a: SiteTarget, b: SiteTarget): boolean {
  return a.host === b.host && a.port === b.port;
}
