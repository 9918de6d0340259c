/**
 * The profile of a fronting site: what its first flight looks like across a few handshakes, so a valid
 * client's answer can take the same shape. [RFC 8446 §4.1.3, §5.1; docs/operations.md "Fronting site profile"]
 *
 * A few samples (3 by default) carry the site's own variation: the certificate flight's size changes with
 * OCSP staples, SCTs and session tickets, and the time it takes with the site's load.
 */
import { MAX_RECORD_PAYLOAD, RECORD_HEADER_LENGTH } from '../protocol/tls-records.js';
import { FrontingError } from './errors.js';
import type { FlightSample, FlightShape } from './flight.js';
import { probeFlight, type ProbeOptions, type SiteTarget } from './probe.js';

export interface SiteProfile extends FlightShape {
  readonly domain: string;
  /** 'site': measured; 'fallback': the documented distribution of common certificate chains. */
  readonly source: 'site' | 'fallback';
  /** When the profile was made (ms since the epoch, from the store's clock). */
  readonly fetchedAt: number;
  /**
   * Per sample: the certificate flight as one application-data record, in bytes of payload: the site's
   * record payloads plus the headers between them, so the bytes on the wire stay the same. (Telegram apps
   * authenticate exactly one such record and read every later one as data.)
   */
  readonly flightSizes: readonly number[];
  /** Per sample: the site's think time, ms: flight time less one TCP round trip (the client's own is real). */
  readonly delaysMs: readonly number[];
  readonly samples: readonly FlightSample[];
  /** Fallback only: why the site could not be profiled. */
  readonly reason?: string;
}

export interface ProfileOptions extends ProbeOptions {
  /** Handshakes per profile; default 3. */
  readonly samples?: number;
}

/** The one-record size that carries a sample's certificate flight (see SiteProfile.flightSizes). */
export function flightSize(sample: FlightSample): number {
  const sizes = sample.encryptedSizes;
  if (sizes.length === 0) return 0;
  const total = sizes.reduce((n, s) => n + s, 0) + RECORD_HEADER_LENGTH * (sizes.length - 1);
  return Math.min(MAX_RECORD_PAYLOAD, total);
}

/** Builds the profile from samples; the shape is the one most samples showed. */
export function profileFromSamples(domain: string, samples: readonly FlightSample[], now: number): SiteProfile {
  if (samples.length === 0) throw new FrontingError('ERR_FRONTING_PROFILE', `no samples of ${domain}`);
  const counts = new Map<string, number>();
  for (const s of samples) counts.set(s.recordTypes.join(','), (counts.get(s.recordTypes.join(',')) ?? 0) + 1);
  const common = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]![0];
  const shape = samples.find((s) => s.recordTypes.join(',') === common)!;
  const flightSizes = samples.map(flightSize).filter((n) => n > 0);
  if (flightSizes.length === 0) throw new FrontingError('ERR_FRONTING_PROFILE', `${domain} sent no certificate flight`);
  return {
    domain,
    source: 'site',
    fetchedAt: now,
    recordTypes: shape.recordTypes,
    serverHelloLength: shape.serverHelloLength,
    cipherSuite: shape.cipherSuite,
    extensionOrder: shape.extensionOrder,
    keyShareGroup: shape.keyShareGroup,
    changeCipherSpec: shape.changeCipherSpec,
    flightSizes,
    delaysMs: samples.map((s) => Math.max(0, s.flightMs - s.connectMs)),
    samples,
  };
}

/** Profiles a site with `samples` handshakes one after the other. Throws FrontingError. */
export async function profileSite(domain: string, target: SiteTarget, now: number, options: ProfileOptions = {}): Promise<SiteProfile> {
  const samples: FlightSample[] = [];
  for (let i = 0; i < (options.samples ?? 3); i++) samples.push(await probeFlight(target, domain, options));
  return profileFromSamples(domain, samples, now);
}
