/**
 * The fake-TLS half of the handshake (docs/protocol.md "Fake TLS"; src/protocol/faketls.ts).
 *
 *   hello phase:  16 03 01 LL LL … (any number of segments / handshake fragments, at most MAX_CLIENT_HELLO_BYTES)
 *                 → JA4 of every complete hello (valid or not) → throttle, SNI → HMAC of that domain's keys (hot
 *                 keys first, the rest within the global budget: src/proxy/key-search-budget.ts), time
 *                 → 'identified' with the three-record answer shaped by the fronting site's profile
 *                 (src/fronting/answer.ts: suite, extension order, key-share group, flight size) and the delay to
 *                 write it after
 *   header phase: 14 03 03 00 01 01 (once) · 17 03 03 LL LL [64-byte obfuscated2 header ‖ first payload]
 *                 → 'done'; the record reader, with whatever it holds, goes on to the relay
 *
 * The hello is capped near what real clients send: Chrome and Firefox with a post-quantum key share send about
 * 1.8–2 KB, Telegram apps and the mtcute / GramJS transports 517 bytes (padded). A larger hello is fronted as soon as
 * its handshake header names its length (the site sees the same bytes and answers as it would), so no HMAC ever
 * runs over more than 4 KiB.
 */
import type { HandshakeFailureReason } from '../events.js';
import { ClientHelloReader, parseClientHelloFields, verifyClientHello, buildServerHello, type ClientHelloFields, type VerifyOptions } from '../protocol/faketls.js';
import { badInputReason } from '../protocol/errors.js';
import { keySharePool } from '../protocol/faketls-keypool.js';
import { TlsRecordReader } from '../protocol/tls-records.js';
import { helloFingerprint, type HelloFingerprint } from '../protocol/ja4-cache.js';
import { planAnswer } from '../fronting/answer.js';
import { HEADER_LENGTH, parseClientHeader } from '../protocol/obfuscated2.js';
import { findKey, isThrottled, keysFailed, type HandshakeOptions, type HandshakeStep } from './handshake.js';
import { MISSED, STOPPED, type KeyTrial } from './key-search-budget.js';
import type { UserCandidate, UserRecord } from './users.js';

/** Largest ClientHello body the proxy authenticates (see above); larger ones are fronted as 'oversized'. */
export const MAX_CLIENT_HELLO_BYTES = 4096;

export class TlsHandshake {
  sni: string | undefined;
  /** JA4 of the ClientHello once a complete, well-formed one was read (for events and metrics). */
  ja4: string | undefined;
  private hello: ClientHelloReader | undefined = new ClientHelloReader({ maxHelloBytes: MAX_CLIENT_HELLO_BYTES });
  private records: TlsRecordReader | undefined;
  private fed = 0;
  private candidate: UserCandidate | undefined;
  private payloads: Uint8Array[] = [];

  constructor(
    private readonly options: HandshakeOptions,
    private readonly source?: string,
  ) {}

  feed(buffered: Uint8Array): HandshakeStep {
    const fresh = buffered.subarray(this.fed);
    this.fed = buffered.length;
    if (this.hello) return this.feedHello(fresh);
    if (!this.records) return { kind: 'more' }; // identified, answer not sent yet
    return this.feedRecords(fresh);
  }

  private feedHello(fresh: Uint8Array): HandshakeStep {
    const result = this.hello!.feed(fresh);
    if (result.status === 'need-more') return { kind: 'more' };
    if (result.status === 'not-tls') return fail('not_tls');
    if (result.status === 'error') return fail(badInputReason(result.error));
    this.hello = undefined;
    let fingerprint: HelloFingerprint | undefined;
    let fields: ClientHelloFields | undefined;
    try {
      fields = parseClientHelloFields(result.record);
      this.sni = fields.serverName;
      fingerprint = helloFingerprint(result.record); // remembered per hello shape (ja4-cache.ts)
      this.ja4 = fingerprint.ja4;
    } catch {
      // verifyClientHello reports the malformed hello below
    }
    const candidates = this.candidatesFor(this.sni);
    if (isThrottled(this.options, this.source, candidates.length)) return fail('throttled');
    const verdict = findKey(this.options, 'tls', this.sni, this.source, candidates, TLS_TRIAL, {
      record: result.record,
      now: this.options.now(),
      verify: { maxSkewMs: this.options.maxSkewMs, fields },
    });
    if (verdict === undefined) {
      keysFailed(this.options, this.source, candidates.length);
      return fail('key_budget');
    }
    if (!verdict.ok) {
      // Only a key search that ran and failed is charged to the source; a name with no keys cost nothing.
      if (verdict.reason === 'bad_hmac' && candidates.length > 0) keysFailed(this.options, this.source, candidates.length);
      // No key for this name: 'bad_sni' as before, when there are fake-TLS users at all.
      const noKeyForName = verdict.reason === 'bad_hmac' && candidates.length === 0 && this.options.candidates('tls').length > 0;
      return fail(noKeyForName ? 'bad_sni' : (verdict.reason as HandshakeFailureReason));
    }
    this.candidate = (this.options.keySearch?.found as UserCandidate | undefined) ?? candidates[verdict.index]!;
    // Without a profile (no source: the handshake alone in unit tests; profiles off) the template answer, sent at once.
    const profile = this.options.profiles?.profileFor(this.candidate.domain);
    const plan = profile
      ? planAnswer(profile, verdict.fields.cipherSuites, fingerprint?.keyShareGroups)
      : { cipherSuite: verdict.cipherSuite, delayMs: 0 };
    // The x25519 key share comes generated ahead, off the main thread.
    const reply = buildServerHello(this.candidate.key, verdict.fields.random, verdict.fields.sessionId, { ...plan, keyShare: keySharePool.take() });
    // Bytes after the hello (clients normally wait for the answer) are the start of the data phase.
    this.records = new TlsRecordReader();
    if (result.rest.length > 0) this.payloads.push(...this.records.push(result.rest));
    return { kind: 'identified', user: verdict.user, mode: 'ee', replayKey: verdict.replayKey, reply, delayMs: plan.delayMs, sni: this.sni };
  }

  private candidatesFor(sni: string | undefined): readonly UserCandidate[] {
    if (this.options.tlsCandidates) return this.options.tlsCandidates(sni);
    return this.options.candidates('tls'); // verifyClientHello skips the other domains' keys itself
  }

  private feedRecords(fresh: Uint8Array): HandshakeStep {
    if (fresh.length > 0) this.payloads.push(...this.records!.push(fresh));
    if (this.payloads.length === 0) return { kind: 'more' };
    const first = this.payloads[0]!;
    if (first.length < HEADER_LENGTH) return fail('protocol');
    const candidate = this.candidate!;
    const match = parseClientHeader(first.subarray(0, HEADER_LENGTH), [candidate]);
    if (!match.ok) return fail('protocol');
    const rest = [first.subarray(HEADER_LENGTH), ...this.payloads.slice(1)];
    const initial = Buffer.concat(rest);
    this.payloads = [];
    return {
      kind: 'done',
      user: candidate.user,
      mode: 'ee',
      tag: match.tag,
      dc: match.dc,
      keys: match,
      initial,
      tlsReader: this.records!,
    };
  }
}

interface HelloTrial {
  readonly record: Uint8Array;
  readonly now: number;
  readonly verify: VerifyOptions;
}

const TLS_TRIAL: KeyTrial<HelloTrial, ReturnType<typeof verifyClientHello<UserRecord>>> = {
  run: (hello, keys) => verifyClientHello(hello.record, keys as readonly UserCandidate[], hello.now, hello.verify),
  // A key that matched with a stale time, or a malformed hello: no other key is worth trying.
  outcome: (verdict) => (verdict.ok ? verdict.index : verdict.reason === 'bad_hmac' ? MISSED : STOPPED),
};

function fail(reason: HandshakeFailureReason): HandshakeStep {
  return { kind: 'fail', reason, mode: 'ee' };
}
