/**
 * The profile used when a fronting site cannot be reached: a distribution built from common certificate
 * chains, so the answer still looks like a real server's. [RFC 8446 §4.3–§4.4; docs/operations.md
 * "Fronting site profile"]
 *
 * Each chain's flight is EncryptedExtensions (~15 bytes with ALPN) + Certificate (8 bytes of framing, then
 * 3 + DER + 2 per certificate) + CertificateVerify (264 bytes for RSA-2048 PSS, ~80 for ECDSA P-256) +
 * Finished (36), as separate records (+17 bytes of AEAD tag and content type each, +5 per header saved)
 * unless the stack packs them into one (BoringSSL). DER sizes are typical ones of each issuer's leaves
 * and intermediates; the weights follow their rough share among popular HTTPS sites.
 */
import type { SiteProfile } from './profile.js';

export interface FallbackChain {
  readonly name: string;
  /** The certificate flight as one application-data record payload, bytes. */
  readonly flightSize: number;
  /** Relative weight among the chains. */
  readonly weight: number;
}

export const FALLBACK_CHAINS: readonly FallbackChain[] = [
  { name: "Let's Encrypt RSA-2048 leaf + R10/R11 (OpenSSL, separate records)", flightSize: 3006, weight: 6 },
  { name: "Let's Encrypt ECDSA P-256 leaf + E5/E6 (OpenSSL, separate records)", flightSize: 2132, weight: 5 },
  { name: 'Cloudflare edge: ECDSA leaf + intermediate (BoringSSL, one packed record)', flightSize: 2680, weight: 4 },
  { name: 'Google Trust Services: ECDSA leaf + WE2 + cross-signed GTS Root R4', flightSize: 3540, weight: 2 },
  { name: 'DigiCert RSA-2048 OV leaf + TLS RSA SHA256 2020 CA1', flightSize: 3470, weight: 2 },
  { name: 'Sectigo RSA-2048 DV leaf + Sectigo DV CA + USERTrust cross-sign', flightSize: 5050, weight: 1 },
];

/** Server think times of ordinary HTTPS servers for a full handshake, ms. */
export const FALLBACK_DELAYS_MS: readonly number[] = [3, 5, 8, 12, 18, 26];

/** The fallback profile for `domain`: TLS 1.3, CCS, one flight record drawn from the chains above. */
export function fallbackProfile(domain: string, now: number, reason: string): SiteProfile {
  return {
    domain,
    source: 'fallback',
    fetchedAt: now,
    recordTypes: [0x16, 0x14, 0x17],
    serverHelloLength: 122,
    cipherSuite: 0x1301,
    extensionOrder: [0x002b, 0x0033],
    keyShareGroup: 0x001d,
    changeCipherSpec: true,
    flightSizes: FALLBACK_CHAINS.flatMap((c) => Array<number>(c.weight).fill(c.flightSize)),
    delaysMs: FALLBACK_DELAYS_MS,
    samples: [],
    reason,
  };
}
