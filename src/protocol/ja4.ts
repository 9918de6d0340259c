/**
 * JA4, the TLS client fingerprint of FoxIO's JA4+ suite, computed from a ClientHello.
 * [JA4 technical details, github.com/FoxIO-LLC/ja4 technical_details/JA4.md (BSD 3-Clause); RFC 8446 §4.1.2;
 * RFC 8701 GREASE]
 *
 *   a: t | version (2) | d or i (SNI) | ciphers (2 digits) | extensions (2 digits) | ALPN first+last char
 *   b: sha256("0a0b,…" ciphers sorted)[0..12]
 *   c: sha256("extensions sorted without SNI/ALPN" ‖ "_" ‖ "signature algorithms in order")[0..12]
 *   JA4 = a_b_c; GREASE values are ignored everywhere.
 *
 * Input is the single-record form the proxy reassembles (src/protocol/faketls-hello.ts), or a handshake
 * message alone. Throws TlsError on a malformed hello. Not on the per-byte path: once per ClientHello.
 */
import { createHash } from 'node:crypto';
import { TlsError } from './errors.js';
import { isGrease } from './faketls-verify.js';

const EXT_SNI = 0x0000;
const EXT_ALPN = 0x0010;
const EXT_SIG_ALGS = 0x000d;
const EXT_VERSIONS = 0x002b;
const EXT_KEY_SHARE = 0x0033;
const VERSIONS: Record<number, string> = { 0x0304: '13', 0x0303: '12', 0x0302: '11', 0x0301: '10', 0x0300: 's3', 0x0002: 's2' };

export interface Ja4Parts {
  /** Cipher suites in wire order, GREASE removed. */
  readonly ciphers: readonly number[];
  /** Extension types in wire order, GREASE removed. */
  readonly extensions: readonly number[];
  readonly signatureAlgorithms: readonly number[];
  readonly version: number;
  readonly alpn?: Uint8Array;
  /** Groups of the key_share entries, GREASE removed (not part of JA4: the answer's key share follows it). */
  readonly keyShareGroups: readonly number[];
}

export interface Ja4 {
  /** The fingerprint, e.g. t13d1516h2_8daaf6152771_e5627efa2ab1. */
  readonly ja4: string;
  /** JA4_r: the same with the sorted lists in clear instead of hashed. */
  readonly raw: string;
}

const hex4 = (n: number): string => n.toString(16).padStart(4, '0');
/**
 * Hashes of lists seen lately: clients of one app send the same lists on every connection, so a hello costs a
 * Map lookup instead of two SHA-256 runs. Bounded: emptied when full (junk hellos with fresh lists cannot grow it).
 */
const recentHashes = new Map<string, string>();
const RECENT_HASHES_MAX = 256;
function sha12(s: string): string {
  const known = recentHashes.get(s);
  if (known !== undefined) return known;
  const hash = createHash('sha256').update(s).digest('hex').slice(0, 12);
  if (recentHashes.size >= RECENT_HASHES_MAX) recentHashes.clear();
  recentHashes.set(s, hash);
  return hash;
}
const bad = (m: string): never => {
  throw new TlsError('ERR_PROTOCOL_TLS_HELLO', m);
};

/** Reads the fields JA4 needs from a ClientHello record (16 03 0x LL LL 01 …) or handshake message (01 …). */
export function ja4Parts(hello: Uint8Array): Ja4Parts {
  let at = hello[0] === 0x16 ? 5 : 0;
  const end = hello.length;
  const need = (n: number): void => {
    if (at + n > end) bad('ClientHello is truncated');
  };
  const u8 = (): number => (need(1), hello[at++]!);
  const u16 = (): number => (need(2), (at += 2), (hello[at - 2]! << 8) | hello[at - 1]!);
  if (u8() !== 0x01) bad('not a ClientHello');
  at += 3;
  const legacy = u16();
  need(32);
  at += 32;
  const sessionIdLength = u8();
  at += sessionIdLength;
  const suitesEnd = u16() + at;
  const ciphers: number[] = [];
  while (at < suitesEnd) {
    const s = u16();
    if (!isGrease(s)) ciphers.push(s);
  }
  const compressionLength = u8();
  at += compressionLength;
  need(0);
  const extensions: number[] = [];
  const signatureAlgorithms: number[] = [];
  let version = legacy;
  let alpn: Uint8Array | undefined;
  const keyShareGroups: number[] = [];
  if (at < end) {
    const extEnd = u16() + at;
    if (extEnd > end) bad('extensions run past the hello');
    while (at < extEnd) {
      const type = u16();
      const len = u16();
      need(len);
      const start = at;
      at += len;
      if (isGrease(type)) continue;
      extensions.push(type);
      // A view only for the few extensions read here: once per connection, 15–20 extensions per hello.
      if (type !== EXT_SIG_ALGS && type !== EXT_VERSIONS && type !== EXT_ALPN && type !== EXT_KEY_SHARE) continue;
      const data = hello.subarray(start, at);
      if (type === EXT_SIG_ALGS) for (let i = 2; i + 1 < data.length; i += 2) signatureAlgorithms.push((data[i]! << 8) | data[i + 1]!);
      if (type === EXT_VERSIONS) version = highestVersion(data) ?? version;
      if (type === EXT_ALPN && data.length >= 3) alpn = data.subarray(3, Math.min(data.length, 3 + data[2]!));
      if (type === EXT_KEY_SHARE) keyShareGroups.push(...shareGroups(data));
    }
  }
  return { ciphers, extensions, signatureAlgorithms, version, alpn, keyShareGroups };
}

/** Groups of a key_share extension body: u16 list length, then (group, u16 key length, key) entries. */
function shareGroups(data: Uint8Array): number[] {
  const groups: number[] = [];
  for (let i = 2; i + 4 <= data.length; i += 4 + ((data[i + 2]! << 8) | data[i + 3]!)) {
    const g = (data[i]! << 8) | data[i + 1]!;
    if (!isGrease(g)) groups.push(g);
  }
  return groups;
}

function highestVersion(data: Uint8Array): number | undefined {
  let best: number | undefined;
  for (let i = 1; i + 1 < data.length && i < 1 + data[0]!; i += 2) {
    const v = (data[i]! << 8) | data[i + 1]!;
    if (!isGrease(v) && (best === undefined || v > best)) best = v;
  }
  return best;
}

const alnum = (c: number): boolean => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);

/** First and last character of the first ALPN value; its hex's first and last when not alphanumeric. */
export function alpnChars(alpn: Uint8Array | undefined): string {
  if (!alpn || alpn.length === 0) return '00';
  const first = alpn[0]!;
  const last = alpn[alpn.length - 1]!;
  if (alnum(first) && alnum(last)) return String.fromCharCode(first, last);
  const hex = Buffer.from(alpn).toString('hex');
  return hex[0]! + hex[hex.length - 1]!;
}

export function ja4FromParts(p: Ja4Parts): Ja4 {
  const count = (n: number): string => String(Math.min(99, n)).padStart(2, '0');
  const a = `t${VERSIONS[p.version] ?? '00'}${p.extensions.includes(EXT_SNI) ? 'd' : 'i'}${count(p.ciphers.length)}${count(p.extensions.length)}${alpnChars(p.alpn)}`;
  const ciphers = [...p.ciphers].sort((x, y) => x - y).map(hex4).join(',');
  const exts = p.extensions.filter((e) => e !== EXT_SNI && e !== EXT_ALPN).sort((x, y) => x - y).map(hex4).join(',');
  const sigs = p.signatureAlgorithms.map(hex4).join(',');
  const c = sigs ? `${exts}_${sigs}` : exts;
  return {
    ja4: `${a}_${ciphers ? sha12(ciphers) : '000000000000'}_${exts ? sha12(c) : '000000000000'}`,
    raw: `${a}_${ciphers}_${c}`,
  };
}

/** JA4 of a ClientHello (record or handshake message). Throws TlsError on a malformed hello. */
export function ja4(hello: Uint8Array): Ja4 {
  return ja4FromParts(ja4Parts(hello));
}

/**
 * A bounded label set for metrics and events: the `capacity` most frequent fingerprints keep their own
 * label, everything else is "other". Counting follows Space-Saving (Metwally et al., 2005): a newcomer that
 * outgrows the least-seen label takes its place, so a fingerprint that floods in during a blocking wave
 * shows up, and at most capacity + 1 labels are live at any time.
 */
export class Ja4Labels {
  static readonly OTHER = 'other';
  private readonly labels = new Map<string, number>();
  private readonly waiting = new Map<string, number>();

  constructor(private readonly capacity = 20) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive integer');
  }

  /** Counts one hello with this fingerprint; returns the label to report it under. */
  observe(fingerprint: string): string {
    const seen = this.labels.get(fingerprint);
    if (seen !== undefined) {
      this.labels.set(fingerprint, seen + 1);
      return fingerprint;
    }
    if (this.labels.size < this.capacity) {
      this.labels.set(fingerprint, 1);
      return fingerprint;
    }
    const count = (this.waiting.get(fingerprint) ?? 0) + 1;
    const [weakest, weakestCount] = this.weakest();
    if (count > weakestCount) {
      this.labels.delete(weakest);
      this.waiting.delete(fingerprint);
      this.labels.set(fingerprint, count);
      return fingerprint;
    }
    if (this.waiting.size >= this.capacity * 4 && !this.waiting.has(fingerprint)) this.waiting.delete(this.waiting.keys().next().value!);
    this.waiting.set(fingerprint, count);
    return Ja4Labels.OTHER;
  }

  /** The fingerprints that currently have their own label, most seen first. */
  current(): string[] {
    return [...this.labels.entries()].sort((a, b) => b[1] - a[1]).map(([fp]) => fp);
  }

  private weakest(): [string, number] {
    let best: [string, number] = ['', Number.POSITIVE_INFINITY];
    for (const entry of this.labels) if (entry[1] < best[1]) best = entry;
    return best;
  }
}
