/**
 * Typed errors with stable codes for wrong key / IV / nonce lengths, bad CBC lengths, short sealed input, reuse
 * after destroy(), unknown or unusable backends — the same code whatever backend serves the call.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { AEAD_ALGORITHMS, KernelError, type BackendName, type KernelRegistry } from '../../src/kernels/index.js';
import { aeadKeyLength, aeadNonceLength } from '../../src/kernels/validate.js';
import { loadTestKernels } from './registry-helpers.js';

let registry: KernelRegistry;
beforeAll(async () => {
  registry = await loadTestKernels();
});

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(KernelError);
    return (err as KernelError).code;
  }
  return undefined;
}

const backendsOf = (alg: Parameters<KernelRegistry['backends']>[0]): BackendName[] => registry.backends(alg);

describe('typed errors', () => {
  it('aes-256-ctr / aes-256-cbc: key and IV lengths, CBC block multiples, reuse after destroy', () => {
    for (const backend of backendsOf('aes-256-ctr')) {
      expect(code(() => registry.stream('aes-256-ctr', new Uint8Array(16), new Uint8Array(16), { backend }))).toBe('ERR_KERNEL_BAD_KEY_LENGTH');
      expect(code(() => registry.stream('aes-256-ctr', new Uint8Array(32), new Uint8Array(12), { backend }))).toBe('ERR_KERNEL_BAD_NONCE_LENGTH');
      const s = registry.stream('aes-256-ctr', new Uint8Array(32), new Uint8Array(16), { backend });
      expect(code(() => s.update(new Uint8Array(10), new Uint8Array(5)))).toBe('ERR_KERNEL_BAD_LENGTH');
      s.destroy();
      s.destroy(); // idempotent
      expect(code(() => s.update(new Uint8Array(1)))).toBe('ERR_KERNEL_DESTROYED');
    }
    for (const backend of backendsOf('aes-256-cbc')) {
      expect(code(() => registry.cbc('encrypt', new Uint8Array(31), new Uint8Array(16), { backend }))).toBe('ERR_KERNEL_BAD_KEY_LENGTH');
      const c = registry.cbc('decrypt', new Uint8Array(32), new Uint8Array(16), { backend });
      expect(code(() => c.update(new Uint8Array(17)))).toBe('ERR_KERNEL_BAD_LENGTH');
      c.destroy();
      expect(code(() => c.update(new Uint8Array(16)))).toBe('ERR_KERNEL_DESTROYED');
    }
  });

  it('AEADs: key and nonce lengths, short sealed input, reuse after destroy', () => {
    for (const alg of AEAD_ALGORITHMS) {
      const k = aeadKeyLength(alg);
      const n = aeadNonceLength(alg);
      for (const backend of backendsOf(alg)) {
        const aead = registry.aead(alg, { backend });
        expect(code(() => aead.seal(new Uint8Array(k + 1), new Uint8Array(n), new Uint8Array(3)))).toBe('ERR_KERNEL_BAD_KEY_LENGTH');
        expect(code(() => aead.seal(new Uint8Array(k), new Uint8Array(n - 1), new Uint8Array(3)))).toBe('ERR_KERNEL_BAD_NONCE_LENGTH');
        expect(code(() => aead.open(new Uint8Array(k), new Uint8Array(n + 1), new Uint8Array(20)))).toBe('ERR_KERNEL_BAD_NONCE_LENGTH');
        expect(code(() => aead.open(new Uint8Array(k), new Uint8Array(n), new Uint8Array(15)))).toBe('ERR_KERNEL_BAD_LENGTH');
        aead.destroy();
        expect(code(() => aead.seal(new Uint8Array(k), new Uint8Array(n), new Uint8Array(3)))).toBe('ERR_KERNEL_DESTROYED');
      }
      const auto = registry.aead(alg);
      auto.destroy();
      expect(code(() => auto.open(new Uint8Array(k), new Uint8Array(n), new Uint8Array(16)))).toBe('ERR_KERNEL_DESTROYED');
    }
  });

  it('unknown algorithm or unusable backend → ERR_KERNEL_UNSUPPORTED', () => {
    expect(code(() => registry.aead('aes-192-gcm' as never))).toBe('ERR_KERNEL_UNSUPPORTED');
    expect(code(() => registry.stream('aes-256-cbc' as never, new Uint8Array(32), new Uint8Array(16)))).toBe('ERR_KERNEL_UNSUPPORTED');
    expect(code(() => registry.stream('aes-256-ctr', new Uint8Array(32), new Uint8Array(16), { backend: 'nope' as BackendName }))).toBe(
      'ERR_KERNEL_UNSUPPORTED',
    );
  });
});
