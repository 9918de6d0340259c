/**
 * The WASM wrapper's fast paths (src/kernels/wasm/): what it leaves in linear memory after every AEAD call
 * (context slot and param slot wiped — by the kernel's final call or by JS — and the I/O buffer wiped after a
 * rejected open), and the slab that small results are carved from (results never overlap, survive later calls
 * and slab refills, and equal node:crypto's).
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { AEAD_ALGORITHMS, type AeadAlgorithm } from '../../src/kernels/index.js';
import { aeadKeyLength, aeadNonceLength } from '../../src/kernels/validate.js';
import { compileBuild, type KernelBuild } from '../../src/kernels/wasm/build.js';
import { createWasmBackend } from '../../src/kernels/wasm/backend.js';
import { PARAM_SIZE } from '../../src/kernels/wasm/instance.js';
import { SLAB_MAX, takeOutput } from '../../src/kernels/wasm/output.js';
import { buildExportsAlgorithm, SHIPPED } from './registry-helpers.js';

const OPENSSL: Record<AeadAlgorithm, string | undefined> = {
  'chacha20-poly1305': 'chacha20-poly1305',
  'xchacha20-poly1305': undefined,
  'aes-128-gcm': 'aes-128-gcm',
  'aes-256-gcm': 'aes-256-gcm',
};

function nonzeroBytes(mem: Uint8Array, from: number, length: number): number {
  let n = 0;
  for (let i = from; i < from + length; i++) if (mem[i] !== 0) n++;
  return n;
}

function nativeSeal(alg: AeadAlgorithm, key: Uint8Array, nonce: Uint8Array, pt: Uint8Array): Uint8Array {
  const c = createCipheriv(OPENSSL[alg] as 'aes-256-gcm', key, nonce, { authTagLength: 16 });
  return Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]);
}

describe.each(['wasm', 'wasm-simd'] as const)('%s wrapper', (name) => {
  let build: KernelBuild;
  beforeAll(async () => {
    build = await compileBuild(SHIPPED[name]);
  });

  for (const alg of AEAD_ALGORITHMS) {
    (buildExportsAlgorithm(name, alg) ? it : it.skip)(`${alg}: context and param slot are clean after seal, open and a rejected open`, () => {
      const backend = createWasmBackend(name, build); // fresh arena: the first context sits right after the param slot
      const inst = backend.pool.primary;
      const ctx = inst.param + PARAM_SIZE;
      const key = new Uint8Array(randomBytes(aeadKeyLength(alg)));
      const nonce = new Uint8Array(randomBytes(aeadNonceLength(alg)));
      const aead = backend.aead(alg);
      const clean = () => {
        expect(nonzeroBytes(inst.mem, inst.param, PARAM_SIZE)).toBe(0);
        expect(nonzeroBytes(inst.mem, ctx, 2048)).toBeLessThanOrEqual(4); // the context (≤ 1536 B): at most a "finished" state word
      };
      for (const size of [0, 1, 64, 1000, 5000]) {
        const pt = new Uint8Array(randomBytes(size));
        const sealed = aead.seal(key, nonce, pt, new Uint8Array(7));
        clean();
        expect(aead.open(key, nonce, sealed, new Uint8Array(7))).toEqual(new Uint8Array(pt));
        clean();
        if (size > 0) {
          sealed[0]! ^= 1;
          expect(() => aead.open(key, nonce, sealed, new Uint8Array(7))).toThrow(expect.objectContaining({ code: 'ERR_KERNEL_AUTH_FAILED' }));
          clean();
          expect(nonzeroBytes(inst.mem, inst.ioPtr, sealed.length)).toBe(0); // no plaintext of the forgery
        }
      }
      aead.destroy();
    });
  }

  for (const alg of AEAD_ALGORITHMS.filter((a) => OPENSSL[a] !== undefined)) {
    (buildExportsAlgorithm(name, alg) ? it : it.skip)(`${alg}: pooled results stay intact and distinct across slab refills`, () => {
      const aead = createWasmBackend(name, build).aead(alg);
      const key = new Uint8Array(randomBytes(aeadKeyLength(alg)));
      const nonce = new Uint8Array(randomBytes(12));
      const inputs: Uint8Array[] = [];
      const results: Uint8Array[] = [];
      // ≈300 KiB of small results: several 64 KiB slabs, sizes on both sides of SLAB_MAX
      for (let i = 0; i < 200; i++) {
        const pt = new Uint8Array(randomBytes((i * 709) % (SLAB_MAX + 200)));
        inputs.push(pt);
        results.push(aead.seal(key, nonce, pt));
      }
      for (let i = 0; i < inputs.length; i++) expect(Buffer.from(results[i]!)).toEqual(nativeSeal(alg, key, nonce, inputs[i]!));
      const spans = results.map((r) => [r.buffer, r.byteOffset, r.byteOffset + r.length] as const);
      for (let i = 0; i < spans.length; i++) {
        for (let j = i + 1; j < spans.length; j++) {
          const [ba, sa, ea] = spans[i]!;
          const [bb, sb, eb] = spans[j]!;
          if (ba === bb) expect(ea <= sb || eb <= sa).toBe(true);
        }
      }
      aead.destroy();
    });
  }
});

describe('takeOutput', () => {
  it('gives exactly the length asked, small ones sharing a slab, large ones their own buffer', () => {
    const a = takeOutput(100);
    const b = takeOutput(100);
    expect(a.length).toBe(100);
    expect(a.buffer === b.buffer ? a.byteOffset + 100 <= b.byteOffset : true).toBe(true);
    const big = takeOutput(SLAB_MAX + 1);
    expect(big.length).toBe(SLAB_MAX + 1);
    expect(big.byteOffset).toBe(0);
    expect(big.buffer.byteLength).toBe(SLAB_MAX + 1);
  });
});
