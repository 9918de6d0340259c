/**
 * The differential self-test (src/kernels/crosscheck.ts) refuses builds the known-answer vectors cannot catch:
 * a real wasm-simd backend with a fault injected at the wrapper level only at lengths ≥ 1 KiB (what the
 * benchmark once caught for ChaCha20-Poly1305 / XChaCha20-Poly1305 seal), only in open, or only past the
 * I/O buffer for CTR, passes every KAT and is still disabled, and the registry never chooses it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { AeadAlgorithm, Backend, KernelRegistry } from '../../src/kernels/index.js';
import { selfTestAlgorithm } from '../../src/kernels/verify/selftest.js';
import { crossCheck, crossCheckVectorBytes, derivedBytes } from '../../src/kernels/verify/crosscheck.js';
import { testedEntry } from '../../src/kernels/verify/load.js';
import type { Registry } from '../../src/kernels/registry.js';
import { loadTestKernels } from './registry-helpers.js';

let registry: KernelRegistry;
let simd: Backend;
beforeAll(async () => {
  registry = await loadTestKernels();
  simd = (registry as Registry).state.entries.get('wasm-simd')!.backend!;
});

function flipped(bytes: Uint8Array, at: number): Uint8Array {
  const out = bytes.slice();
  out[at]! ^= 0x01;
  return out;
}

/** The real backend, with `seal` (or `open`) output of `only` corrupted for messages of at least `from` bytes. */
function faultyAead(inner: Backend, which: 'seal' | 'open', from: number, only: AeadAlgorithm = 'chacha20-poly1305'): Backend {
  return {
    name: inner.name,
    supports: (alg) => inner.supports(alg),
    ctr: (key, iv) => inner.ctr(key, iv),
    cbc: (d, key, iv) => inner.cbc(d, key, iv),
    aead(alg) {
      const real = inner.aead(alg);
      if (alg !== only) return real;
      return {
        seal: (k, n, p, a) => {
          const out = real.seal(k, n, p, a);
          return which === 'seal' && p.length >= from ? flipped(out, out.length - 1) : out;
        },
        open: (k, n, s, a) => {
          const out = real.open(k, n, s, a);
          return which === 'open' && out.length >= from ? flipped(out, 0) : out;
        },
        destroy: () => real.destroy(),
      };
    },
  };
}

/** The real backend whose CTR keystream goes wrong once a stream passes 65 536 bytes. */
function faultyCtr(inner: Backend): Backend {
  return {
    ...faultyAead(inner, 'seal', Infinity),
    ctr(key, iv) {
      const real = inner.ctr(key, iv);
      let offset = 0;
      return {
        update(data, out) {
          const result = real.update(data, out);
          offset += data.length;
          if (offset > 65_536 && data.length > 0) result[data.length - 1]! ^= 0x80;
          return result;
        },
        transform(data) {
          return this.update(data, data);
        },
        release: () => real.release(),
        destroy: () => real.destroy(),
      };
    },
  };
}

describe('cross-check self-test', () => {
  it('passes the shipped backends', () => {
    for (const alg of ['aes-256-ctr', 'aes-256-cbc', 'chacha20-poly1305', 'xchacha20-poly1305', 'aes-128-gcm', 'aes-256-gcm'] as const) {
      expect(registry.backends(alg)).toEqual(expect.arrayContaining(['wasm-simd', 'native', 'js']));
      expect(() => crossCheck(simd, alg)).not.toThrow();
    }
  });

  it.each(['chacha20-poly1305', 'xchacha20-poly1305'] as AeadAlgorithm[])('refuses %s whose seal is wrong only from 1 KiB', (alg) => {
    const faulty = faultyAead(simd, 'seal', 1024, alg);
    // the standard vectors are all short: the fault is invisible to them
    const aead = faulty.aead(alg);
    const key = derivedBytes(1, 32);
    const nonce = derivedBytes(2, alg === 'xchacha20-poly1305' ? 24 : 12);
    const small = derivedBytes(3, 1023);
    expect(aead.seal(key, nonce, small)).toEqual(simd.aead(alg).seal(key, nonce, small));
    const result = selfTestAlgorithm(faulty, alg);
    expect(result.state).toBe('failed');
    expect(result.detail).toMatch(/at 1024 B .*seal mismatch/);
    // and a registry entry built from it is not usable for that algorithm, but is for the others
    const entry = testedEntry(faulty);
    expect(entry.results[alg].state).toBe('failed');
    expect(entry.results['aes-256-gcm'].state).toBe('ok');
  });

  it('refuses an open that returns wrong plaintext from 1 KiB', () => {
    const result = selfTestAlgorithm(faultyAead(simd, 'open', 1024, 'aes-256-gcm'), 'aes-256-gcm');
    expect(result).toMatchObject({ state: 'failed', detail: expect.stringMatching(/at 1024 B .*open mismatch/) });
  });

  it('refuses a CTR stream that goes wrong past the I/O buffer', () => {
    const result = selfTestAlgorithm(faultyCtr(simd), 'aes-256-ctr');
    expect(result).toMatchObject({ state: 'failed', detail: expect.stringMatching(/cross-check ctr/) });
  });

  it('a refused backend is never chosen', async () => {
    const faulty = faultyAead(simd, 'seal', 1024);
    const reg = (await loadTestKernels()) as Registry;
    reg.install({ ...testedEntry(faulty), name: 'wasm-simd' });
    expect(reg.backends('chacha20-poly1305')).not.toContain('wasm-simd');
    for (const size of [64, 1024, 65_536]) expect(reg.chosen('chacha20-poly1305', size)).not.toBe('wasm-simd');
    expect(reg.backends('aes-256-gcm')).toContain('wasm-simd');
  });

  it('loading the kernels leaves no generated cases behind; checking again generates them', async () => {
    await loadTestKernels();
    expect(crossCheckVectorBytes()).toBe(0);
    crossCheck(simd, 'aes-256-ctr');
    crossCheck(simd, 'chacha20-poly1305');
    expect(crossCheckVectorBytes()).toBeGreaterThan(100_000);
  });
});
