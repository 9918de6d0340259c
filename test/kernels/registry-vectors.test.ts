/**
 * One standard-vector suite run against every backend (wasm-simd, wasm, native, js):
 * NIST SP 800-38A F.5.5 (CTR-AES256) and F.2.5/F.2.6 (CBC-AES256), RFC 8439 2.4.2 (ChaCha20), 2.8.2 and A.5
 * (ChaCha20-Poly1305), draft-irtf-cfrg-xchacha A.3.1, McGrew–Viega GCM test cases (AES-128, AES-256, empty
 * plaintext, AAD only), and tag failures (flipped tag bit, flipped ciphertext bit, wrong AAD) → typed error.
 * A wasm backend whose build exports an algorithm must be usable for it; otherwise its tests are skipped by name.
 */
import { createCipheriv } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { chacha20 } from '@noble/ciphers/chacha.js';
import { AEAD_VECTORS, CBC_VECTORS, CHACHA20_VECTOR, CTR_VECTORS, hex } from '../../src/kernels/verify/vectors.js';
import type { Algorithm, BackendName, KernelRegistry } from '../../src/kernels/index.js';
import { isMtShieldError } from '../../src/errors.js';
import { KernelPool } from '../../src/kernels/wasm/instance.js';
import { compileBuild } from '../../src/kernels/wasm/build.js';
import { ALL_BACKENDS, buildExports, buildExportsAlgorithm, hexOf, loadTestKernels, SHIPPED } from './registry-helpers.js';

let registry: KernelRegistry;
beforeAll(async () => {
  registry = await loadTestKernels();
});

/** Runs `body` for a backend, or skips with a reason when a wasm build does not export the algorithm yet. */
function forBackend(name: BackendName, alg: Algorithm, title: string, body: () => void): void {
  const wasm = name === 'wasm' || name === 'wasm-simd';
  const exported = !wasm || buildExportsAlgorithm(name, alg);
  (exported ? it : it.skip)(`${name} ${alg}: ${title}${exported ? '' : ' (build lacks the exports)'}`, () => {
    expect(registry.backends(alg), `${name} must pass its self-tests for ${alg}`).toContain(name);
    body();
  });
}

function expectAuthFailure(fn: () => Uint8Array): void {
  let result: Uint8Array | undefined;
  let error: unknown;
  try {
    result = fn();
  } catch (err) {
    error = err;
  }
  expect(result).toBeUndefined();
  expect(isMtShieldError(error, 'ERR_KERNEL_AUTH_FAILED')).toBe(true);
}

describe.each(ALL_BACKENDS)('standard vectors on %s', (name) => {
  for (const v of CTR_VECTORS) {
    forBackend(name, 'aes-256-ctr', v.name, () => {
      const s = registry.stream('aes-256-ctr', hex(v.key), hex(v.iv), { backend: name });
      expect(hexOf(s.update(hex(v.plaintext)))).toBe(v.ciphertext);
      s.destroy();
      const d = registry.stream('aes-256-ctr', hex(v.key), hex(v.iv), { backend: name });
      const buf = hex(v.ciphertext);
      d.update(buf.subarray(0, 7), buf.subarray(0, 7)); // in place, split mid-block
      d.update(buf.subarray(7), buf.subarray(7));
      expect(hexOf(buf)).toBe(v.plaintext);
      d.destroy();
    });
  }
  for (const v of CBC_VECTORS) {
    forBackend(name, 'aes-256-cbc', `${v.name} encrypt (F.2.5) and decrypt (F.2.6)`, () => {
      const e = registry.cbc('encrypt', hex(v.key), hex(v.iv), { backend: name });
      const pt = hex(v.plaintext);
      const ct = new Uint8Array(pt.length);
      e.update(pt.subarray(0, 16), ct.subarray(0, 16));
      e.update(pt.subarray(16), ct.subarray(16));
      expect(hexOf(ct)).toBe(v.ciphertext);
      const d = registry.cbc('decrypt', hex(v.key), hex(v.iv), { backend: name });
      expect(hexOf(d.update(hex(v.ciphertext)))).toBe(v.plaintext);
      e.destroy();
      d.destroy();
    });
  }
  for (const v of AEAD_VECTORS) {
    forBackend(name, v.alg, `${v.name} seal, open and tag failures`, () => {
      const aead = registry.aead(v.alg, { backend: name });
      const key = hex(v.key);
      const nonce = hex(v.nonce);
      const aad = hex(v.aad);
      const sealed = aead.seal(key, nonce, hex(v.plaintext), aad);
      expect(hexOf(sealed)).toBe(v.ciphertext + v.tag);
      expect(hexOf(aead.open(key, nonce, sealed, aad))).toBe(v.plaintext);

      const badTag = sealed.slice();
      badTag[badTag.length - 1]! ^= 0x01;
      expectAuthFailure(() => aead.open(key, nonce, badTag, aad));
      if (v.ciphertext.length > 0) {
        const badCt = sealed.slice();
        badCt[0]! ^= 0x80;
        expectAuthFailure(() => aead.open(key, nonce, badCt, aad));
      }
      const wrongAad = aad.length > 0 ? aad.slice(1) : new Uint8Array([0]);
      expectAuthFailure(() => aead.open(key, nonce, sealed, wrongAad));
      aead.destroy();
    });
  }
});

describe('RFC 8439 2.4.2 ChaCha20 keystream', () => {
  const v = CHACHA20_VECTOR;
  it('native chacha20 (OpenSSL IV = counter LE ‖ nonce) and @noble/ciphers', () => {
    const iv = new Uint8Array(16);
    new DataView(iv.buffer).setUint32(0, v.counter, true);
    iv.set(hex(v.nonce), 4);
    expect(hexOf(createCipheriv('chacha20', hex(v.key), iv).update(hex(v.plaintext)))).toBe(v.ciphertext);
    expect(hexOf(chacha20(hex(v.key), hex(v.nonce), hex(v.plaintext), undefined, v.counter))).toBe(v.ciphertext);
  });
  for (const name of ['wasm', 'wasm-simd'] as const) {
    const has = buildExports(name).has('chacha20Init') && buildExports(name).has('chacha20Xor');
    (has ? it : it.skip)(`${name} chacha20Init/chacha20Xor${has ? '' : ' (build lacks the exports)'}`, async () => {
      const pool = new KernelPool(await compileBuild(SHIPPED[name]));
      const inst = pool.primary;
      const slot = pool.alloc(inst.fn('chachaCtxSize')());
      inst.mem.set(hex(v.key), inst.param);
      inst.mem.set(hex(v.nonce), inst.param + 32);
      expect(inst.fn('chacha20Init')(slot.ptr, inst.param, inst.param + 32, v.counter)).toBe(0);
      const pt = hex(v.plaintext);
      inst.mem.set(pt, inst.ioPtr);
      expect(inst.fn('chacha20Xor')(slot.ptr, inst.ioPtr, 50)).toBe(0); // two calls: state carried
      expect(inst.fn('chacha20Xor')(slot.ptr, inst.ioPtr + 50, pt.length - 50)).toBe(0);
      expect(hexOf(inst.mem.slice(inst.ioPtr, inst.ioPtr + pt.length))).toBe(v.ciphertext);
      pool.release(slot);
    });
  }
});
