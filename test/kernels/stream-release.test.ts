/**
 * The whole StreamCipher contract on every backend (src/kernels/types.ts, docs/kernels.md "Streams"): update,
 * transform and release() interleaved at random give exactly the one-shot AES-256-CTR keystream (SP 800-38A,
 * full 128-bit big-endian counter, as node:crypto computes it), whichever call and whatever chunk sizes; release()
 * on a WASM stream gives its arena slot back wiped; after destroy() update and transform throw
 * ERR_KERNEL_DESTROYED and release() stays harmless.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { KernelRegistry, StreamCipher } from '../../src/kernels/index.js';
import { AdaptiveCtr, planAdaptive } from '../../src/kernels/streams/adaptive-ctr.js';
import { compileBuild } from '../../src/kernels/wasm/build.js';
import { createWasmBackend, type WasmBackend } from '../../src/kernels/wasm/backend.js';
import { ALL_BACKENDS, buildExportsAlgorithm, loadTestKernels, SHIPPED } from './registry-helpers.js';

type Step = { op: 'update' | 'update-out' | 'transform' | 'release'; length: number };

const stepArb: fc.Arbitrary<Step> = fc.record({
  op: fc.constantFrom('update', 'update-out', 'transform', 'release'),
  length: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 41, max: 70_000 })),
});

/** Runs the steps on `stream` over `plaintext` and returns the concatenated output. */
function run(stream: StreamCipher, plaintext: Uint8Array, steps: Step[]): Uint8Array {
  const out = new Uint8Array(plaintext.length);
  let at = 0;
  for (const { op, length } of steps) {
    if (op === 'release') {
      stream.release();
      continue;
    }
    const n = Math.min(length, plaintext.length - at);
    const chunk = plaintext.slice(at, at + n);
    const result = op === 'transform' ? stream.transform(chunk) : op === 'update' ? stream.update(chunk) : stream.update(chunk, new Uint8Array(n));
    expect(result.length).toBe(n);
    out.set(result, at);
    at += n;
  }
  return out.subarray(0, at);
}

function reference(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Uint8Array {
  return createCipheriv('aes-256-ctr', key, iv).update(plaintext);
}

let registry: KernelRegistry;
beforeAll(async () => {
  registry = await loadTestKernels();
});

describe.each(ALL_BACKENDS)('%s stream', (backend) => {
  // a wasm backend is expected to serve CTR exactly when its shipped build exports it (skipped, visibly, otherwise)
  const expected = backend === 'wasm' || backend === 'wasm-simd' ? buildExportsAlgorithm(backend, 'aes-256-ctr') : true;
  const test = expected ? it : it.skip;

  test('serves aes-256-ctr', () => {
    expect(registry.backends('aes-256-ctr')).toContain(backend);
  });

  test('update / transform / release in any order give the one-shot keystream', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 12 }), fc.integer({ min: 0, max: 3 }), (steps, carryByte) => {
        const key = new Uint8Array(randomBytes(32));
        const iv = new Uint8Array(randomBytes(16));
        iv.fill(0xff, 12 - carryByte); // counters close to a carry across 32-bit words
        const plaintext = new Uint8Array(randomBytes(steps.reduce((n, s) => n + s.length, 0)));
        const stream = registry.stream('aes-256-ctr', key, iv, { backend });
        const got = run(stream, plaintext, steps);
        stream.destroy();
        expect(Buffer.from(got).equals(reference(key, iv, plaintext).subarray(0, got.length))).toBe(true);
      }),
      { numRuns: 25 },
    );
  });

  test('after destroy(): update and transform throw ERR_KERNEL_DESTROYED, release() is harmless', () => {
    const stream = registry.stream('aes-256-ctr', new Uint8Array(32), new Uint8Array(16), { backend });
    stream.release();
    stream.destroy();
    stream.release();
    expect(() => stream.update(new Uint8Array(16))).toThrow(expect.objectContaining({ code: 'ERR_KERNEL_DESTROYED' }));
    expect(() => stream.transform(new Uint8Array(16))).toThrow(expect.objectContaining({ code: 'ERR_KERNEL_DESTROYED' }));
  });
});

describe.each(['wasm', 'wasm-simd'] as const)('%s release()', (name) => {
  let backend: WasmBackend;
  beforeAll(async () => {
    backend = createWasmBackend(name, await compileBuild(SHIPPED[name]));
  });

  const contains = (mem: Uint8Array, needle: Uint8Array) => Buffer.from(mem.buffer, mem.byteOffset, mem.length).indexOf(Buffer.from(needle)) >= 0;

  for (const kind of ['plain', 'adaptive'] as const) {
    (buildExportsAlgorithm(name, 'aes-256-ctr') ? it : it.skip)(`${kind}: wipes the context (no key bytes in linear memory) and resumes at the offset`, () => {
      const key = new Uint8Array(randomBytes(32));
      key[0] = 0xa5;
      const iv = new Uint8Array(16);
      const stream: StreamCipher =
        kind === 'plain' ? backend.ctr(key, iv) : new AdaptiveCtr(backend, planAdaptive(() => 0, () => 1e9, 1e9), key, iv);
      const plaintext = new Uint8Array(randomBytes(1000));
      const first = Uint8Array.from(stream.transform(plaintext.slice(0, 333)));
      stream.release();
      for (const mem of backend.pool.memories()) {
        expect(contains(mem, key.subarray(0, 16))).toBe(false);
        expect(contains(mem, key.subarray(16))).toBe(false);
      }
      const rest = stream.update(plaintext.slice(333));
      stream.destroy();
      expect(Buffer.concat([first, rest]).equals(reference(key, iv, plaintext))).toBe(true);
    });
  }
});
