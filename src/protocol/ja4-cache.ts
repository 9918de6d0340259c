/**
 * JA4 of a ClientHello, remembered per hello shape (src/protocol/ja4.ts computes it). [JA4 technical details,
 * github.com/FoxIO-LLC/ja4 technical_details/JA4.md; RFC 8446 §4.1.2; RFC 8701 GREASE]
 *
 * Every fake-TLS hello is fingerprinted (events, metrics) and its key-share groups shape the answer
 * (src/fronting/answer.ts). Computing JA4 in full — arrays of the lists, hex strings, sorting, joining — cost
 * about 25 µs of the proxy's CPU per handshake in a `perf record` of the handshake benchmark, while clients of
 * one app send the same lists on every connection. So one pass over the hello writes what the fingerprint
 * depends on into a scratch array (no allocation but the key string), and the key looks up the finished answer:
 *
 *   key = legacy version | ciphers (wire order) | extension types (sorted: browsers permute them) |
 *         signature algorithms | highest supported version | first ALPN value | key-share groups
 *
 * with GREASE left out wherever JA4 leaves it out, each list prefixed with its length. Equal keys give equal
 * fingerprints, so the cache is exact. A hello the pass cannot read the way ja4Parts does (malformed, a
 * repeated extension it reads, too long) takes the full path, which throws TlsError as before.
 */
import { isGrease } from './faketls-verify.js';
import { ja4FromParts, ja4Parts } from './ja4.js';

export interface HelloFingerprint {
  /** JA4 of the hello (ja4.ts). */
  readonly ja4: string;
  /** Groups of its key_share entries, GREASE removed (Ja4Parts.keyShareGroups). */
  readonly keyShareGroups: readonly number[];
}

const EXT_ALPN = 0x0010;
const EXT_SIG_ALGS = 0x000d;
const EXT_VERSIONS = 0x002b;
const EXT_KEY_SHARE = 0x0033;

/** Bounded: emptied when full, so junk hellos with fresh lists cannot grow it. */
const RECENT_MAX = 256;
const recent = new Map<string, HelloFingerprint>();
/** The key as 16-bit units; a hello of n bytes needs fewer than n units (larger ones take the full path). */
const KEY_UNITS = 8192;
const key = new Uint16Array(KEY_UNITS);
/** Extension types, signature algorithms and key-share groups are gathered here before they join the key. */
const exts = new Uint16Array(KEY_UNITS);
const sigs = new Uint16Array(KEY_UNITS);
const groups = new Uint16Array(KEY_UNITS);

/** JA4 and key-share groups of a ClientHello record (16 03 0x LL LL 01 …); throws TlsError on a malformed one. */
export function helloFingerprint(hello: Uint8Array): HelloFingerprint {
  const shape = shapeKey(hello);
  if (shape !== undefined) {
    const known = recent.get(shape);
    if (known !== undefined) return known;
  }
  const parts = ja4Parts(hello);
  const fingerprint: HelloFingerprint = { ja4: ja4FromParts(parts).ja4, keyShareGroups: parts.keyShareGroups };
  if (shape !== undefined) {
    if (recent.size >= RECENT_MAX) recent.clear();
    recent.set(shape, fingerprint);
  }
  return fingerprint;
}

/**
 * The hello's shape as a string (see the header), read as ja4Parts reads it; undefined when it cannot be
 * read that way (ja4Parts then decides: a fingerprint or a TlsError).
 */
export function shapeKey(hello: Uint8Array): string | undefined {
  const end = hello.length;
  if (end > KEY_UNITS) return undefined;
  let at = hello[0] === 0x16 ? 5 : 0;
  if (at + 4 + 2 + 32 + 1 > end || hello[at] !== 0x01) return undefined;
  at += 4;
  let n = 0;
  key[n++] = (hello[at]! << 8) | hello[at + 1]!; // legacy version
  at += 2 + 32;
  at += 1 + hello[at]!; // session id
  if (at + 2 > end) return undefined;
  const suitesEnd = at + 2 + ((hello[at]! << 8) | hello[at + 1]!);
  at += 2;
  if (suitesEnd > end || (suitesEnd - at) % 2 !== 0) return undefined;
  const cipherCount = n++;
  for (; at < suitesEnd; at += 2) {
    const suite = (hello[at]! << 8) | hello[at + 1]!;
    if (!isGrease(suite)) key[n++] = suite;
  }
  key[cipherCount] = n - cipherCount - 1;
  if (at + 1 > end) return undefined;
  at += 1 + hello[at]!; // compression methods
  if (at > end) return undefined;
  let extCount = 0;
  let sigCount = 0;
  let groupCount = 0;
  let version = -1;
  let alpnAt = -1;
  let alpnLength = 0;
  let seen = 0; // bit per extension read below: a repeat takes the full path
  if (at < end) {
    if (at + 2 > end) return undefined;
    const extEnd = at + 2 + ((hello[at]! << 8) | hello[at + 1]!);
    at += 2;
    if (extEnd > end) return undefined;
    while (at < extEnd) {
      if (at + 4 > end) return undefined;
      const type = (hello[at]! << 8) | hello[at + 1]!;
      const len = (hello[at + 2]! << 8) | hello[at + 3]!;
      const start = at + 4;
      at = start + len;
      if (at > end) return undefined;
      if (isGrease(type)) continue;
      exts[extCount++] = type;
      const bit = type === EXT_SIG_ALGS ? 1 : type === EXT_VERSIONS ? 2 : type === EXT_ALPN ? 4 : type === EXT_KEY_SHARE ? 8 : 0;
      if (bit === 0) continue;
      if ((seen & bit) !== 0) return undefined;
      seen |= bit;
      if (type === EXT_SIG_ALGS) {
        for (let i = start + 2; i + 1 < at; i += 2) sigs[sigCount++] = (hello[i]! << 8) | hello[i + 1]!;
      } else if (type === EXT_VERSIONS) {
        // as ja4.ts highestVersion: the list's length byte bounds it, GREASE ignored
        if (len > 0) {
          for (let i = start + 1; i + 1 < at && i < start + 1 + hello[start]!; i += 2) {
            const v = (hello[i]! << 8) | hello[i + 1]!;
            if (!isGrease(v) && v > version) version = v;
          }
        }
      } else if (type === EXT_ALPN) {
        if (len >= 3) {
          alpnAt = start + 3;
          alpnLength = Math.min(len, 3 + hello[start + 2]!) - 3;
        }
      } else {
        for (let i = start + 2; i + 4 <= at; i += 4 + ((hello[i + 2]! << 8) | hello[i + 3]!)) {
          const g = (hello[i]! << 8) | hello[i + 1]!;
          if (!isGrease(g)) groups[groupCount++] = g;
        }
      }
    }
  }
  // The lists gathered, each with its length; the key is at most one unit per hello byte plus these counts.
  if (n + 5 + extCount + sigCount + groupCount + Math.max(0, alpnLength) > KEY_UNITS) return undefined;
  key[n++] = extCount;
  const sortedAt = n;
  for (let i = 0; i < extCount; i++) key[n++] = exts[i]!;
  key.subarray(sortedAt, n).sort(); // numeric, in place
  key[n++] = sigCount;
  for (let i = 0; i < sigCount; i++) key[n++] = sigs[i]!;
  key[n++] = version + 1; // 0: no supported_versions value
  key[n++] = alpnAt < 0 ? 0xffff : alpnLength;
  for (let i = 0; i < alpnLength; i++) key[n++] = hello[alpnAt + i]!;
  key[n++] = groupCount;
  for (let i = 0; i < groupCount; i++) key[n++] = groups[i]!;
  return String.fromCharCode.apply(null, key.subarray(0, n) as unknown as number[]);
}
