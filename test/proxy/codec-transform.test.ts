/**
 * The relay's cipher path (src/upstream/direct/codec.ts, src/kernels/adaptive-ctr.ts `transform`): encrypting in place
 * on the WASM side and into node:crypto's fresh output on the native side, mixed with `update`, must produce
 * exactly one AES-256-CTR keystream (SP 800-38A), across switches in both directions and across `release()`
 * (a quiet connection drops its cipher contexts and re-creates them at the same offset).
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AdaptiveCtr, planAdaptive } from '../../src/kernels/streams/adaptive-ctr.js';
import { compileBuild } from '../../src/kernels/wasm/build.js';
import { createWasmBackend } from '../../src/kernels/wasm/backend.js';
import { ObfuscatedCodec } from '../../src/upstream/direct/codec.js';
import { nodeCipherSource } from '../../src/proxy/cipher.js';
import { buildExportsAlgorithm, SHIPPED } from '../kernels/registry-helpers.js';

// WASM 5 ns/byte + 100 ns, native 0.5 ns/byte + 700 ns, switch 1300 ns: small updates stay on WASM, large move.
const plan = planAdaptive((n) => 100 + 5 * n, (n) => 700 + 0.5 * n, 1300);

describe('relay cipher transform', () => {
  it.skipIf(!buildExportsAlgorithm('wasm-simd', 'aes-256-ctr'))('transform, update and release mixed equal one node:crypto stream', async () => {
    const wasm = createWasmBackend('wasm-simd', await compileBuild(SHIPPED['wasm-simd']));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 9000 }), fc.integer({ min: 0, max: 2 })), { minLength: 1, maxLength: 25 }), (steps) => {
        const key = randomBytes(32);
        const iv = randomBytes(16);
        const stream = new AdaptiveCtr(wasm, plan, key, iv);
        const total = steps.reduce((a, [n]) => a + n, 0);
        const data = randomBytes(total);
        const expected = createCipheriv('aes-256-ctr', key, iv).update(data);
        const got = Buffer.alloc(total);
        let pos = 0;
        for (const [n, how] of steps) {
          const chunk = Buffer.from(data.subarray(pos, pos + n));
          if (how === 2) stream.release(); // a quiet connection drops its context; the stream must resume exactly
          const result = how === 0 ? stream.update(chunk) : stream.transform(chunk);
          expect(result.length).toBe(n);
          got.set(result, pos);
          pos += n;
        }
        stream.destroy();
        expect(got.equals(expected)).toBe(true);
        expect(() => stream.transform(Buffer.alloc(1))).toThrow();
      }),
      { numRuns: 60 },
    );
  });

  it('the obfuscated codec chains decrypt and encrypt without relying on in-place output', () => {
    const keys = Array.from({ length: 4 }, () => ({ key: randomBytes(32), iv: randomBytes(16) }));
    const [cd, ce, dd, de] = keys.map((k) => nodeCipherSource.stream('aes-256-ctr', k.key, k.iv));
    const counts = { encrypted: 0, decrypted: 0 };
    const codec = new ObfuscatedCodec(counts, cd!, ce, dd, de!);
    const ref = keys.map((k) => createCipheriv('aes-256-ctr', k.key, k.iv));
    for (const n of [0, 1, 17, 4096, 65_536, 70_000]) {
      const up = randomBytes(n);
      expect(Buffer.from(codec.up(Buffer.from(up))).equals(ref[3]!.update(ref[0]!.update(up)))).toBe(true);
      const down = randomBytes(n);
      expect(Buffer.from(codec.down(Buffer.from(down))).equals(ref[1]!.update(ref[2]!.update(down)))).toBe(true);
    }
    expect(counts).toEqual({ encrypted: 6, decrypted: 6 }); // the server's counts, one per chunk and direction
    codec.destroy();
  });
});
