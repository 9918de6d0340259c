/**
 * The handshake as a small state machine over the bytes read so far (no sockets, no timers): detect fake
 * TLS or obfuscated2, identify the user, and hand back what the session needs to dial and relay.
 * (docs/protocol.md "Obfuscated2 header", "Fake TLS")
 *
 *   first bytes 16 03 01 → fake TLS (when 'ee' is allowed): ClientHello → reply → CCS → first 17 record
 *                          carrying the 64-byte obfuscated2 header
 *   anything else        → obfuscated2: the first 64 bytes are the header (when 'plain' or 'dd' is allowed)
 *
 * Replay checks, limits and the gate are the session's job (they may be asynchronous).
 */
import type { HandshakeFailureReason, SecretMode } from '../events.js';
import { HEADER_LENGTH, parseClientHeader, type ObfuscatedKeys, type ProtocolTag } from '../protocol/obfuscated2.js';
import type { TlsRecordReader } from '../protocol/tls-records.js';
import type { ProfileSource } from '../fronting/source.js';
import { TlsHandshake } from './handshake-tls.js';
import type { HandshakeThrottle } from './source-throttle.js';
import { MISSED, type HotKeyList, type KeySearch, type KeyTrial } from './key-search-budget.js';
import type { HandshakeTransport, UserCandidate, UserRecord } from './users.js';

export type HandshakeStep =
  | { kind: 'more' }
  | { kind: 'fail'; reason: HandshakeFailureReason; mode?: SecretMode }
  /** Fake TLS: the hello identified a user; send `reply` once the replay check and limits pass. */
  /** `delayMs`: how long the fronting site would take to answer (src/fronting/answer.ts); write `reply` after it. */
  | { kind: 'identified'; user: UserRecord; mode: 'ee'; replayKey: Uint8Array; reply: Uint8Array; delayMs: number; sni?: string }
  | HandshakeDone;

export interface HandshakeDone {
  kind: 'done';
  user: UserRecord;
  mode: SecretMode;
  tag: ProtocolTag;
  dc: number;
  keys: ObfuscatedKeys;
  /** Obfuscated2 only: header bytes 8..56 for the replay cache. */
  replayKey?: Uint8Array;
  /** Client bytes after the header, still encrypted (payload of the first record under fake TLS). */
  initial: Uint8Array;
  /** Fake TLS only: the record reader of the data phase, holding any partial record already read. */
  tlsReader?: TlsRecordReader;
}

export interface HandshakeOptions {
  /** The keys to try for a handshake on this transport (UserDirectory.candidates). */
  candidates: (transport: HandshakeTransport) => readonly UserCandidate[];
  /** Fake TLS: the keys for a hello naming `sni` (UserDirectory.tlsCandidates); default: filter candidates('tls'). */
  tlsCandidates?: (sni: string | undefined) => readonly UserCandidate[];
  /** The failed-handshake budget of a client's source, checked before any key is tried. */
  throttle?: HandshakeThrottle;
  /** Hot keys first, within the global budget of failed key trials (src/proxy/key-search-budget.ts); both or neither. */
  keySearch?: KeySearch;
  /** The key list with its hot keys (UserDirectory.hotKeys); its `all` is what candidates / tlsCandidates give. */
  hotKeys?: (transport: HandshakeTransport, sni?: string) => HotKeyList<UserCandidate>;
  allowModes: readonly SecretMode[];
  maxSkewMs: number;
  now: () => number;
  /** Shapes the answer to a valid fake-TLS client like the fronting site's (none: the template answer). */
  profiles?: ProfileSource;
}

const TLS_START = [0x16, 0x03, 0x01];
/** First four bytes a client never sends in an obfuscated2 header (HTTP methods, TLS, the tags). */
const FOREIGN_STARTS = new Set(['HEAD', 'POST', 'GET ', 'OPTI', 'PUT ', '\x16\x03\x01\x02', '\xdd\xdd\xdd\xdd', '\xee\xee\xee\xee']);

export class Handshake {
  private tls: TlsHandshake | undefined;
  private decided = false;

  /**
   * `options` may be shared by every connection (the server keeps one per config); `source` is the client's
   * address, held to the throttle's budget.
   */
  constructor(
    private readonly options: HandshakeOptions,
    private readonly source?: string,
  ) {}

  /** The mode known so far (for failure events). */
  get mode(): SecretMode | undefined {
    return this.tls ? 'ee' : undefined;
  }

  /** JA4 of the ClientHello, when fake TLS read a complete one (valid or not). */
  get ja4(): string | undefined {
    return this.tls?.ja4;
  }

  /** SNI of the hello, when fake TLS got that far (picks the fronting target). */
  get sni(): string | undefined {
    return this.tls?.sni;
  }

  /** Called with every byte read so far (the session keeps them for fronting). */
  feed(buffered: Uint8Array): HandshakeStep {
    if (!this.decided) {
      const n = Math.min(buffered.length, TLS_START.length);
      let tlsPrefix = true;
      for (let i = 0; i < n; i++) if (buffered[i] !== TLS_START[i]) tlsPrefix = false;
      if (tlsPrefix && n < TLS_START.length) return { kind: 'more' };
      const allow = this.options.allowModes;
      if (tlsPrefix && allow.includes('ee')) {
        this.tls = new TlsHandshake(this.options, this.source);
      } else if (!allow.includes('plain') && !allow.includes('dd')) {
        return { kind: 'fail', reason: 'not_tls' };
      }
      this.decided = true;
    }
    return this.tls ? this.tls.feed(buffered) : this.feedObfuscated2(buffered);
  }

  private feedObfuscated2(buffered: Uint8Array): HandshakeStep {
    // Clients redraw headers that start like another protocol (docs/protocol.md "Forbidden starts"), so such
    // bytes are a prober or a browser: front them now rather than waiting for 64 bytes that will never come.
    if (buffered.length >= 1 && buffered[0] === 0xef) return { kind: 'fail', reason: 'protocol' };
    if (buffered.length >= 4 && FOREIGN_STARTS.has(Buffer.from(buffered.subarray(0, 4)).toString('latin1'))) {
      return { kind: 'fail', reason: 'protocol' };
    }
    if (buffered.length < HEADER_LENGTH) return { kind: 'more' };
    const candidates = this.options.candidates('obfuscated2');
    if (isThrottled(this.options, this.source, candidates.length)) return { kind: 'fail', reason: 'throttled' };
    const match = findKey(this.options, 'obfuscated2', undefined, this.source, candidates, O2_TRIAL, buffered);
    if (match === undefined) {
      keysFailed(this.options, this.source, candidates.length);
      return { kind: 'fail', reason: 'key_budget' };
    }
    if (!match.ok) {
      keysFailed(this.options, this.source, candidates.length);
      return { kind: 'fail', reason: 'bad_secret' };
    }
    const mode: SecretMode = match.tag === 'padded' ? 'dd' : 'plain';
    if (!this.options.allowModes.includes(mode)) return { kind: 'fail', reason: 'mode_refused', mode };
    return {
      kind: 'done',
      user: match.user,
      mode,
      tag: match.tag,
      dc: match.dc,
      keys: match,
      replayKey: match.replayKey,
      initial: buffered.slice(HEADER_LENGTH),
    };
  }
}

const O2_TRIAL: KeyTrial<Uint8Array, ReturnType<typeof parseClientHeader<UserRecord>>> = {
  run: (buffered, keys) => parseClientHeader(buffered.subarray(0, HEADER_LENGTH), keys as readonly UserCandidate[]),
  outcome: (match) => (match.ok ? match.index : MISSED),
};

/**
 * Tries `all` with `trial`: through the server's KeySearch (hot keys first, the rest within the global budget;
 * undefined when the budget stopped it) or, without one, all at once.
 */
export function findKey<A, M>(
  options: HandshakeOptions,
  transport: HandshakeTransport,
  sni: string | undefined,
  source: string | undefined,
  all: readonly UserCandidate[],
  trial: KeyTrial<A, M>,
  arg: A,
): M | undefined {
  if (options.keySearch === undefined || options.hotKeys === undefined) return trial.run(arg, all);
  return options.keySearch.search(options.hotKeys(transport, sni), source, options.now(), trial, arg);
}

/** The source has used up its budget of failed key searches: front it without trying the `keys` keys. */
export function isThrottled(options: HandshakeOptions, source: string | undefined, keys: number): boolean {
  return options.throttle !== undefined && source !== undefined && options.throttle.throttled(source, keys, options.now());
}

/** `keys` keys were tried and none matched: charge the source's budget. */
export function keysFailed(options: HandshakeOptions, source: string | undefined, keys: number): void {
  if (options.throttle !== undefined && source !== undefined) options.throttle.failed(source, keys, options.now());
}
