/**
 * Differential self-test: every WASM and js backend (and the composed native XChaCha) must give the same bytes
 * as a trusted reference over lengths that cross every code-path boundary of the kernels — 4-block SIMD
 * stripes (64/256 B), Poly1305 and GHASH block tails (16 B), the wrapper's small-call and chunked paths
 * (1 KiB, 4 KiB) and the I/O buffer (ioSize = 65 536 + 64; 65 601 crosses it). Known-answer vectors alone are
 * all < 300 B: a build wrong only at 1 KiB+ passes them (docs/kernels.md "Self-tests").
 *
 *   references: node:crypto (aes-256-ctr, aes-256-cbc, chacha20-poly1305, aes-*-gcm);
 *               XChaCha: @noble/ciphers HChaCha20 subkey + node:crypto chacha20-poly1305 (the native backend's
 *               XChaCha composes its HChaCha from a native block, so it is checked against this too)
 *   sizes:      the js backend (@noble: no I/O buffer, no SIMD stripes; cold pure JS is slow) stops at 1025 B: start-up budget
 *   inputs:     derived from a fixed seed by xorshift32 (nothing large is stored); references are computed once
 *               per process and shared by every backend checked after.
 *   AEAD:       per length: seal == reference, open(reference) == plaintext; AAD length cycles 0, 1, 17;
 *               open refuses a flipped tag bit at 0, 17 and 1025 bytes.
 *   streams:    two chunkings of one long message: every length in order, then the short ones reversed.
 */
import { createCipheriv } from 'node:crypto';
import { hchacha } from '@noble/ciphers/chacha.js';
import type { AeadAlgorithm, Algorithm, Backend } from '../types.js';
import { isMtShieldError } from '../../errors.js';

export const CROSS_LENGTHS: readonly number[] = [
  0, 1, 15, 16, 17, 63, 64, 65, 127, 128, 129, 255, 256, 257, 1023, 1024, 1025, 4096, 16_384 + 7, 65_536 + 64 + 1,
];
/** CBC needs whole blocks: the same boundaries, in 16-byte units (65 616 crosses the I/O buffer). */
export const CBC_LENGTHS: readonly number[] = [16, 48, 64, 80, 128, 144, 256, 272, 1024, 1040, 4096, 16_400, 65_616];
const AAD_LENGTHS = [0, 1, 17];
const FLIP_AT = new Set([0, 17, 1025]);

/** Deterministic bytes from a seed (xorshift32): not random, just varied and reproducible. */
export function derivedBytes(seed: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = (seed * 0x9e3779b1) >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

function keyLength(alg: Algorithm): number {
  return alg === 'aes-128-gcm' ? 16 : 32;
}

function nonceLength(alg: AeadAlgorithm): number {
  return alg === 'xchacha20-poly1305' ? 24 : 12;
}

interface AeadCase {
  key: Uint8Array;
  nonce: Uint8Array;
  aad: Uint8Array;
  plaintext: Uint8Array;
  sealed: Uint8Array;
}

const SIGMA = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);

function words(bytes: Uint8Array): Uint32Array {
  const out = new Uint32Array(bytes.length / 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  for (let i = 0; i < out.length; i++) out[i] = view.getUint32(i * 4, true);
  return out;
}

/** XChaCha20 (draft-irtf-cfrg-xchacha-03 §2.3): @noble HChaCha20 subkey, nonce 0⁴ ‖ nonce[16..24]. */
function xchachaInner(key: Uint8Array, nonce: Uint8Array): { key: Uint8Array; nonce: Uint8Array } {
  const sub = new Uint32Array(8);
  hchacha(SIGMA, words(key), words(nonce.subarray(0, 16)), sub);
  const subkey = new Uint8Array(32);
  const view = new DataView(subkey.buffer);
  sub.forEach((w, i) => view.setUint32(i * 4, w, true));
  const nonce12 = new Uint8Array(12);
  nonce12.set(nonce.subarray(16, 24), 4);
  return { key: subkey, nonce: nonce12 };
}

function referenceSeal(alg: AeadAlgorithm, c: Omit<AeadCase, 'sealed'>): Uint8Array {
  const inner = alg === 'xchacha20-poly1305' ? xchachaInner(c.key, c.nonce) : c;
  const name = alg === 'xchacha20-poly1305' ? 'chacha20-poly1305' : alg;
  const cipher = createCipheriv(name as 'chacha20-poly1305', inner.key, inner.nonce, { authTagLength: 16 });
  cipher.setAAD(c.aad, { plaintextLength: c.plaintext.length });
  const body = Buffer.concat([cipher.update(c.plaintext), cipher.final()]);
  return new Uint8Array(Buffer.concat([body, cipher.getAuthTag()]));
}

const aeadCache = new Map<AeadAlgorithm, AeadCase[]>();

function aeadCases(alg: AeadAlgorithm): AeadCase[] {
  let cases = aeadCache.get(alg);
  if (cases === undefined) {
    cases = CROSS_LENGTHS.map((length, i) => {
      const seed = 1000 * (i + 1) + alg.length;
      const base = {
        key: derivedBytes(seed, keyLength(alg)),
        nonce: derivedBytes(seed + 1, nonceLength(alg)),
        aad: derivedBytes(seed + 2, AAD_LENGTHS[i % AAD_LENGTHS.length]!),
        plaintext: derivedBytes(seed + 3, length),
      };
      return { ...base, sealed: referenceSeal(alg, base) };
    });
    aeadCache.set(alg, cases);
  }
  return cases;
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/** Longest length checked on `b`: only the WASM wrapper has a 65 600-byte I/O buffer to cross. */
function maxLength(b: Backend): number {
  return b.name === 'js' ? 1025 : Infinity;
}

function crossAead(b: Backend, alg: AeadAlgorithm): void {
  const aead = b.aead(alg);
  try {
    for (const c of aeadCases(alg)) {
      const len = c.plaintext.length;
      if (len > maxLength(b)) continue;
      const where = `cross-check vs reference at ${len} B (AAD ${c.aad.length} B)`;
      if (!same(aead.seal(c.key, c.nonce, c.plaintext, c.aad), c.sealed)) throw new Error(`${where}: seal mismatch`);
      if (!same(aead.open(c.key, c.nonce, c.sealed, c.aad), c.plaintext)) throw new Error(`${where}: open mismatch`);
      if (!FLIP_AT.has(len)) continue;
      const forged = c.sealed.slice();
      forged[forged.length - 1 - (len % 16)]! ^= 0x10;
      try {
        aead.open(c.key, c.nonce, forged, c.aad);
      } catch (err) {
        if (isMtShieldError(err, 'ERR_KERNEL_AUTH_FAILED')) continue;
        throw err;
      }
      throw new Error(`${where}: open accepted a flipped tag bit`);
    }
  } finally {
    aead.destroy();
  }
}

interface StreamCase {
  key: Uint8Array;
  iv: Uint8Array;
  input: Uint8Array;
  expected: Uint8Array;
  chunkings: number[][];
  lengths: readonly number[];
}

const streamCache = new Map<string, StreamCase>();

/**
 * Drops the generated cases (about 1.5 MiB of inputs and expected outputs, kept while several backends are checked
 * in a row). Called once a batch of self-tests is over, so a running proxy does not hold them; the next check
 * generates them again.
 */
export function releaseCrossCheckVectors(): void {
  streamCache.clear();
  aeadCache.clear();
}

/** Bytes of generated cases held now (tests). */
export function crossCheckVectorBytes(): number {
  let bytes = 0;
  for (const c of streamCache.values()) bytes += c.input.byteLength + c.expected.byteLength;
  for (const cases of aeadCache.values()) for (const c of cases) bytes += c.plaintext.byteLength + c.sealed.byteLength;
  return bytes;
}

function streamCase(mode: 'ctr' | 'cbc-encrypt' | 'cbc-decrypt'): StreamCase {
  let c = streamCache.get(mode);
  if (c === undefined) {
    const lengths = mode === 'ctr' ? CROSS_LENGTHS : CBC_LENGTHS;
    const total = lengths.reduce((a, n) => a + n, 0);
    const key = derivedBytes(7, 32);
    const iv = derivedBytes(8, 16);
    // CTR: the IV's low bytes near 2^32 - 1 so the counter carries past a 32-bit word boundary mid-message
    if (mode === 'ctr') iv.set([0xff, 0xff, 0xff, 0xf0], 12);
    const plain = derivedBytes(9, total);
    const enc = createCipheriv(mode === 'ctr' ? 'aes-256-ctr' : 'aes-256-cbc', key, iv).setAutoPadding(false);
    const cipher = new Uint8Array(Buffer.concat([enc.update(plain), enc.final()]));
    const decrypting = mode === 'cbc-decrypt';
    c = {
      key,
      iv,
      input: decrypting ? cipher : plain,
      expected: decrypting ? plain : cipher,
      // the whole list in order (every boundary, at varied stream offsets), then the short ones reversed
      // (other alignments); a one-shot call of everything adds nothing the 65 601-byte update does not cover
      chunkings: [[...lengths], lengths.filter((n) => n <= 4096).reverse()],
      lengths,
    };
    streamCache.set(mode, c);
  }
  return c;
}

function crossStream(b: Backend, mode: 'ctr' | 'cbc-encrypt' | 'cbc-decrypt'): void {
  const c = streamCase(mode);
  const cap = maxLength(b);
  for (const chunks of c.chunkings.map((list) => list.filter((n) => n <= cap))) {
    const s = mode === 'ctr' ? b.ctr(c.key, c.iv) : b.cbc(mode === 'cbc-encrypt' ? 'encrypt' : 'decrypt', c.key, c.iv);
    try {
      let pos = 0;
      for (const n of chunks) {
        const got = s.update(c.input.subarray(pos, pos + n));
        if (!same(got, c.expected.subarray(pos, pos + n))) {
          throw new Error(`cross-check ${mode} vs node:crypto: mismatch in a ${n}-byte update at offset ${pos} (chunking of ${chunks.length})`);
        }
        pos += n;
      }
    } finally {
      s.destroy();
    }
  }
}

/** True when `b` is itself the reference for `alg` (native node:crypto, except the composed XChaCha). */
export function isReference(b: Backend, alg: Algorithm): boolean {
  return b.name === 'native' && alg !== 'xchacha20-poly1305';
}

/** Throws an Error naming the first length and operation where `b` differs from the reference. */
export function crossCheck(b: Backend, alg: Algorithm): void {
  if (isReference(b, alg)) return;
  if (alg === 'aes-256-ctr') crossStream(b, 'ctr');
  else if (alg === 'aes-256-cbc') {
    crossStream(b, 'cbc-encrypt');
    crossStream(b, 'cbc-decrypt');
  } else crossAead(b, alg);
}
