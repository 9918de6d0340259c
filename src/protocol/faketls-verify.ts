/**
 * Fake TLS, server side, step 2: parse the ClientHello fields and authenticate it. [docs/protocol.md
 * "ClientHello"; mtg faketls ParseClientHello; tdlib TlsInit]
 *
 *   single-record form (see faketls-hello.ts):
 *   0  16 03 0x LL LL        5  01 LL LL LL        9  03 03
 *   11 random (32) = HMAC-SHA256(S, record with these 32 bytes zeroed), bytes 28..32 XOR u32 LE unix time
 *   43 session id length     44 session id          then suites (2-byte BE length), compression, extensions
 *   extension server_name (0x0000): list len (2) | type 00 | name len (2) | name
 *
 * The SNI is checked first: only candidates whose domain equals it are tried (a hello for another name costs no
 * HMAC, and a junk hello costs as many HMACs as there are keys for its domain, not for the whole directory). Each
 * such candidate's HMAC is computed and compared over 28 bytes in constant time; the first match is selected by
 * masking. Then the timestamp window.
 */
import { createHmac } from 'node:crypto';
import { copyBytes, ctEqualBytes } from './bytes.js';
import { TlsError } from './errors.js';

export const RANDOM_OFFSET = 11;
export const RANDOM_LENGTH = 32;
const SESSION_ID_OFFSET = 43;
const EXT_SERVER_NAME = 0x0000;
export const DEFAULT_MAX_SKEW_MS = 120_000;
/** TLS 1.3 suites a fake-TLS server may answer with; anything else gets 13 01. */
const TLS13_SUITES = new Set([0x1301, 0x1302, 0x1303]);

export interface ClientHelloFields {
  readonly random: Uint8Array;
  readonly sessionId: Uint8Array;
  readonly cipherSuites: readonly number[];
  /** SNI host name, if the hello has one. */
  readonly serverName?: string;
}

export function isGrease(value: number): boolean {
  return (value & 0x0f0f) === 0x0a0a && value >> 8 === (value & 0xff);
}

const utf8 = new TextDecoder('utf-8');

class Cursor {
  constructor(
    readonly b: Uint8Array,
    public at: number,
    readonly end: number,
  ) {}
  need(n: number): void {
    if (n < 0 || this.at + n > this.end) throw new TlsError('ERR_PROTOCOL_TLS_HELLO', 'ClientHello is truncated');
  }
  u8(): number {
    this.need(1);
    return this.b[this.at++]!;
  }
  u16(): number {
    this.need(2);
    const v = (this.b[this.at]! << 8) | this.b[this.at + 1]!;
    this.at += 2;
    return v;
  }
  bytes(n: number): Uint8Array {
    this.need(n);
    const v = this.b.subarray(this.at, this.at + n);
    this.at += n;
    return v;
  }
}

/** Reads the fields the proxy needs; throws TlsError on a malformed hello. */
export function parseClientHelloFields(record: Uint8Array): ClientHelloFields {
  if (record.length < SESSION_ID_OFFSET + 1 || record[0] !== 0x16 || record[5] !== 0x01) {
    throw new TlsError('ERR_PROTOCOL_TLS_HELLO', 'not a ClientHello record');
  }
  const declared = (record[3]! << 8) | record[4]!;
  const body = (record[6]! << 16) | (record[7]! << 8) | record[8]!;
  if (declared !== record.length - 5 || body !== record.length - 9) {
    throw new TlsError('ERR_PROTOCOL_TLS_HELLO', 'ClientHello lengths do not match its size');
  }
  const c = new Cursor(record, SESSION_ID_OFFSET, record.length);
  const random = copyBytes(record, RANDOM_OFFSET, RANDOM_OFFSET + RANDOM_LENGTH);
  const sidLen = c.u8();
  if (sidLen > 32) throw new TlsError('ERR_PROTOCOL_TLS_HELLO', 'session id longer than 32 bytes');
  const sessionId = copyBytes(c.bytes(sidLen));
  const suitesLen = c.u16();
  if (suitesLen % 2 !== 0) throw new TlsError('ERR_PROTOCOL_TLS_HELLO', 'odd cipher suites length');
  const suites = c.bytes(suitesLen);
  const cipherSuites: number[] = [];
  for (let i = 0; i < suites.length; i += 2) cipherSuites.push((suites[i]! << 8) | suites[i + 1]!);
  c.bytes(c.u8()); // compression methods
  if (c.at === c.end) return { random, sessionId, cipherSuites };
  const extEnd = c.u16() + c.at;
  if (extEnd > c.end) throw new TlsError('ERR_PROTOCOL_TLS_HELLO', 'extensions run past the hello');
  const ext = new Cursor(record, c.at, extEnd);
  let serverName: string | undefined;
  while (ext.at < ext.end) {
    const type = ext.u16();
    const length = ext.u16();
    // Other extensions are stepped over without a view each (a hello has 15–20 of them, once per connection).
    if (type !== EXT_SERVER_NAME || serverName !== undefined) {
      ext.need(length);
      ext.at += length;
      continue;
    }
    const data = ext.bytes(length);
    const sni = new Cursor(data, 0, data.length);
    const listEnd = sni.u16() + sni.at;
    if (listEnd > data.length) throw new TlsError('ERR_PROTOCOL_TLS_HELLO', 'server_name list runs past its extension');
    while (sni.at < listEnd) {
      const nameType = sni.u8();
      const name = sni.bytes(sni.u16());
      if (nameType === 0 && serverName === undefined) serverName = utf8.decode(name);
    }
  }
  return { random, sessionId, cipherSuites, serverName };
}

/** The suite the server answers with: the client's first non-GREASE TLS 1.3 suite, else 13 01. */
export function chooseCipherSuite(suites: readonly number[]): number {
  for (const s of suites) if (!isGrease(s) && TLS13_SUITES.has(s)) return s;
  return 0x1301;
}

export interface HelloCandidate<U> {
  readonly user: U;
  readonly key: Uint8Array;
  /** The ee secret's domain; the SNI must equal it (ASCII case-insensitive). */
  readonly domain?: string;
}

/** 'bad_sni': no candidate's domain is the hello's SNI (no key was tried, so no user is named). */
export type HelloFailure = 'bad_hmac' | 'stale_time' | 'bad_sni' | 'protocol';

export type HelloVerdict<U> =
  | {
      readonly ok: true;
      readonly user: U;
      readonly index: number;
      /** Unix seconds the client put in its digest. */
      readonly timestamp: number;
      /** Client time minus our time, in ms. */
      readonly skewMs: number;
      readonly fields: ClientHelloFields;
      /** Suite for the ServerHello. */
      readonly cipherSuite: number;
      /** Replay-cache key: the client random as received. */
      readonly replayKey: Uint8Array;
    }
  | {
      readonly ok: false;
      readonly reason: HelloFailure;
      /** Set when the HMAC matched a user but a later check failed. */
      readonly user?: U;
      readonly timestamp?: number;
      readonly error?: TlsError;
    };

export interface VerifyOptions {
  /** Allowed |client time − now|; default 120 s. */
  readonly maxSkewMs?: number;
  /** Skip the SNI check (tests with legacy vectors); default false. */
  readonly ignoreSni?: boolean;
  /** This record's fields, when the caller parsed them already (parseClientHelloFields): not parsed twice. */
  readonly fields?: ClientHelloFields;
}


export function verifyClientHello<U>(
  record: Uint8Array,
  candidates: readonly HelloCandidate<U>[],
  nowMs: number,
  optionsOrMaxSkewMs: VerifyOptions | number = {},
): HelloVerdict<U> {
  const options: VerifyOptions = typeof optionsOrMaxSkewMs === 'number' ? { maxSkewMs: optionsOrMaxSkewMs } : optionsOrMaxSkewMs;
  let fields: ClientHelloFields;
  try {
    fields = options.fields ?? parseClientHelloFields(record);
  } catch (err) {
    if (err instanceof TlsError) return { ok: false, reason: 'protocol', error: err };
    throw err;
  }
  const sni = options.ignoreSni ? undefined : fields.serverName?.toLowerCase();
  const zeroed = copyBytes(record);
  zeroed.fill(0, RANDOM_OFFSET, RANDOM_OFFSET + RANDOM_LENGTH);
  const random = fields.random;
  let found = 0;
  let index = 0;
  let tried = 0;
  const chosenTail = new Uint8Array(4);
  for (let i = 0; i < candidates.length; i++) {
    const candidate = candidates[i]!;
    // The SNI is public: skipping the keys of other domains leaks nothing about any key.
    if (!options.ignoreSni && !sniMatches(sni, candidate.domain)) continue;
    tried++;
    const key = candidate.key;
    if (key.length !== 16) throw new TlsError('ERR_PROTOCOL_TLS_HELLO', 'candidate key must be 16 bytes');
    // One createHmac per key: measured cheaper than copying hash states kept per key (Hash.copy() twice per
    // HMAC costs more than HMAC_Init with a 16-byte key).
    const mac = createHmac('sha256', key).update(zeroed).digest();
    const select = ctEqualBytes(mac, 0, random, 0, 28) & (found ^ 1);
    const mask = -select & 0xff;
    for (let j = 0; j < 4; j++) chosenTail[j] = (chosenTail[j]! & ~mask) | (mac[28 + j]! & mask);
    index = index * (select ^ 1) + i * select;
    found |= select;
  }
  if (found === 0) return { ok: false, reason: tried === 0 && candidates.length > 0 ? 'bad_sni' : 'bad_hmac' };
  const candidate = candidates[index]!;
  const t = new Uint8Array(4);
  for (let j = 0; j < 4; j++) t[j] = random[28 + j]! ^ chosenTail[j]!;
  const timestamp = (t[0]! | (t[1]! << 8) | (t[2]! << 16) | (t[3]! << 24)) >>> 0;
  const skewMs = timestamp * 1000 - nowMs;
  const maxSkew = options.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  if (Math.abs(skewMs) > maxSkew) return { ok: false, reason: 'stale_time', user: candidate.user, timestamp };
  return {
    ok: true,
    user: candidate.user,
    index,
    timestamp,
    skewMs,
    fields,
    cipherSuite: chooseCipherSuite(fields.cipherSuites),
    replayKey: copyBytes(random),
  };
}

/** `sni` already lower-cased; ASCII case-insensitive against the domain (directory domains are usually lower case). */
function sniMatches(sni: string | undefined, domain: string | undefined): boolean {
  if (domain === undefined) return true;
  if (sni === undefined) return false;
  return sni === domain || sni === domain.toLowerCase();
}

