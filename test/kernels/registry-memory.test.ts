/**
 * Key hygiene in linear memory: after destroy() (streams) or after every call (AEADs) no copy of the key is
 * left anywhere in the instance's memory — context slot, param slot and kernel scratch included.
 */
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { AEAD_ALGORITHMS, type KernelRegistry } from '../../src/kernels/index.js';
import { aeadKeyLength, aeadNonceLength } from '../../src/kernels/validate.js';
import { compileBuild } from '../../src/kernels/wasm/build.js';
import { createWasmBackend } from '../../src/kernels/wasm/backend.js';
import { buildExportsAlgorithm, SHIPPED } from './registry-helpers.js';

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  return Buffer.from(haystack.buffer, haystack.byteOffset, haystack.length).indexOf(Buffer.from(needle)) >= 0;
}

/** A key whose 16-byte halves are distinctive, so finding either half means the key leaked. */
function distinctiveKey(length: number): Uint8Array {
  const key = randomBytes(length);
  key[0] = 0xa5;
  return new Uint8Array(key);
}

describe.each(['wasm', 'wasm-simd'] as const)('%s linear memory', (name) => {
  let backend: ReturnType<typeof createWasmBackend>;
  beforeAll(async () => {
    backend = createWasmBackend(name, await compileBuild(SHIPPED[name]));
  });

  const halves = (key: Uint8Array) => [key.subarray(0, 16), key.subarray(key.length - 16)];

  (buildExportsAlgorithm(name, 'aes-256-ctr') ? it : it.skip)('aes-256-ctr: key present while live, gone after destroy()', () => {
    const key = distinctiveKey(32);
    const s = backend.ctr(key, new Uint8Array(16));
    s.update(new Uint8Array(1000));
    const memory = backend.pool.memories()[0]!;
    // the key schedule's first round key is the key itself in byte order for scalar AES; bitsliced layouts differ,
    // so only the absence after destroy() is asserted
    s.destroy();
    for (const half of halves(key)) expect(contains(memory, half)).toBe(false);
  });

  (buildExportsAlgorithm(name, 'aes-256-cbc') ? it : it.skip)('aes-256-cbc: no key bytes after destroy()', () => {
    const key = distinctiveKey(32);
    const e = backend.cbc('encrypt', key, new Uint8Array(16));
    const d = backend.cbc('decrypt', key, new Uint8Array(16));
    d.update(e.update(new Uint8Array(4096)));
    e.destroy();
    d.destroy();
    for (const mem of backend.pool.memories()) for (const half of halves(key)) expect(contains(mem, half)).toBe(false);
  });

  for (const alg of AEAD_ALGORITHMS) {
    (buildExportsAlgorithm(name, alg) ? it : it.skip)(`${alg}: no key bytes after seal/open and destroy()`, () => {
      const key = distinctiveKey(aeadKeyLength(alg));
      const nonce = new Uint8Array(aeadNonceLength(alg));
      const aead = backend.aead(alg);
      const sealed = aead.seal(key, nonce, new Uint8Array(70_000), new Uint8Array(20));
      aead.open(key, nonce, sealed, new Uint8Array(20));
      for (const mem of backend.pool.memories()) for (const half of halves(key)) expect(contains(mem, half)).toBe(false);
      aead.destroy();
      for (const mem of backend.pool.memories()) for (const half of halves(key)) expect(contains(mem, half)).toBe(false);
    });
  }

  for (const alg of AEAD_ALGORITHMS) {
    (buildExportsAlgorithm(name, alg) ? it : it.skip)(`${alg}: a rejected open leaves no plaintext in linear memory`, () => {
      const key = distinctiveKey(aeadKeyLength(alg));
      const nonce = new Uint8Array(aeadNonceLength(alg));
      const plaintext = new Uint8Array(randomBytes(48));
      const aead = backend.aead(alg);
      const sealed = aead.seal(key, nonce, plaintext);
      sealed[sealed.length - 1]! ^= 1;
      expect(() => aead.open(key, nonce, sealed)).toThrow(expect.objectContaining({ code: 'ERR_KERNEL_AUTH_FAILED' }));
      for (const mem of backend.pool.memories()) expect(contains(mem, plaintext.subarray(0, 16))).toBe(false);
      aead.destroy();
    });
  }

  (buildExportsAlgorithm(name, 'aes-256-ctr') ? it : it.skip)('the search finds a key that is there (the check can fail)', () => {
    const key = distinctiveKey(32);
    const mem = backend.pool.memories()[0]!;
    mem.set(key, backend.pool.primary.ioPtr);
    expect(contains(mem, key.subarray(0, 16))).toBe(true);
    mem.fill(0, backend.pool.primary.ioPtr, backend.pool.primary.ioPtr + 32);
  });
});

describe('registry streams', () => {
  let registry: KernelRegistry;
  beforeAll(async () => {
    const { loadTestKernels } = await import('./registry-helpers.js');
    registry = await loadTestKernels();
  });
  it('every usable wasm backend wipes CTR keys on destroy (through the registry)', () => {
    for (const name of registry.backends('aes-256-ctr').filter((n) => n.startsWith('wasm'))) {
      const key = distinctiveKey(32);
      const s = registry.stream('aes-256-ctr', key, new Uint8Array(16), { backend: name });
      s.update(new Uint8Array(64));
      s.destroy();
      expect(() => s.update(new Uint8Array(1))).toThrow(expect.objectContaining({ code: 'ERR_KERNEL_DESTROYED' }));
    }
  });
});

describe('context arena', () => {
  it.skipIf(!buildExportsAlgorithm('wasm', 'aes-256-ctr'))('a full arena spills into a second instance; freed slots are wiped and reused', async () => {
    const backend = createWasmBackend('wasm', await compileBuild(SHIPPED.wasm));
    const key = new Uint8Array(32).fill(0x5a);
    const iv = new Uint8Array(16);
    const streams = [];
    while (backend.pool.instanceCount < 2) streams.push(backend.ctr(key, iv));
    expect(streams.length).toBeGreaterThan(1000);
    const last = streams[streams.length - 1]!;
    const reference = streams[0]!;
    expect(Buffer.from(last.update(new Uint8Array(100))).toString('hex')).toBe(Buffer.from(reference.update(new Uint8Array(100))).toString('hex'));
    for (const s of streams) s.destroy();
    const again = backend.ctr(key, iv); // reuses a wiped slot, no third instance
    expect(backend.pool.instanceCount).toBe(2);
    again.destroy();
  });
});

describe('streams dropped without destroy()', () => {
  it.skipIf(!buildExportsAlgorithm('wasm', 'aes-256-ctr'))('release their arena slots when collected', async () => {
    const { execFileSync } = await import('node:child_process');
    const { packagePath } = await import('../../src/util/paths.js');
    const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', packagePath('test', 'kernels', 'fixtures', 'orphan-slots.ts')], {
      cwd: packagePath(),
      timeout: 20_000,
      encoding: 'utf8',
    });
    const { before, after } = JSON.parse(out) as { before: number; after: number };
    expect(before).toBe(500);
    expect(after).toBeLessThan(before);
  });
});
