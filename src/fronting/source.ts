/**
 * The seam between the handshake and the profiles: a ProfileSource answers "which profile shapes the answer
 * to a client of this domain?". [docs/operations.md "Fronting site profile"]
 *
 * ProfileStore (./store.ts) is the measuring implementation `mtshield run` starts; FallbackProfiles is the
 * plain default (the documented distribution of ./fallback.ts, nothing dialled), used by a server that was
 * given no store (tests, embedded uses); TemplateAnswers turns profiles off (the template answer of
 * docs/protocol.md "Server answer", the benchmark's baseline). Called once per valid hello, so a lookup must
 * not allocate.
 */
import { fallbackProfile } from './fallback.js';
import type { SiteProfile } from './profile.js';

export interface ProfileSource {
  /**
   * The profile for a client whose secret names `domain` (any domain: unknown ones get a default);
   * undefined: no profile, the template answer (a uniform 1024..4095-byte record, sent at once).
   */
  profileFor(domain: string | undefined): SiteProfile | undefined;
}

/** The fallback profile for every domain; one profile object, made once. */
export class FallbackProfiles implements ProfileSource {
  private readonly profile: SiteProfile;

  constructor(now: number = Date.now()) {
    this.profile = fallbackProfile('*', now, 'no profile store');
  }

  profileFor(): SiteProfile {
    return this.profile;
  }
}

/** Profiles off: every client gets the template answer (the A side of the profile benchmark). */
export class TemplateAnswers implements ProfileSource {
  profileFor(): undefined {
    return undefined;
  }
}
