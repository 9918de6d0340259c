/**
 * Corrupted builds and run-time swap: a build patched so it still validates but computes wrong ChaCha results
 * fails its self-test and is never chosen; swap() refuses a wrong hash (old kernel keeps serving), refuses a
 * pinned-but-broken build on its self-test, and installs a valid build for new streams while old ones continue.
 */
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SIZE_CLASSES } from '../../src/kernels/index.js';
import { sha256Hex } from '../../src/kernels/wasm/build.js';
import { AEAD_VECTORS, hex } from '../../src/kernels/verify/vectors.js';
import { writeFileSync } from 'node:fs';
import { buildExportsAlgorithm, corruptedBuild, hexOf, loadTestKernels, recordingLogger, SHIPPED, tempDir } from './registry-helpers.js';

const hasChacha = buildExportsAlgorithm('wasm-simd', 'chacha20-poly1305') && buildExportsAlgorithm('wasm', 'chacha20-poly1305');
const chachaVector = AEAD_VECTORS.find((v) => v.alg === 'chacha20-poly1305')!;

describe.skipIf(!hasChacha)('corrupted builds', () => {
  it.each(['wasm', 'wasm-simd'] as const)('%s: a corrupted build validates, fails its self-test and is never chosen', async (name) => {
    const { path, patched } = corruptedBuild(name);
    expect(patched).toBeGreaterThan(0);
    expect((globalThis as any).WebAssembly.validate(readFileSync(path))).toBe(true);
    const { logger, lines } = recordingLogger();
    const registry = await loadTestKernels({ wasmPaths: { [name]: path }, backend: { 'chacha20-poly1305': name }, logger });
    await new Promise((r) => setImmediate(r));
    expect(lines.some((l) => l['level'] === 50 && l['backend'] === name && l['alg'] === 'chacha20-poly1305' && /self-test failed/.test(String(l['msg'])))).toBe(true);
    const status = registry.status().backends.find((b) => b.name === name)!;
    expect(status.algorithms['chacha20-poly1305'].state).toBe('failed');
    expect(status.algorithms['xchacha20-poly1305'].state).toBe('failed');
    expect(registry.backends('chacha20-poly1305')).not.toContain(name);
    for (const size of SIZE_CLASSES) expect(registry.chosen('chacha20-poly1305', size)).not.toBe(name); // even though forced
    expect(() => registry.aead('chacha20-poly1305', { backend: name })).toThrow(expect.objectContaining({ code: 'ERR_KERNEL_UNSUPPORTED' }));
    // the automatic AEAD still gives the right answer from another backend
    const sealed = registry.aead('chacha20-poly1305').seal(hex(chachaVector.key), hex(chachaVector.nonce), hex(chachaVector.plaintext), hex(chachaVector.aad));
    expect(hexOf(sealed)).toBe(chachaVector.ciphertext + chachaVector.tag);
  });
});

describe.skipIf(!hasChacha)('swap()', () => {
  it('refuses a build whose hash is not pinned; the old kernel keeps serving', async () => {
    const registry = await loadTestKernels();
    const before = registry.status().backends.find((b) => b.name === 'wasm-simd')!.sha256;
    const { path } = corruptedBuild('wasm-simd');
    await expect(registry.swap(path)).rejects.toMatchObject({ code: 'ERR_KERNEL_SWAP_REFUSED', reason: 'hash' });
    expect(registry.status().backends.find((b) => b.name === 'wasm-simd')!.sha256).toBe(before);
    expect(registry.backends('chacha20-poly1305')).toContain('wasm-simd');
    const aead = registry.aead('chacha20-poly1305', { backend: 'wasm-simd' });
    expect(hexOf(aead.seal(hex(chachaVector.key), hex(chachaVector.nonce), hex(chachaVector.plaintext), hex(chachaVector.aad)))).toBe(
      chachaVector.ciphertext + chachaVector.tag,
    );
  });

  it('refuses a pinned build that fails its self-test, and rolls back to the serving build', async () => {
    const { path } = corruptedBuild('wasm');
    const registry = await loadTestKernels({ pinnedSha256: [sha256Hex(readFileSync(path))] });
    const before = registry.status().backends.find((b) => b.name === 'wasm')!.sha256;
    await expect(registry.swap(path)).rejects.toMatchObject({ code: 'ERR_KERNEL_SWAP_REFUSED', reason: 'selftest' });
    expect(registry.status().backends.find((b) => b.name === 'wasm')!.sha256).toBe(before);
    expect(registry.backends('chacha20-poly1305')).toContain('wasm');
  });

  it('refuses a missing file and a non-wasm file', async () => {
    const registry = await loadTestKernels({ pinnedSha256: [] });
    await expect(registry.swap(join(tempDir(), 'nope.wasm'))).rejects.toMatchObject({ reason: 'read' });
    const garbage = join(tempDir(), 'garbage.wasm');
    writeFileSync(garbage, 'not a wasm module');
    const pinned = await loadTestKernels({ pinnedSha256: [sha256Hex(readFileSync(garbage))] });
    await expect(pinned.swap(garbage)).rejects.toMatchObject({ code: 'ERR_KERNEL_SWAP_REFUSED', reason: 'invalid' });
  });

  it('installs a valid pinned build for new streams; existing streams keep their instance', async () => {
    const copy = join(tempDir(), 'mtshield-simd-copy.wasm');
    copyFileSync(SHIPPED['wasm-simd'], copy); // before loading: the default pinned list hashes the shipped builds
    const registry = await loadTestKernels();
    const key = new Uint8Array(32).fill(7);
    const iv = new Uint8Array(16).fill(9);
    const old = registry.stream('aes-256-ctr', key, iv, { backend: 'wasm-simd' });
    const firstHalf = old.update(new Uint8Array(100));
    const result = await registry.swap(copy);
    expect(result).toMatchObject({ ok: true, backend: 'wasm-simd', path: copy, sha256: sha256Hex(readFileSync(copy)) });
    expect(result.algorithms).toContain('chacha20-poly1305');
    expect(registry.status().backends.find((b) => b.name === 'wasm-simd')!.path).toBe(copy);
    // the old stream continues seamlessly on its old instance
    const secondHalf = old.update(new Uint8Array(100));
    const reference = registry.stream('aes-256-ctr', key, iv, { backend: 'native' }).update(new Uint8Array(200));
    expect(hexOf(firstHalf) + hexOf(secondHalf)).toBe(hexOf(reference));
    old.destroy();
    // new streams use the swapped-in build and agree with native
    const fresh = registry.stream('aes-256-ctr', key, iv, { backend: 'wasm-simd' });
    expect(hexOf(fresh.update(new Uint8Array(200)))).toBe(hexOf(reference));
  });
});
