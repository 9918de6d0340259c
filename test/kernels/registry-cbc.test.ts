/**
 * Adaptive AES-256-CBC (src/kernels/adaptive-cbc.ts): the IV carried across backends must give exactly
 * node:crypto's bytes (SP 800-38A §6.2, no padding) for any chunking, encrypt and decrypt, in place or not —
 * both with the registry's own per-size choice and with a picker that hops backend at every update.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { BackendName, CbcDirection, KernelRegistry } from '../../src/kernels/index.js';
import { AdaptiveCbc } from '../../src/kernels/streams/adaptive-cbc.js';
import type { Registry } from '../../src/kernels/registry.js';
import { loadTestKernels } from './registry-helpers.js';

let registry: Registry;
beforeAll(async () => {
  registry = (await loadTestKernels()) as KernelRegistry as Registry;
});

function reference(direction: CbcDirection, key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const c = (direction === 'encrypt' ? createCipheriv : createDecipheriv)('aes-256-cbc', key, iv).setAutoPadding(false);
  return new Uint8Array(Buffer.concat([c.update(data), c.final()]));
}

/** Block counts per update; sizes span 16 B … 20 KiB so the per-size choice changes between updates. */
const chunking = fc.array(fc.oneof(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 60, max: 1300 })), { minLength: 1, maxLength: 12 });
const input = fc.record({ key: fc.uint8Array({ minLength: 32, maxLength: 32 }), iv: fc.uint8Array({ minLength: 16, maxLength: 16 }), blocks: chunking, inPlace: fc.boolean(), seed: fc.integer() });

function run(cbc: { update(d: Uint8Array, o?: Uint8Array): Uint8Array }, data: Uint8Array, blocks: number[], inPlace: boolean): Uint8Array {
  const out = new Uint8Array(data.length);
  let pos = 0;
  for (const b of blocks) {
    const chunk = data.slice(pos, pos + b * 16);
    out.set(inPlace ? cbc.update(chunk, chunk) : cbc.update(chunk), pos);
    pos += b * 16;
  }
  return out;
}

describe('adaptive AES-256-CBC', () => {
  it('the prior chooses differently by size, so registry.cbc() adapts', () => {
    const row = Object.values(registry.status().chosen['aes-256-cbc']);
    expect(new Set(row).size).toBeGreaterThan(1);
    const cbc = registry.cbc('encrypt', new Uint8Array(32), new Uint8Array(16));
    expect(cbc).toBeInstanceOf(AdaptiveCbc);
    cbc.update(new Uint8Array(64));
    expect((cbc as AdaptiveCbc).backend).toBe(registry.chosen('aes-256-cbc', 64));
    cbc.update(new Uint8Array(65_536));
    expect((cbc as AdaptiveCbc).backend).toBe(registry.chosen('aes-256-cbc', 65_536));
    cbc.destroy();
    expect(() => cbc.update(new Uint8Array(16))).toThrow(expect.objectContaining({ code: 'ERR_KERNEL_DESTROYED' }));
  });

  for (const direction of ['encrypt', 'decrypt'] as const) {
    it(`${direction}: registry choice matches node:crypto over random chunkings`, () => {
      fc.assert(
        fc.property(input, ({ key, iv, blocks, inPlace }) => {
          const data = new Uint8Array(blocks.reduce((a, b) => a + b, 0) * 16).map((_, i) => (i * 7 + 3) & 0xff);
          const cbc = registry.cbc(direction, key, iv);
          try {
            expect(Buffer.from(run(cbc, data, blocks, inPlace))).toEqual(Buffer.from(reference(direction, key, iv, data)));
          } finally {
            cbc.destroy();
          }
        }),
        { numRuns: 25 },
      );
    });

    it(`${direction}: hopping backend at every update keeps the chain`, () => {
      const names = registry.backends('aes-256-cbc');
      expect(names.length).toBeGreaterThan(2);
      fc.assert(
        fc.property(input, ({ key, iv, blocks, inPlace, seed }) => {
          const data = new Uint8Array(blocks.reduce((a, b) => a + b, 0) * 16).map((_, i) => (i * 13 + seed) & 0xff);
          let k = Math.abs(seed);
          const pick = (): BackendName => names[k++ % names.length]!;
          const cbc = new AdaptiveCbc(direction, key, iv, pick, (name, d, kk, v) => registry.cbc(d, kk, v, { backend: name }));
          try {
            expect(Buffer.from(run(cbc, data, blocks, inPlace))).toEqual(Buffer.from(reference(direction, key, iv, data)));
            // same-size runs keep their backend (the picker is skipped); any change of size hops here
            if (new Set(blocks).size > 1) expect(cbc.switches).toBeGreaterThan(0);
          } finally {
            cbc.destroy();
          }
        }),
        { numRuns: 25 },
      );
    });
  }

  it('a run of same-size updates keeps its backend without asking again', () => {
    let picks = 0;
    const names = registry.backends('aes-256-cbc');
    const cbc = new AdaptiveCbc('encrypt', new Uint8Array(32), new Uint8Array(16), () => names[picks++ % names.length]!, (n, d, k, v) => registry.cbc(d, k, v, { backend: n }));
    for (let i = 0; i < 5; i++) cbc.update(new Uint8Array(64));
    expect(picks).toBe(1);
    cbc.update(new Uint8Array(128));
    expect([picks, cbc.switches]).toEqual([2, 1]);
    cbc.destroy();
  });

  it('does not thrash when the saving would not pay for the switch', () => {
    const first = registry.chosen('aes-256-cbc', 64);
    const large = registry.chosen('aes-256-cbc', 65_536);
    expect(first).not.toBe(large);
    // on the large backend, a 64-byte update saves less than re-creating the cipher costs: it stays
    expect(registry.pickCbc(64, large)).toBe(large);
    expect(registry.pickCbc(65_536, first)).toBe(large);
  });
});
