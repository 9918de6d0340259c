/**
 * The relay handshake on both sides (docs/protocol.md "Relay tunnel"): Noise IK (noise-ik.ts) carrying the
 * suite offer and choice (handshake-payloads.ts), then the switch to records under the negotiated suite.
 *
 *   entry (initiator)                                   exit (responder)
 *   -> e, es, s, ss, {hello: time, random, suites}      checks s ∈ allow, refuses a replay, picks a suite
 *   <- e, ee, se, {answer: suite | no common suite}
 *
 * The entry pins the exit's static key (IK needs it up front: a different exit cannot decrypt message 1). On
 * every refusal `onFailure(err)` is called once with the RelayError (its `reason` is the audit event's), the
 * transport is closed, and the promise rejects with the same error.
 */
import type { Aead, AeadAlgorithm } from '../../kernels/index.js';
import { RelayError } from './errors.js';
import { decodeAnswer, decodeHello, encodeAnswer, encodeHello } from './handshake-payloads.js';
import { readHandshakeMessage, writeHandshakeMessage } from './handshake-io.js';
import { IkInitiator, IkResponder, type IkResult } from './noise-ik.js';
import { deriveRecordKey } from './records.js';
import type { ReplayCache } from './replay-cache.js';
import { chooseSuite, type RelaySuite } from './suites.js';
import type { RelayTransport } from './transport.js';
import { RelayTunnel, type TunnelTuning } from './tunnel.js';
import type { X25519KeyPair } from './x25519.js';

/** Where AEADs come from: the kernel registry (`registry.aead(alg)`), so the WASM kernels carry the traffic. */
export interface AeadSource {
  aead(alg: AeadAlgorithm): Aead;
}

/** Bound into every handshake as the Noise prologue: a version bump changes every key. */
export const RELAY_PROLOGUE = new TextEncoder().encode('mtshield relay v1');

interface CommonOptions {
  kernels: AeadSource;
  staticKey: X25519KeyPair;
  /** This side's suites, in preference order. */
  suites: readonly RelaySuite[];
  /** Handshake deadline (default 10 s). */
  timeoutMs?: number;
  tuning?: TunnelTuning;
  now?: () => number;
}

export interface EntryHandshakeOptions extends CommonOptions {
  /** The exit's static public key (pinned). */
  exitPublicKey: Uint8Array;
}

export interface ExitHandshakeOptions extends CommonOptions {
  /** Entry public keys let in; empty lets nobody in. */
  allow: readonly Uint8Array[];
  replay: ReplayCache;
}

export async function connectEntry(transport: RelayTransport, options: EntryHandshakeOptions): Promise<RelayTunnel> {
  return guarded(transport, options.tuning, async () => {
    const initiator = new IkInitiator({ aead: options.kernels.aead('chacha20-poly1305'), prologue: RELAY_PROLOGUE, staticKey: options.staticKey }, options.exitPublicKey);
    const reply = readHandshakeMessage(transport, options.timeoutMs ?? 10_000);
    writeHandshakeMessage(transport, initiator.writeMessage1(encodeHello(options.suites, (options.now ?? Date.now)())));
    const { message, rest } = await reply;
    const { payload, result } = initiator.readMessage2(message);
    const answer = decodeAnswer(payload, options.suites);
    if (answer.status !== 'ok') throw new RelayError('suites-disjoint', `the exit accepts none of the suites offered (${options.suites.join(', ')})`);
    return startTunnel(transport, 'entry', options, result, answer.suite, options.exitPublicKey, rest);
  });
}

export async function acceptExit(transport: RelayTransport, options: ExitHandshakeOptions): Promise<RelayTunnel> {
  return guarded(transport, options.tuning, async () => {
    const responder = new IkResponder({ aead: options.kernels.aead('chacha20-poly1305'), prologue: RELAY_PROLOGUE, staticKey: options.staticKey });
    const { message, rest } = await readHandshakeMessage(transport, options.timeoutMs ?? 10_000);
    const first = responder.readMessage1(message);
    // unknown entries are refused before they can touch the replay cache, and get no answer at all
    if (!options.allow.some((k) => equalBytes(k, first.remoteStatic))) throw new RelayError('peer-not-allowed', 'the entry static key is not in allow');
    const hello = decodeHello(first.payload);
    if (!options.replay.admit(first.remoteEphemeral, hello.timestampMs, (options.now ?? Date.now)())) {
      throw new RelayError('handshake-replay', 'first handshake message replayed or outside the time window');
    }
    const suite = chooseSuite(options.suites, hello.suites);
    if (suite === undefined) {
      // the refusal is authenticated (message 2), so the entry learns the real reason and no one can fake it
      writeHandshakeMessage(transport, responder.writeMessage2(encodeAnswer({ status: 'no-common-suite' })).message);
      throw new RelayError('suites-disjoint', `no common suite: entry offered ${hello.suites.join(', ') || 'nothing known'}, exit accepts ${options.suites.join(', ')}`);
    }
    const { message: reply, result } = responder.writeMessage2(encodeAnswer({ status: 'ok', suite }));
    writeHandshakeMessage(transport, reply);
    return startTunnel(transport, 'exit', options, result, suite, first.remoteStatic, rest);
  });
}

function startTunnel(transport: RelayTransport, role: 'entry' | 'exit', options: CommonOptions, result: IkResult, suite: RelaySuite, peerStatic: Uint8Array, rest: Uint8Array): RelayTunnel {
  const keys = {
    suite,
    sendKey: deriveRecordKey(result.sendKey, result.handshakeHash, suite),
    receiveKey: deriveRecordKey(result.receiveKey, result.handshakeHash, suite),
    peerStatic,
  };
  result.sendKey.fill(0);
  result.receiveKey.fill(0);
  const tunnel = new RelayTunnel(transport, role, options.kernels.aead(suite), keys, options.tuning);
  if (rest.length > 0) tunnel.feedEarly(Uint8Array.from(rest));
  return tunnel;
}

async function guarded(transport: RelayTransport, tuning: TunnelTuning | undefined, run: () => Promise<RelayTunnel>): Promise<RelayTunnel> {
  try {
    return await run();
  } catch (err) {
    const failure = err instanceof RelayError ? err : new RelayError('handshake-malformed', 'relay handshake failed', { cause: err });
    if (failure.reason === 'suites-disjoint') transport.end(); // let the authenticated refusal reach the entry
    else transport.destroy();
    tuning?.onFailure?.(failure);
    throw failure;
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
