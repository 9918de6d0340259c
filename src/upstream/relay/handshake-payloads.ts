/**
 * The payloads the relay carries inside the Noise IK messages (docs/protocol.md "Relay tunnel"):
 *
 *   hello  (entry → exit, message 1):  version u8 = 1 | timestamp ms u64 BE | random 16 | n u8 | n suite ids
 *   answer (exit → entry, message 2):  version u8 = 1 | status u8 (0 ok, 1 no common suite) | suite id u8 (0 if none)
 *
 * Both are encrypted and hashed into h by Noise, so the offer and the choice are part of the transcript.
 */
import { randomBytes } from 'node:crypto';
import { RelayError } from './errors.js';
import { SUITE_IDS, suiteById, type RelaySuite } from './suites.js';

export const PAYLOAD_VERSION = 1;
const HELLO_FIXED = 1 + 8 + 16 + 1;

export interface Hello {
  timestampMs: number;
  random: Uint8Array;
  suites: RelaySuite[];
}

export type Answer = { status: 'ok'; suite: RelaySuite } | { status: 'no-common-suite' };

export function encodeHello(suites: readonly RelaySuite[], nowMs: number): Uint8Array {
  const out = new Uint8Array(HELLO_FIXED + suites.length);
  const view = new DataView(out.buffer);
  out[0] = PAYLOAD_VERSION;
  view.setBigUint64(1, BigInt(Math.floor(nowMs)));
  out.set(randomBytes(16), 9);
  out[25] = suites.length;
  suites.forEach((s, i) => (out[HELLO_FIXED + i] = SUITE_IDS[s]));
  return out;
}

export function decodeHello(payload: Uint8Array): Hello {
  if (payload.length < HELLO_FIXED || payload[0] !== PAYLOAD_VERSION || payload.length !== HELLO_FIXED + payload[25]!) {
    throw new RelayError('handshake-malformed', 'relay hello payload malformed');
  }
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const suites: RelaySuite[] = [];
  for (const id of payload.subarray(HELLO_FIXED)) {
    const suite = suiteById(id);
    if (suite !== undefined && !suites.includes(suite)) suites.push(suite); // unknown ids: a newer entry's suites
  }
  return { timestampMs: Number(view.getBigUint64(1)), random: payload.slice(9, 25), suites };
}

export function encodeAnswer(answer: Answer): Uint8Array {
  return Uint8Array.of(PAYLOAD_VERSION, answer.status === 'ok' ? 0 : 1, answer.status === 'ok' ? SUITE_IDS[answer.suite] : 0);
}

export function decodeAnswer(payload: Uint8Array, offered: readonly RelaySuite[]): Answer {
  if (payload.length !== 3 || payload[0] !== PAYLOAD_VERSION) throw new RelayError('handshake-malformed', 'relay answer payload malformed');
  if (payload[1] === 1) return { status: 'no-common-suite' };
  const suite = suiteById(payload[2]!);
  // an exit that picks something we did not offer is broken or not the exit we pinned
  if (payload[1] !== 0 || suite === undefined || !offered.includes(suite)) throw new RelayError('handshake-malformed', 'relay answer names a suite not offered');
  return { status: 'ok', suite };
}
