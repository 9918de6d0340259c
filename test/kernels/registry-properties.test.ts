/**
 * Property tests (fast-check): every backend equals node:crypto (OpenSSL) on random keys, nonces and lengths
 * 0–70 000 (past the 65 600-byte I/O buffer, so the chunked feeding path runs), for AEAD seal/open and for
 * CTR and CBC streams fed in random chunkings, in place or into a separate buffer.
 */
import { createCipheriv } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AEAD_ALGORITHMS, type AeadAlgorithm, type BackendName, type KernelRegistry } from '../../src/kernels/index.js';
import { aeadKeyLength, aeadNonceLength } from '../../src/kernels/validate.js';
import { ALL_BACKENDS, buildExportsAlgorithm, hexOf, loadTestKernels } from './registry-helpers.js';

let registry: KernelRegistry;
beforeAll(async () => {
  registry = await loadTestKernels();
});

const RUNS = 20;
const MAX_LEN = 70_000;

function present(name: BackendName, alg: Parameters<typeof buildExportsAlgorithm>[1]): boolean {
  return !(name === 'wasm' || name === 'wasm-simd') || buildExportsAlgorithm(name, alg);
}

/** Splits `length` into chunks at the given cut points (sorted, deduplicated, clamped). */
function pieces(length: number, cuts: number[], multipleOf = 1): Array<[number, number]> {
  const points = [...new Set(cuts.map((c) => Math.floor((c % (length + 1)) / multipleOf) * multipleOf))].sort((a, b) => a - b);
  const out: Array<[number, number]> = [];
  let start = 0;
  for (const p of [...points, length]) {
    if (p > start) out.push([start, p]);
    start = Math.max(start, p);
  }
  return out;
}

function opensslAead(alg: AeadAlgorithm, key: Uint8Array, nonce: Uint8Array, pt: Uint8Array, aad: Uint8Array): string {
  if (alg === 'xchacha20-poly1305') return ''; // compared through native (itself checked against the draft vector)
  const c = createCipheriv(alg as 'aes-256-gcm', key, nonce, { authTagLength: 16 });
  if (aad.length) c.setAAD(aad);
  const ct = Buffer.concat([c.update(pt), c.final()]);
  return hexOf(ct) + hexOf(c.getAuthTag());
}

describe.each(ALL_BACKENDS)('%s equals node:crypto', (name) => {
  (present(name, 'aes-256-ctr') ? it : it.skip)('aes-256-ctr stream, random chunkings, lengths 0–70 000', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.integer({ min: 0, max: MAX_LEN }),
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.boolean(),
        (key, iv, length, cuts, inPlace) => {
          const data = new Uint8Array(length).map((_, i) => (i * 31 + 7) & 0xff);
          const expected = createCipheriv('aes-256-ctr', key, iv).update(data);
          const s = registry.stream('aes-256-ctr', key, iv, { backend: name });
          const out = inPlace ? data : new Uint8Array(length);
          for (const [a, b] of pieces(length, cuts)) s.update(data.subarray(a, b), out.subarray(a, b));
          s.destroy();
          expect(hexOf(out)).toBe(hexOf(expected));
        },
      ),
      { numRuns: RUNS },
    );
  });

  (present(name, 'aes-256-cbc') ? it : it.skip)('aes-256-cbc encrypt and decrypt, random block chunkings', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.integer({ min: 0, max: Math.floor(MAX_LEN / 16) }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (key, iv, blocks, cuts) => {
          const data = new Uint8Array(blocks * 16).map((_, i) => (i * 13 + 1) & 0xff);
          const c = createCipheriv('aes-256-cbc', key, iv).setAutoPadding(false);
          const expected = c.update(data);
          const enc = registry.cbc('encrypt', key, iv, { backend: name });
          const dec = registry.cbc('decrypt', key, iv, { backend: name });
          const ct = new Uint8Array(data.length);
          const pt = new Uint8Array(data.length);
          for (const [a, b] of pieces(data.length, cuts, 16)) enc.update(data.subarray(a, b), ct.subarray(a, b));
          for (const [a, b] of pieces(data.length, cuts.reverse(), 16)) dec.update(ct.subarray(a, b), pt.subarray(a, b));
          enc.destroy();
          dec.destroy();
          expect(hexOf(ct)).toBe(hexOf(expected));
          expect(hexOf(pt)).toBe(hexOf(data));
        },
      ),
      { numRuns: RUNS },
    );
  });

  for (const alg of AEAD_ALGORITHMS) {
    (present(name, alg) ? it : it.skip)(`${alg} seal equals the reference and opens back`, () => {
      const aead = registry.aead(alg, { backend: name });
      const reference = registry.aead(alg, { backend: 'native' });
      fc.assert(
        fc.property(
          fc.uint8Array({ minLength: aeadKeyLength(alg), maxLength: aeadKeyLength(alg) }),
          fc.uint8Array({ minLength: aeadNonceLength(alg), maxLength: aeadNonceLength(alg) }),
          fc.integer({ min: 0, max: MAX_LEN }),
          fc.uint8Array({ maxLength: 300 }),
          (key, nonce, length, aad) => {
            const pt = new Uint8Array(length).map((_, i) => (i * 17 + 3) & 0xff);
            const sealed = aead.seal(key, nonce, pt, aad);
            const expected = opensslAead(alg, key, nonce, pt, aad) || hexOf(reference.seal(key, nonce, pt, aad));
            expect(hexOf(sealed)).toBe(expected);
            expect(hexOf(aead.open(key, nonce, sealed, aad))).toBe(hexOf(pt));
          },
        ),
        { numRuns: RUNS },
      );
      aead.destroy();
    });
  }
});

describe('automatic choice (no backend option) equals node:crypto', () => {
  it('aes-256-ctr stream (adaptive when WASM wins small and native large), random chunk sizes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.array(fc.oneof(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 100, max: 20_000 })), { maxLength: 25 }),
        (key, iv, lengths) => {
          const s = registry.stream('aes-256-ctr', key, iv);
          const reference = createCipheriv('aes-256-ctr', key, iv);
          for (const n of lengths) {
            const data = new Uint8Array(n).map((_, i) => (i * 7 + n) & 0xff);
            const expected = hexOf(reference.update(data));
            expect(hexOf(n % 2 ? s.update(data) : s.update(data, data))).toBe(expected);
          }
          s.destroy();
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });

  it('AEADs pick per message size and still match', () => {
    for (const alg of AEAD_ALGORITHMS) {
      const aead = registry.aead(alg);
      const reference = registry.aead(alg, { backend: 'js' });
      fc.assert(
        fc.property(
          fc.uint8Array({ minLength: aeadKeyLength(alg), maxLength: aeadKeyLength(alg) }),
          fc.uint8Array({ minLength: aeadNonceLength(alg), maxLength: aeadNonceLength(alg) }),
          fc.integer({ min: 0, max: MAX_LEN }),
          (key, nonce, length) => {
            const pt = new Uint8Array(length).fill(length & 0xff);
            const sealed = aead.seal(key, nonce, pt);
            expect(hexOf(sealed)).toBe(hexOf(reference.seal(key, nonce, pt)));
            expect(hexOf(aead.open(key, nonce, sealed))).toBe(hexOf(pt));
          },
        ),
        { numRuns: 10 },
      );
    }
  });
});
