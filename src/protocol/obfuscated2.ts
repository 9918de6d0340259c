/**
 * Obfuscated2: the 64-byte header every MTProxy client sends first. [docs/protocol.md "Obfuscated2 header";
 * tdlib TcpTransport ObfuscatedTransport; mtg obfuscated2; mtprotoproxy]
 *
 *   offset  0        8                         40              56          60      62      64
 *           | random | key material K (32)     | IV material V | tag (4)   | DC id | rand  |
 *           |<-------------- sent in clear ------------------->|<- encrypted (bytes 56..64) ->|
 *
 *   tag: ef ef ef ef abridged · ee ee ee ee intermediate · dd dd dd dd padded intermediate
 *   DC id: int16 LE; negative = media DC; test DCs are id ± 10000 (sign kept).
 *
 * Keys, S = the user's 16-byte secret key (absent on a DC link, where the KDF is the identity):
 *   initiator → responder:  key = SHA-256(K ‖ S), IV = V          (keystream 0..63 eaten by the header)
 *   responder → initiator:  R = reverse(bytes 8..56); key = SHA-256(R[0..32] ‖ S), IV = R[32..48]
 * CipherParams.iv handed out here is ready for payload (see ctr.ts).
 *
 * Server side tries every candidate user in constant time per candidate: each candidate's header is fully
 * decrypted and its tag checked with arithmetic, and the first match is selected by masking, with no exit
 * from the loop that depends on secret data.
 */
import { createHash } from 'node:crypto';
import { randomPoolBytes } from './random-pool.js';
import { addToCounter, concatBytes, copyBytes, ctByteIs, reversed } from './bytes.js';
import { aesCtr, type CipherParams } from './ctr.js';
import { HeaderError } from './errors.js';

export type ProtocolTag = 'abridged' | 'intermediate' | 'padded';

export const HEADER_LENGTH = 64;
export const KEY_OFFSET = 8;
export const IV_OFFSET = 40;
export const TAG_OFFSET = 56;
export const DC_OFFSET = 60;
/** Blocks of keystream the header itself consumes (64 bytes / 16). */
const HEADER_BLOCKS = 4;

export const TAG_BYTE: Readonly<Record<ProtocolTag, number>> = Object.freeze({
  abridged: 0xef,
  intermediate: 0xee,
  padded: 0xdd,
});

export function tagFromByte(byte: number): ProtocolTag | undefined {
  if (byte === 0xef) return 'abridged';
  if (byte === 0xee) return 'intermediate';
  if (byte === 0xdd) return 'padded';
  return undefined;
}

/** Keys of one side of an obfuscated2 link: what it decrypts with and what it encrypts with. */
export interface ObfuscatedKeys {
  readonly decrypt: CipherParams;
  readonly encrypt: CipherParams;
}

export interface ClientCandidate<U> {
  readonly user: U;
  /** The user's 16-byte secret key. */
  readonly key: Uint8Array;
}

export interface ClientHeaderMatch<U> extends ObfuscatedKeys {
  readonly ok: true;
  readonly user: U;
  /** Index of the matching candidate. */
  readonly index: number;
  readonly tag: ProtocolTag;
  readonly dc: number;
  /** Anti-replay key: header bytes 8..56 as received. */
  readonly replayKey: Uint8Array;
}

export interface HeaderMismatch {
  readonly ok: false;
  readonly reason: 'no-match';
}

export type ClientHeaderResult<U> = ClientHeaderMatch<U> | HeaderMismatch;

function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

function kdf(material: Uint8Array, secretKey: Uint8Array | undefined): Uint8Array {
  return secretKey ? sha256(material, secretKey) : copyBytes(material);
}

function checkHeader(header: Uint8Array): void {
  if (!(header instanceof Uint8Array) || header.length !== HEADER_LENGTH) {
    throw new HeaderError('ERR_PROTOCOL_HEADER_LENGTH', `obfuscated2 header must be 64 bytes`);
  }
}

function checkSecretKey(key: Uint8Array | undefined): void {
  if (key !== undefined && key.length !== 16) {
    throw new HeaderError('ERR_PROTOCOL_HEADER_KEY', `secret key must be 16 bytes, got ${key.length}`);
  }
}

/** Keys of the side that drew the header (a client, or the proxy towards a DC). */
export function initiatorKeys(header: Uint8Array, secretKey?: Uint8Array): ObfuscatedKeys {
  checkHeader(header);
  checkSecretKey(secretKey);
  const material = header.subarray(KEY_OFFSET, TAG_OFFSET);
  const rev = reversed(material);
  return {
    encrypt: { key: kdf(material.subarray(0, 32), secretKey), iv: addToCounter(material.subarray(32, 48), HEADER_BLOCKS) },
    decrypt: { key: kdf(rev.subarray(0, 32), secretKey), iv: rev.slice(32, 48) },
  };
}

/** Keys of the side that received the header (the proxy from a client, or a DC from the proxy). */
export function responderKeys(header: Uint8Array, secretKey?: Uint8Array): ObfuscatedKeys {
  const k = initiatorKeys(header, secretKey);
  return { decrypt: k.encrypt, encrypt: k.decrypt };
}

/** The proxy's keys for a header it sent to a DC (no secret). */
export function deriveDcKeys(header: Uint8Array): ObfuscatedKeys {
  return initiatorKeys(header);
}

/** 1 when the four decrypted tag bytes are equal and one of ef / ee / dd, computed without branches. */
function tagValidAt(p: Uint8Array, at: number): number {
  const b0 = p[at]!;
  const same = ctByteIs((b0 ^ p[at + 1]!) | (b0 ^ p[at + 2]!) | (b0 ^ p[at + 3]!), 0);
  const known = ctByteIs(b0, 0xef) | ctByteIs(b0, 0xee) | ctByteIs(b0, 0xdd);
  return same & known;
}

function readDc(plain: Uint8Array): number {
  const raw = plain[DC_OFFSET]! | (plain[DC_OFFSET + 1]! << 8);
  return (raw << 16) >> 16;
}

/** Decrypts the header with the initiator's encrypt key (keystream from the wire IV, offset 0). */
function decryptHeader(header: Uint8Array, secretKey: Uint8Array | undefined): Uint8Array {
  const key = kdf(header.subarray(KEY_OFFSET, KEY_OFFSET + 32), secretKey);
  return aesCtr(key, header.subarray(IV_OFFSET, TAG_OFFSET), header);
}

/**
 * Decrypted bytes 48..64 of the header only (tag and DC id live at 56..62): one CTR block from counter V + 3
 * instead of all four, since this runs once per candidate.
 */
function decryptTail(header: Uint8Array, secretKey: Uint8Array): Uint8Array {
  const key = kdf(header.subarray(KEY_OFFSET, KEY_OFFSET + 32), secretKey);
  return aesCtr(key, addToCounter(header.subarray(IV_OFFSET, TAG_OFFSET), 3), header.subarray(48, HEADER_LENGTH));
}

/**
 * Server side: finds which candidate's secret decodes the client's header. Every candidate is tried in
 * full; the result reveals only which one matched (if any), which the caller learns anyway.
 */
export function parseClientHeader<U>(
  header: Uint8Array,
  candidates: readonly ClientCandidate<U>[],
): ClientHeaderResult<U> {
  checkHeader(header);
  let found = 0;
  let index = 0;
  const chosen = new Uint8Array(8); // decrypted bytes 56..64 of the selected candidate
  for (let i = 0; i < candidates.length; i++) {
    const key = candidates[i]!.key;
    checkSecretKey(key);
    const tail = decryptTail(header, key); // header bytes 48..64
    const select = tagValidAt(tail, TAG_OFFSET - 48) & (found ^ 1);
    const mask = -select & 0xff;
    for (let j = 0; j < 8; j++) chosen[j] = (chosen[j]! & ~mask) | (tail[TAG_OFFSET - 48 + j]! & mask);
    index = index * (select ^ 1) + i * select;
    found |= select;
  }
  if (found === 0) return { ok: false, reason: 'no-match' };
  const candidate = candidates[index]!;
  const tag = tagFromByte(chosen[0]!)!;
  const dcRaw = chosen[DC_OFFSET - TAG_OFFSET]! | (chosen[DC_OFFSET - TAG_OFFSET + 1]! << 8);
  return {
    ok: true,
    user: candidate.user,
    index,
    tag,
    dc: (dcRaw << 16) >> 16,
    replayKey: copyBytes(header, KEY_OFFSET, TAG_OFFSET),
    ...responderKeys(header, candidate.key),
  };
}

export interface DcHeaderMatch extends ObfuscatedKeys {
  readonly ok: true;
  readonly tag: ProtocolTag;
  readonly dc: number;
}

/** A DC's side (no secret): the fake DC in tests accepts the proxy's header with this. */
export function parseDcHeader(header: Uint8Array): DcHeaderMatch | HeaderMismatch {
  checkHeader(header);
  const plain = decryptHeader(header, undefined);
  if (tagValidAt(plain, TAG_OFFSET) === 0) return { ok: false, reason: 'no-match' };
  return { ok: true, tag: tagFromByte(plain[TAG_OFFSET]!)!, dc: readDc(plain), ...responderKeys(header) };
}

/**
 * A generated header is redrawn when it could be mistaken for another protocol or a tag
 * (docs/protocol.md "Forbidden starts").
 */
export function headerNeedsRedraw(h: Uint8Array): boolean {
  if (h[0] === 0xef) return true;
  const first = String.fromCharCode(h[0]!, h[1]!, h[2]!, h[3]!);
  if (first === 'HEAD' || first === 'POST' || first === 'GET ' || first === 'OPTI' || first === 'PUT ') return true;
  const word = ((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0;
  if (word === 0x16030102 || word === 0xdddddddd || word === 0xeeeeeeee) return true;
  return (h[4]! | h[5]! | h[6]! | h[7]!) === 0;
}

export interface BuiltHeader extends ObfuscatedKeys {
  /** The 64 bytes to send: 0..56 in clear, 56..64 encrypted. */
  readonly header: Uint8Array;
}

export interface BuildHeaderOptions {
  /** Fixed bytes 8..56 (fast mode); the rest is still drawn at random. */
  readonly keyMaterial?: Uint8Array;
  /** Random source (tests); defaults to node:crypto's CSPRNG drawn in batches (random-pool.ts). */
  readonly random?: (size: number) => Uint8Array;
}

/**
 * Client side: draws a header with the given tag and DC id, returns the wire bytes and the initiator's
 * keys. `secretKey` undefined means a DC link (no KDF). Used by tests, the fake client and the load
 * generator, and by the proxy towards a DC through generateServerHeader.
 */
export function buildClientHeader(
  secretKey: Uint8Array | undefined,
  tag: ProtocolTag,
  dc?: number,
  options: BuildHeaderOptions = {},
): BuiltHeader {
  checkSecretKey(secretKey);
  const tagByte = TAG_BYTE[tag];
  if (tagByte === undefined) throw new HeaderError('ERR_PROTOCOL_HEADER_TAG', 'tag must be abridged, intermediate or padded');
  if (options.keyMaterial !== undefined && options.keyMaterial.length !== TAG_OFFSET - KEY_OFFSET) {
    throw new HeaderError('ERR_PROTOCOL_HEADER_KEY', 'key material must be 48 bytes');
  }
  const draw = options.random ?? randomPoolBytes;
  let plain: Uint8Array;
  do {
    plain = copyBytes(draw(HEADER_LENGTH), 0, HEADER_LENGTH);
    if (options.keyMaterial) plain.set(options.keyMaterial, KEY_OFFSET);
    plain.fill(tagByte, TAG_OFFSET, DC_OFFSET);
    if (dc !== undefined) {
      plain[DC_OFFSET] = dc & 0xff;
      plain[DC_OFFSET + 1] = (dc >> 8) & 0xff;
    }
  } while (headerNeedsRedraw(plain));
  const keys = initiatorKeys(plain, secretKey);
  const encKey = kdf(plain.subarray(KEY_OFFSET, KEY_OFFSET + 32), secretKey);
  const encrypted = aesCtr(encKey, plain.subarray(IV_OFFSET, TAG_OFFSET), plain);
  const header = concatBytes(plain.subarray(0, TAG_OFFSET), encrypted.subarray(TAG_OFFSET));
  return { header, ...keys };
}

export interface ServerHeaderOptions {
  /**
   * Fast mode: the client-side encrypt params from parseClientHeader (iv at offset 0). The DC header then
   * carries reverse(key ‖ iv) at 8..56, so DC→client bytes need no AES; the proxy→DC link reveals them.
   */
  readonly fastModeClientEncrypt?: CipherParams;
  readonly random?: (size: number) => Uint8Array;
}

/** The proxy's own header towards a DC: the client's tag at 56, the DC id at 60, no secret. */
export function generateServerHeader(tag: ProtocolTag, dc?: number, options: ServerHeaderOptions = {}): BuiltHeader {
  const fast = options.fastModeClientEncrypt;
  const keyMaterial = fast ? reversed(concatBytes(fast.key, fast.iv)) : undefined;
  if (fast && (fast.key.length !== 32 || fast.iv.length !== 16)) {
    throw new HeaderError('ERR_PROTOCOL_HEADER_KEY', 'fast mode needs a 32-byte key and a 16-byte IV');
  }
  return buildClientHeader(undefined, tag, dc, { keyMaterial, random: options.random });
}
