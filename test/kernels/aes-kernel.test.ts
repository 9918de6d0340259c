// AES kernels (assembly/aes/) in both builds through the raw ABI (docs/kernel-abi.md): FIPS-197 Appendix C block
// vectors, NIST SP 800-38A F.2.5/F.2.6 (CBC-AES256) and F.5.5/F.5.6 (CTR-AES256), counter wrap at 2^32, 2^64 and
// 2^128, random keys/IVs/lengths/chunkings against node:crypto, status codes, and no key residue outside the
// context.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  BUILDS, RawKernel, loadRaw, hex, toHex, chunking, changedOutside,
  OK, BAD_KEY_LENGTH, BAD_LENGTH, OUT_OF_BOUNDS, BAD_STATE,
} from './aes-wasm-raw.js';

const K256 = hex('603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4');
const P4 = hex(`6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51
  30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710`);
const CTR_IV = hex('f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff');
const CTR_C = hex(`601ec313775789a5b7a7f504bbf3d228 f443e3ca4d62b59aca84e990cacaf5c5
  2b0930daa23de94ce87017ba2d84988d dfc9c58db67aada613c2dd08457941a6`);
const CBC_IV = hex('000102030405060708090a0b0c0d0e0f');
const CBC_C = hex(`f58c4c04d6e5f1ba779eabfb5f7bfbd6 9cfc4e967edb808d679f777bc6702c7d
  39f23369a9d9bacfa530e26304231461 b2eb05e2c39be9fcda6c19078c6a9d1b`);

function nodeCtr(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  return createCipheriv(`aes-${key.length * 8}-ctr`, key, iv).update(data);
}
function nodeCbc(key: Uint8Array, iv: Uint8Array, data: Uint8Array, decrypt = false): Uint8Array {
  const c = (decrypt ? createDecipheriv : createCipheriv)(`aes-${key.length * 8}-cbc`, key, iv);
  c.setAutoPadding(false);
  return c.update(data);
}
function nodeEcb(key: Uint8Array, data: Uint8Array): Uint8Array {
  const c = createCipheriv(`aes-${key.length * 8}-ecb`, key, null);
  c.setAutoPadding(false);
  return c.update(data);
}

/** An AES context with its key placed; helpers drive the stream and CBC exports chunk by chunk. */
class Aes {
  readonly ctx: number;
  constructor(readonly k: RawKernel, key: Uint8Array) {
    this.ctx = k.alloc(k.fn('aesCtxSize')());
    const kp = k.place(key);
    expect(k.fn('aesInit')(this.ctx, kp, key.length)).toBe(OK);
  }
  ctrInit(iv: Uint8Array): void {
    expect(this.k.fn('aesCtrInit')(this.ctx, this.k.place(iv))).toBe(OK);
  }
  cbcInit(iv: Uint8Array): void {
    expect(this.k.fn('aesCbcInit')(this.ctx, this.k.place(iv))).toBe(OK);
  }
  /** Runs `op` over data in place (in an arena buffer), one call per chunk. */
  run(op: string, data: Uint8Array, chunks: number[]): Uint8Array {
    const buf = this.k.place(data);
    let at = 0;
    for (const n of chunks) {
      expect(this.k.fn(op)(this.ctx, buf + at, n)).toBe(OK);
      at += n;
    }
    return this.k.get(buf, data.length);
  }
}

/** The counter block iv + i (mod 2^128), big-endian. */
function counterPlus(iv: Uint8Array, i: bigint): Uint8Array {
  const v = (BigInt('0x' + toHex(iv)) + i) % (1n << 128n);
  return hex(v.toString(16).padStart(32, '0'));
}

describe.each(BUILDS)('AES kernels, $name build', (build) => {
  let k: RawKernel;
  beforeAll(async () => {
    k = await loadRaw(build);
  });

  it('reports which build it is and a compact context', () => {
    expect(k.fn('simdBuild')()).toBe(build.name === 'simd' ? 1 : 0);
    const size = k.fn('aesCtxSize')();
    expect(size % 16).toBe(0);
    expect(size).toBeLessThanOrEqual(1088);
  });

  it('FIPS-197 C.1 (AES-128) and C.3 (AES-256) block vectors, and many blocks at once against node:crypto', () => {
    const pt = hex('00112233445566778899aabbccddeeff');
    const a128 = new Aes(k, hex('000102030405060708090a0b0c0d0e0f'));
    expect(toHex(a128.run('aesEncryptBlocks', pt, [1]))).toBe('69c4e0d86a7b0430d8cdb78070b4c55a');
    const a256 = new Aes(k, hex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f'));
    expect(toHex(a256.run('aesEncryptBlocks', pt, [1]))).toBe('8ea2b7ca516745bfeafc49904b496089');
    for (const keyLen of [16, 32]) {
      const key = randomBytes(keyLen);
      const a = new Aes(k, key);
      for (const blocks of [1, 2, 3, 4, 5, 7, 8, 9, 33]) {
        const data = randomBytes(blocks * 16);
        expect(toHex(a.run('aesEncryptBlocks', data, [blocks]))).toBe(toHex(nodeEcb(key, data)));
      }
    }
  });

  it('SP 800-38A F.5.5 CTR-AES256 encrypt and F.5.6 decrypt, whole and byte by byte', () => {
    const a = new Aes(k, K256);
    a.ctrInit(CTR_IV);
    expect(toHex(a.run('aesCtrXor', P4, [64]))).toBe(toHex(CTR_C));
    a.ctrInit(CTR_IV);
    expect(toHex(a.run('aesCtrXor', CTR_C, chunking(64, [1])))).toBe(toHex(P4));
    a.ctrInit(CTR_IV);
    expect(toHex(a.run('aesCtrXor', P4, [0, 5, 0, 11, 16, 31, 1]))).toBe(toHex(CTR_C));
  });

  it('SP 800-38A F.2.5/F.2.6 CBC-AES256, chained across calls', () => {
    const a = new Aes(k, K256);
    a.cbcInit(CBC_IV);
    expect(toHex(a.run('aesCbcEncrypt', P4, [16, 48]))).toBe(toHex(CBC_C));
    a.cbcInit(CBC_IV);
    expect(toHex(a.run('aesCbcEncrypt', P4, [64]))).toBe(toHex(CBC_C));
    a.cbcInit(CBC_IV);
    expect(toHex(a.run('aesCbcDecrypt', CBC_C, [32, 0, 32]))).toBe(toHex(P4));
    a.cbcInit(CBC_IV);
    expect(toHex(a.run('aesCbcDecrypt', CBC_C, [16, 16, 16, 16]))).toBe(toHex(P4));
  });

  it('CTR counter carries across 2^32 and 2^64 and wraps at 2^128, in 1-, 4- and 8-block steps (explicit counter blocks)', () => {
    const key = randomBytes(32);
    const ivs = [
      '000000000000000000000000fffffffd',
      '0000000000000000fffffffffffffffd',
      '0123456789abcdeffffffffffffffffe',
      'fffffffffffffffffffffffffffffffd',
      'ffffffffffffffffffffffffffffffff',
      '0000000000000000fffffffffffffff0',
      '00000000000000fffffffffffffffff3',
    ].map(hex);
    for (const iv of ivs) {
      const blocks = 21;
      const counters = new Uint8Array(blocks * 16);
      for (let i = 0; i < blocks; i++) counters.set(counterPlus(iv, BigInt(i)), i * 16);
      const expected = nodeEcb(key, counters);
      const a = new Aes(k, key);
      for (const chunks of [[blocks * 16], [5, 16, 27, 64, 128, 96], chunking(blocks * 16, [1, 15, 17, 130])]) {
        a.ctrInit(iv);
        expect(toHex(a.run('aesCtrXor', new Uint8Array(blocks * 16), chunks))).toBe(toHex(expected));
      }
    }
  });

  it('CTR equals node:crypto on random keys, IVs, lengths 0-70000 and chunkings', () => {
    const big = k.alloc(70_016);
    const a = new Aes(k, new Uint8Array(32));
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 70_000 })),
        fc.array(fc.integer({ min: 0, max: 9000 }), { maxLength: 6 }),
        (key, iv, len, sizes) => {
          const data = randomBytes(len);
          const kp = k.place(key);
          expect(k.fn('aesInit')(a.ctx, kp, 32)).toBe(OK);
          a.ctrInit(iv);
          k.put(big, data);
          let at = 0;
          for (const n of chunking(len, sizes)) {
            expect(k.fn('aesCtrXor')(a.ctx, big + at, n)).toBe(OK);
            at += n;
          }
          expect(toHex(k.get(big, len))).toBe(toHex(nodeCtr(key, iv, data)));
        },
      ),
      { numRuns: build.name === 'simd' ? 40 : 15 },
    );
  });

  it('CBC equals node:crypto on random keys, IVs and block-multiple chunkings, both directions', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(16, 32),
        fc.integer({ min: 0, max: 300 }),
        fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 5 }),
        (keyLen, blocks, sizes) => {
          const key = randomBytes(keyLen), iv = randomBytes(16), data = randomBytes(blocks * 16);
          const a = new Aes(k, key);
          const chunks = chunking(blocks, sizes).map((b) => b * 16);
          a.cbcInit(iv);
          const ct = a.run('aesCbcEncrypt', data, chunks);
          expect(toHex(ct)).toBe(toHex(nodeCbc(key, iv, data)));
          a.cbcInit(iv);
          expect(toHex(a.run('aesCbcDecrypt', ct, chunks))).toBe(toHex(data));
        },
      ),
      { numRuns: 30 },
    );
  });

  it('returns status codes instead of trapping on bad input', () => {
    const ctx = k.alloc(k.fn('aesCtxSize')());
    const kp = k.place(randomBytes(64));
    const end = k.memSize;
    for (const len of [0, 8, 15, 17, 24, 31, 33, 64]) expect(k.fn('aesInit')(ctx, kp, len)).toBe(BAD_KEY_LENGTH);
    expect(k.fn('aesInit')(ctx, end - 8, 32)).toBe(OUT_OF_BOUNDS);
    expect(k.fn('aesInit')(end - 16, kp, 32)).toBe(OUT_OF_BOUNDS);
    expect(k.fn('aesInit')(ctx, kp, -1)).toBe(OUT_OF_BOUNDS);
    // a context that never got a key
    const fresh = k.alloc(k.fn('aesCtxSize')());
    expect(k.fn('aesCtrInit')(fresh, kp)).toBe(BAD_STATE);
    expect(k.fn('aesCtrXor')(fresh, k.io, 16)).toBe(BAD_STATE);
    expect(k.fn('aesCbcEncrypt')(fresh, k.io, 16)).toBe(BAD_STATE);
    expect(k.fn('aesEncryptBlocks')(fresh, k.io, 1)).toBe(BAD_STATE);
    expect(k.fn('aesInit')(ctx, kp, 32)).toBe(OK);
    // keyed, but the mode was not initialised / is the other one
    expect(k.fn('aesCtrXor')(ctx, k.io, 16)).toBe(BAD_STATE);
    expect(k.fn('aesCbcDecrypt')(ctx, k.io, 16)).toBe(BAD_STATE);
    expect(k.fn('aesCbcInit')(ctx, kp)).toBe(OK);
    expect(k.fn('aesCtrXor')(ctx, k.io, 16)).toBe(BAD_STATE);
    for (const len of [1, 15, 17, 33]) {
      expect(k.fn('aesCbcEncrypt')(ctx, k.io, len)).toBe(BAD_LENGTH);
      expect(k.fn('aesCbcDecrypt')(ctx, k.io, len)).toBe(BAD_LENGTH);
    }
    expect(k.fn('aesCbcEncrypt')(ctx, end - 16, 32)).toBe(OUT_OF_BOUNDS);
    expect(k.fn('aesCbcEncrypt')(ctx, k.io, -16)).toBe(OUT_OF_BOUNDS);
    expect(k.fn('aesCbcInit')(ctx, end - 4)).toBe(OUT_OF_BOUNDS);
    expect(k.fn('aesCtrInit')(ctx, kp)).toBe(OK);
    expect(k.fn('aesCtrXor')(ctx, end - 10, 11)).toBe(OUT_OF_BOUNDS);
    expect(k.fn('aesCtrXor')(ctx, 0xffffffff, 2)).toBe(OUT_OF_BOUNDS);
    expect(k.fn('aesCtrXor')(ctx, k.io, -1)).toBe(OUT_OF_BOUNDS);
    expect(k.fn('aesCtrXor')(ctx, end - 16, 16)).toBe(OK);
    expect(k.fn('aesEncryptBlocks')(ctx, k.io, -1)).toBe(BAD_LENGTH);
    expect(k.fn('aesEncryptBlocks')(ctx, end - 16, 2)).toBe(OUT_OF_BOUNDS);
    expect(k.fn('aesEncryptBlocks')(ctx, k.io, 0)).toBe(OK);
  });

  it('leaves no key-dependent bytes outside the context, the key and the data', () => {
    const ctx = k.alloc(k.fn('aesCtxSize')());
    const key = randomBytes(32);
    const kp = k.place(key);
    const iv = k.place(randomBytes(16));
    const before = k.get(0, k.memSize);
    expect(k.fn('aesInit')(ctx, kp, 32)).toBe(OK);
    expect(k.fn('aesCtrInit')(ctx, iv)).toBe(OK);
    expect(k.fn('aesCtrXor')(ctx, k.io, 1000)).toBe(OK);
    expect(k.fn('aesCbcInit')(ctx, iv)).toBe(OK);
    expect(k.fn('aesCbcEncrypt')(ctx, k.io, 160)).toBe(OK);
    expect(k.fn('aesCbcDecrypt')(ctx, k.io, 48)).toBe(OK);
    expect(k.fn('aesEncryptBlocks')(ctx, k.io, 3)).toBe(OK);
    const after = k.get(0, k.memSize);
    const size = k.fn('aesCtxSize')();
    expect(changedOutside(before, after, [[ctx, ctx + size], [k.io, k.io + 1000]])).toEqual([]);
    // and JS wiping the context removes every trace of the key schedule
    k.mem.fill(0, ctx, ctx + size);
    const image = Buffer.from(k.get(0, k.memSize));
    expect(image.indexOf(Buffer.from(key.subarray(16)))).toBe(kp + 16);
    expect(image.lastIndexOf(Buffer.from(key.subarray(16)))).toBe(kp + 16);
  });
});
