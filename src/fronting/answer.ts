/**
 * The shape of the answer to a valid fake-TLS client, drawn from the fronting site's profile.
 * [docs/protocol.md "Server answer"; docs/operations.md "Fronting site profile"]
 *
 * - suite: the site's when the client offered it (a TLS 1.3 suite), else the client's first TLS 1.3 suite
 * - extension order: the site's ServerHello order
 * - key share: X25519MLKEM768 when the site picked it and the client sent such a share, else x25519
 * - flight size: one of the site's samples, with a small triangular jitter (1 % of the size, 16..48
 *   bytes), so no two answers need be equal and every size stays within the site's own range ± 48 bytes
 * - delay: one of the site's think times, scaled by 0.8..1.2; the session waits this long before writing
 * The only per-connection cost is drawing these numbers.
 */
import { chooseCipherSuite } from '../protocol/faketls-verify.js';
import { MAX_RECORD_PAYLOAD } from '../protocol/tls-records.js';
import { GROUP_X25519, GROUP_X25519_MLKEM768, type ServerHelloOptions } from '../protocol/faketls-server.js';
import type { SiteProfile } from './profile.js';

const TLS13_SUITES = new Set([0x1301, 0x1302, 0x1303]);
const MIN_FLIGHT = 64;
const MAX_DELAY_MS = 2000;

export interface AnswerPlan extends Required<Pick<ServerHelloOptions, 'cipherSuite' | 'appDataLength' | 'extensionOrder' | 'keyShareGroup'>> {
  /** How long to wait before writing the answer, ms. */
  readonly delayMs: number;
}

/** A source of uniform numbers in [0, 1); Math.random by default (sizes and delays are not secrets). */
export type Uniform = () => number;

/**
 * The answer for one client: `offeredSuites` from its hello (ClientHelloFields.cipherSuites),
 * `offeredGroups` the groups of its key shares (ja4Parts(hello).keyShareGroups).
 */
export function planAnswer(
  profile: SiteProfile,
  offeredSuites: readonly number[],
  offeredGroups: readonly number[] = [],
  random: Uniform = Math.random,
): AnswerPlan {
  const pq = profile.keyShareGroup === GROUP_X25519_MLKEM768 && offeredGroups.includes(GROUP_X25519_MLKEM768);
  return {
    cipherSuite: answerSuite(profile.cipherSuite, offeredSuites),
    keyShareGroup: pq ? GROUP_X25519_MLKEM768 : GROUP_X25519,
    extensionOrder: profile.extensionOrder,
    appDataLength: drawFlightSize(profile.flightSizes, random),
    delayMs: drawDelay(profile.delaysMs, random),
  };
}

/** The site's suite if the client offered it and it is a TLS 1.3 suite, else the client's choice. */
export function answerSuite(siteSuite: number, offered: readonly number[]): number {
  if (TLS13_SUITES.has(siteSuite) && offered.includes(siteSuite)) return siteSuite; // TLS 1.3 suites are never GREASE; no closure per hello
  return chooseCipherSuite(offered);
}

export function drawFlightSize(sizes: readonly number[], random: Uniform = Math.random): number {
  const base = pick(sizes, random) ?? 2048;
  const width = Math.min(48, Math.max(16, Math.round(base * 0.01)));
  const jitter = Math.round((random() + random() - 1) * width);
  return Math.min(MAX_RECORD_PAYLOAD, Math.max(MIN_FLIGHT, base + jitter));
}

export function drawDelay(delaysMs: readonly number[], random: Uniform = Math.random): number {
  const base = pick(delaysMs, random) ?? 0;
  return Math.min(MAX_DELAY_MS, Math.max(0, base * (0.8 + 0.4 * random())));
}

function pick(values: readonly number[], random: Uniform): number | undefined {
  if (values.length === 0) return undefined;
  return values[Math.min(values.length - 1, Math.floor(random() * values.length))];
}
