// AES-GCM kernels (assembly/gcm/) in both builds through the raw ABI (docs/kernel-abi.md): the GCM spec test
// cases 1-4 (AES-128) and 13-16 (AES-256) (McGrew & Viega, as in NIST's GCM validation), an AAD-only case,
// empty plaintext, tag mismatch detection, random keys/nonces/AAD/lengths 0-70000 with random chunkings against
// node:crypto, call-order and length status codes, and no key residue outside the context.
import { createCipheriv, randomBytes, timingSafeEqual, type CipherGCM } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  BUILDS, RawKernel, loadRaw, hex, toHex, chunking, changedOutside,
  OK, BAD_KEY_LENGTH, BAD_NONCE_LENGTH, BAD_LENGTH, OUT_OF_BOUNDS, BAD_STATE,
} from './aes-wasm-raw.js';

const Z16 = new Uint8Array(16), Z32 = new Uint8Array(32), Z12 = new Uint8Array(12);
const K1 = hex('feffe9928665731c6d6a8f9467308308');
const K2 = hex('feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308');
const IV = hex('cafebabefacedbaddecaf888');
const AAD = hex('feedfacedeadbeeffeedfacedeadbeefabaddad2');
const P64 = hex(`d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72
  1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255`);
const C128 = hex(`42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e
  21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985`);
const C256 = hex(`522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa
  8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad`);

interface Case { name: string; key: Uint8Array; nonce: Uint8Array; aad: Uint8Array; pt: Uint8Array; ct: Uint8Array; tag: string }
const CASES: Case[] = [
  { name: 'TC1 AES-128 empty', key: Z16, nonce: Z12, aad: new Uint8Array(0), pt: new Uint8Array(0), ct: new Uint8Array(0), tag: '58e2fccefa7e3061367f1d57a4e7455a' },
  { name: 'TC2 AES-128 one block', key: Z16, nonce: Z12, aad: new Uint8Array(0), pt: Z16, ct: hex('0388dace60b6a392f328c2b971b2fe78'), tag: 'ab6e47d42cec13bdf53a67b21257bddf' },
  { name: 'TC3 AES-128 four blocks', key: K1, nonce: IV, aad: new Uint8Array(0), pt: P64, ct: C128, tag: '4d5c2af327cd64a62cf35abd2ba6fab4' },
  { name: 'TC4 AES-128 AAD + 60 bytes', key: K1, nonce: IV, aad: AAD, pt: P64.subarray(0, 60), ct: C128.subarray(0, 60), tag: '5bc94fbc3221a5db94fae95ae7121a47' },
  { name: 'TC13 AES-256 empty', key: Z32, nonce: Z12, aad: new Uint8Array(0), pt: new Uint8Array(0), ct: new Uint8Array(0), tag: '530f8afbc74536b9a963b4f1c4cb738b' },
  { name: 'TC14 AES-256 one block', key: Z32, nonce: Z12, aad: new Uint8Array(0), pt: Z16, ct: hex('cea7403d4d606b6e074ec5d3baf39d18'), tag: 'd0d1c8a799996bf0265b98b5d48ab919' },
  { name: 'TC15 AES-256 four blocks', key: K2, nonce: IV, aad: new Uint8Array(0), pt: P64, ct: C256, tag: 'b094dac5d93471bdec1a502270e3cc6c' },
  { name: 'TC16 AES-256 AAD + 60 bytes', key: K2, nonce: IV, aad: AAD, pt: P64.subarray(0, 60), ct: C256.subarray(0, 60), tag: '76fc6ece0f4e1768cddf8853bb2d551b' },
  // AAD only (GMAC): expected tag derived with node:crypto (OpenSSL) once and pinned here
  { name: 'AAD only AES-128', key: K1, nonce: IV, aad: AAD, pt: new Uint8Array(0), ct: new Uint8Array(0), tag: '346434fd51d5cd0c5887ec63e39b907a' },
];

function nodeSeal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array): { ct: Uint8Array; tag: Uint8Array } {
  const c = createCipheriv(`aes-${key.length * 8}-gcm`, key, nonce) as CipherGCM;
  c.setAAD(aad);
  const ct = Buffer.concat([c.update(pt), c.final()]);
  return { ct, tag: c.getAuthTag() };
}

class Gcm {
  readonly ctx: number;
  readonly tagOut: number;
  constructor(readonly k: RawKernel) {
    this.ctx = k.alloc(k.fn('gcmCtxSize')());
    this.tagOut = k.alloc(16);
  }
  init(key: Uint8Array, nonce: Uint8Array): number {
    return this.k.fn('gcmInit')(this.ctx, this.k.place(key), key.length, this.k.place(nonce), nonce.length);
  }
  /** One message: AAD and data fed in the given chunk sizes; returns output bytes and tag. */
  run(op: 'gcmEncrypt' | 'gcmDecrypt', key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, data: Uint8Array,
    aadChunks: number[] = [aad.length], dataChunks: number[] = [data.length]): { out: Uint8Array; tag: Uint8Array } {
    expect(this.init(key, nonce)).toBe(OK);
    const ap = this.k.place(aad);
    let at = 0;
    for (const n of aadChunks) {
      expect(this.k.fn('gcmAad')(this.ctx, ap + at, n)).toBe(OK);
      at += n;
    }
    const dp = this.k.place(data);
    at = 0;
    for (const n of dataChunks) {
      expect(this.k.fn(op)(this.ctx, dp + at, n)).toBe(OK);
      at += n;
    }
    expect(this.k.fn('gcmFinal')(this.ctx, this.tagOut)).toBe(OK);
    return { out: this.k.get(dp, data.length), tag: this.k.get(this.tagOut, 16) };
  }
}

describe.each(BUILDS)('AES-GCM kernels, $name build', (build) => {
  let k: RawKernel;
  beforeAll(async () => {
    k = await loadRaw(build);
  });

  it('has a documented, bounded context size', () => {
    const size = k.fn('gcmCtxSize')();
    expect(size % 64).toBe(0);
    expect(size).toBeLessThanOrEqual(1536);
  });

  it.each(CASES)('$name: seal and open, whole and in odd chunks', (c) => {
    const g = new Gcm(k);
    const sealed = g.run('gcmEncrypt', c.key, c.nonce, c.aad, c.pt);
    expect(toHex(sealed.out)).toBe(toHex(c.ct));
    expect(toHex(sealed.tag)).toBe(c.tag);
    const chunked = g.run('gcmEncrypt', c.key, c.nonce, c.aad, c.pt, chunking(c.aad.length, [1, 0, 3]), chunking(c.pt.length, [7, 0, 1, 16]));
    expect(toHex(chunked.out)).toBe(toHex(c.ct));
    expect(toHex(chunked.tag)).toBe(c.tag);
    const opened = g.run('gcmDecrypt', c.key, c.nonce, c.aad, c.ct, [c.aad.length], chunking(c.ct.length, [5, 11]));
    expect(toHex(opened.out)).toBe(toHex(c.pt));
    expect(timingSafeEqual(opened.tag, hex(c.tag))).toBe(true);
  });

  it('detects a changed ciphertext, AAD, nonce or tag (the recomputed tag differs)', () => {
    const c = CASES[3]!;
    const g = new Gcm(k);
    const expected = hex(c.tag);
    const flipped = (b: Uint8Array, i: number): Uint8Array => { const x = Uint8Array.from(b); x[i] = x[i]! ^ 0x01; return x; };
    for (const i of [0, 17, 59]) {
      expect(timingSafeEqual(g.run('gcmDecrypt', c.key, c.nonce, c.aad, flipped(c.ct, i)).tag, expected)).toBe(false);
    }
    expect(timingSafeEqual(g.run('gcmDecrypt', c.key, c.nonce, flipped(c.aad, 19), c.ct).tag, expected)).toBe(false);
    expect(timingSafeEqual(g.run('gcmDecrypt', c.key, flipped(c.nonce, 11), c.aad, c.ct).tag, expected)).toBe(false);
    expect(timingSafeEqual(g.run('gcmDecrypt', c.key, c.nonce, c.aad.subarray(1), c.ct).tag, expected)).toBe(false);
    expect(timingSafeEqual(g.run('gcmDecrypt', c.key, c.nonce, c.aad, c.ct.subarray(0, 59)).tag, expected)).toBe(false);
    expect(timingSafeEqual(g.run('gcmDecrypt', c.key, c.nonce, c.aad, c.ct).tag, flipped(expected, 15))).toBe(false);
    expect(timingSafeEqual(g.run('gcmDecrypt', c.key, c.nonce, c.aad, c.ct).tag, expected)).toBe(true);
  });

  it('equals node:crypto on random keys, nonces, AAD, lengths 0-70000 and chunkings; opens what it seals', () => {
    const g = new Gcm(k);
    fc.assert(
      fc.property(
        fc.constantFrom(16, 32),
        fc.integer({ min: 0, max: 300 }),
        fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 70_000 })),
        fc.array(fc.integer({ min: 0, max: 70 }), { maxLength: 4 }),
        fc.array(fc.integer({ min: 0, max: 9000 }), { maxLength: 6 }),
        (keyLen, aadLen, len, aadSizes, sizes) => {
          const key = randomBytes(keyLen), nonce = randomBytes(12), aad = randomBytes(aadLen), pt = randomBytes(len);
          const ref = nodeSeal(key, nonce, aad, pt);
          const sealed = g.run('gcmEncrypt', key, nonce, aad, pt, chunking(aadLen, aadSizes), chunking(len, sizes));
          expect(toHex(sealed.out)).toBe(toHex(ref.ct));
          expect(toHex(sealed.tag)).toBe(toHex(ref.tag));
          const opened = g.run('gcmDecrypt', key, nonce, aad, ref.ct, [aadLen], chunking(len, sizes.slice().reverse()));
          expect(toHex(opened.out)).toBe(toHex(pt));
          expect(toHex(opened.tag)).toBe(toHex(ref.tag));
        },
      ),
      { numRuns: build.name === 'simd' ? 40 : 15 },
    );
  });

  it('rejects bad key and nonce lengths and calls out of order', () => {
    const g = new Gcm(k);
    for (const len of [0, 15, 24, 31, 33]) expect(g.init(randomBytes(Math.max(len, 1)).subarray(0, len), Z12)).toBe(BAD_KEY_LENGTH);
    for (const len of [0, 8, 11, 13, 16, 24]) expect(g.init(Z32, new Uint8Array(len))).toBe(BAD_NONCE_LENGTH);
    const fresh = k.alloc(k.fn('gcmCtxSize')());
    expect(k.fn('gcmAad')(fresh, k.io, 1)).toBe(BAD_STATE);
    expect(k.fn('gcmEncrypt')(fresh, k.io, 1)).toBe(BAD_STATE);
    expect(k.fn('gcmFinal')(fresh, g.tagOut)).toBe(BAD_STATE);
    expect(g.init(Z32, Z12)).toBe(OK);
    expect(k.fn('gcmAad')(g.ctx, k.io, 5)).toBe(OK);
    expect(k.fn('gcmEncrypt')(g.ctx, k.io, 5)).toBe(OK);
    expect(k.fn('gcmAad')(g.ctx, k.io, 5)).toBe(BAD_STATE);
    expect(k.fn('gcmDecrypt')(g.ctx, k.io, 5)).toBe(BAD_STATE);
    expect(k.fn('gcmEncrypt')(g.ctx, k.io, 5)).toBe(OK);
    expect(k.fn('gcmFinal')(g.ctx, g.tagOut)).toBe(OK);
    expect(k.fn('gcmEncrypt')(g.ctx, k.io, 5)).toBe(BAD_STATE);
    expect(k.fn('gcmAad')(g.ctx, k.io, 5)).toBe(BAD_STATE);
    expect(k.fn('gcmFinal')(g.ctx, g.tagOut)).toBe(BAD_STATE);
  });

  it('bounds-checks every pointer and refuses more data than one nonce may protect', () => {
    const g = new Gcm(k);
    const end = k.memSize;
    expect(k.fn('gcmInit')(end - 64, k.place(Z32), 32, k.place(Z12), 12)).toBe(OUT_OF_BOUNDS);
    expect(k.fn('gcmInit')(g.ctx, end - 16, 32, k.place(Z12), 12)).toBe(OUT_OF_BOUNDS);
    expect(k.fn('gcmInit')(g.ctx, k.place(Z32), 32, end - 4, 12)).toBe(OUT_OF_BOUNDS);
    expect(g.init(Z32, Z12)).toBe(OK);
    expect(k.fn('gcmAad')(g.ctx, end - 1, 2)).toBe(OUT_OF_BOUNDS);
    expect(k.fn('gcmAad')(g.ctx, k.io, -1)).toBe(OUT_OF_BOUNDS);
    expect(k.fn('gcmEncrypt')(g.ctx, end - 8, 9)).toBe(OUT_OF_BOUNDS);
    expect(k.fn('gcmFinal')(g.ctx, end - 15)).toBe(OUT_OF_BOUNDS);
    // white-box: pretend 2^36 - 48 bytes were already encrypted (data length field at offset 24)
    expect(k.fn('gcmEncrypt')(g.ctx, k.io, 0)).toBe(OK);
    new DataView(k.mem.buffer).setBigUint64(g.ctx + 24, (1n << 36n) - 48n, true);
    expect(k.fn('gcmEncrypt')(g.ctx, k.io, 17)).toBe(BAD_LENGTH);
    expect(k.fn('gcmEncrypt')(g.ctx, k.io, 16)).toBe(OK);
    expect(k.fn('gcmEncrypt')(g.ctx, k.io, 1)).toBe(BAD_LENGTH);
  });

  it('leaves no key-dependent bytes outside the context, the key and the data', () => {
    const g = new Gcm(k);
    const kp = k.place(randomBytes(32)), np = k.place(randomBytes(12));
    const before = k.get(0, k.memSize);
    expect(k.fn('gcmInit')(g.ctx, kp, 32, np, 12)).toBe(OK);
    expect(k.fn('gcmAad')(g.ctx, k.io + 2000, 21)).toBe(OK);
    expect(k.fn('gcmEncrypt')(g.ctx, k.io, 1000)).toBe(OK);
    expect(k.fn('gcmFinal')(g.ctx, g.tagOut)).toBe(OK);
    const size = k.fn('gcmCtxSize')();
    expect(changedOutside(before, k.get(0, k.memSize), [[g.ctx, g.ctx + size], [k.io, k.io + 1000], [g.tagOut, g.tagOut + 16]])).toEqual([]);
  });
});
