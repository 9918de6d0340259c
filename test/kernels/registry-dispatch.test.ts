/**
 * The automatic AEAD (aead-dispatch.ts): it serves each message from the backend chosen for its size, its fast
 * path for the first run of size classes stops the moment the registry's choices change, and a destroyed one
 * refuses every size with ERR_KERNEL_DESTROYED.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SIZE_CLASSES, type BackendName, type CostTable } from '../../src/kernels/index.js';
import type { Registry } from '../../src/kernels/registry.js';
import { loadTestKernels } from './registry-helpers.js';

const ALG = 'chacha20-poly1305';

/** Costs that make `fast` the cheapest backend at every size and leave the others where they were. */
function costsFavouring(registry: Registry, fast: BackendName): CostTable {
  const costs = structuredClone(registry.state.costs);
  costs[ALG] = { ...costs[ALG], [fast]: SIZE_CLASSES.map(() => 1) };
  return costs;
}

/** Counts the AEADs each backend hands out for ALG from now on. */
function countCreations(registry: Registry): Map<BackendName, number> {
  const made = new Map<BackendName, number>();
  for (const entry of registry.state.entries.values()) {
    const backend = entry.backend;
    if (backend === undefined) continue;
    const original = backend.aead.bind(backend);
    backend.aead = (alg) => {
      if (alg === ALG) made.set(entry.name, (made.get(entry.name) ?? 0) + 1);
      return original(alg);
    };
  }
  return made;
}

describe('automatic AEAD dispatch', () => {
  it('seals and opens at every size class boundary, equal to a forced backend', async () => {
    const registry = await loadTestKernels();
    const auto = registry.aead(ALG);
    const reference = registry.aead(ALG, { backend: 'native' });
    const key = randomBytes(32);
    const nonce = randomBytes(12);
    for (const size of [0, 1, ...SIZE_CLASSES.flatMap((s) => [s - 1, s, s + 1]), 70_000]) {
      const plaintext = randomBytes(size);
      const sealed = auto.seal(key, nonce, plaintext);
      expect(Buffer.from(sealed).equals(Buffer.from(reference.seal(key, nonce, plaintext)))).toBe(true);
      expect(Buffer.from(auto.open(key, nonce, sealed)).equals(plaintext)).toBe(true);
    }
  });

  it('moves to a newly chosen backend on the next message, fast path included', async () => {
    const registry = (await loadTestKernels()) as Registry;
    const auto = registry.aead(ALG);
    const key = randomBytes(32);
    const nonce = randomBytes(12);
    const small = randomBytes(64);
    const sealed = auto.seal(key, nonce, small);
    const made = countCreations(registry);
    const target: BackendName = registry.chosen(ALG, 64) === 'js' ? 'native' : 'js';
    registry.install(registry.state.entries.get(target)!, costsFavouring(registry, target));
    expect(registry.chosen(ALG, 64)).toBe(target);
    expect(Buffer.from(auto.seal(key, nonce, small)).equals(Buffer.from(sealed))).toBe(true);
    expect(made.get(target)).toBe(1);
    expect(Buffer.from(auto.open(key, nonce, sealed)).equals(small)).toBe(true);
    expect(made.get(target)).toBe(1); // open reuses the instance made for seal
  });

  it('refuses every size once destroyed', async () => {
    const registry = await loadTestKernels();
    const auto = registry.aead(ALG);
    const key = randomBytes(32);
    const nonce = randomBytes(12);
    const sealed = auto.seal(key, nonce, randomBytes(64));
    auto.destroy();
    for (const size of [0, 64, 65_536]) {
      expect(() => auto.seal(key, nonce, new Uint8Array(size))).toThrow(expect.objectContaining({ code: 'ERR_KERNEL_DESTROYED' }));
    }
    expect(() => auto.open(key, nonce, sealed)).toThrow(expect.objectContaining({ code: 'ERR_KERNEL_DESTROYED' }));
  });
});
