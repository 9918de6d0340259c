/**
 * The record suites the relay tunnel negotiates (docs/protocol.md "Relay tunnel"): wire ids, key and nonce
 * lengths, and the choice rule: the exit takes the first suite of ITS preference list that the entry offered.
 * The offer and the choice travel inside the encrypted, hashed Noise payloads, so they are bound to the
 * transcript and a man in the middle cannot force another suite.
 */
import type { AeadAlgorithm } from '../../kernels/index.js';

export type RelaySuite = AeadAlgorithm;

/** Wire ids (one byte each); stable forever. */
export const SUITE_IDS: Readonly<Record<RelaySuite, number>> = {
  'chacha20-poly1305': 1,
  'aes-256-gcm': 2,
  'xchacha20-poly1305': 3,
  'aes-128-gcm': 4,
};

export const ALL_SUITES: readonly RelaySuite[] = ['chacha20-poly1305', 'aes-256-gcm', 'xchacha20-poly1305', 'aes-128-gcm'];

export function suiteById(id: number): RelaySuite | undefined {
  return ALL_SUITES.find((s) => SUITE_IDS[s] === id);
}

export function isRelaySuite(name: string): name is RelaySuite {
  return (ALL_SUITES as readonly string[]).includes(name);
}

export function suiteKeyLength(suite: RelaySuite): number {
  return suite === 'aes-128-gcm' ? 16 : 32;
}

export function suiteNonceLength(suite: RelaySuite): number {
  return suite === 'xchacha20-poly1305' ? 24 : 12;
}

/** The exit's choice: its first preference the entry offered, or undefined when the lists are disjoint. */
export function chooseSuite(exitPreference: readonly RelaySuite[], entryOffer: readonly RelaySuite[]): RelaySuite | undefined {
  return exitPreference.find((s) => entryOffer.includes(s));
}
