/**
 * Where the relay gets its AES-256-CTR streams: the kernel registry (src/kernels) when it is loaded, or a
 * node:crypto adapter with the same shape. The relay works in place (`update(buf, buf)`).
 */
import { createCipheriv } from 'node:crypto';

export interface StreamCipher {
  update(data: Uint8Array, out?: Uint8Array): Uint8Array;
  /**
   * Optional: encrypt wherever is cheapest (in place, or into a fresh buffer when the backend cannot work in
   * place, as node:crypto cannot); the caller uses the result and no longer relies on `data`.
   */
  transform?(data: Uint8Array): Uint8Array;
  /** Optional: drop per-stream cipher state while idle; the next update re-creates it. */
  release?(): void;
  destroy(): void;
}

/** `cipher.transform(data)` when the cipher has it, else an in-place update. */
export function transform(cipher: StreamCipher, data: Uint8Array): Uint8Array {
  return cipher.transform ? cipher.transform(data) : cipher.update(data, data);
}

/** The part of the kernel registry the data plane uses. */
export interface StreamCipherSource {
  stream(alg: 'aes-256-ctr', key: Uint8Array, iv: Uint8Array): StreamCipher;
}

/** node:crypto AES-256-CTR behind the registry's StreamCipher interface. */
export const nodeCipherSource: StreamCipherSource = {
  stream(_alg, key, iv) {
    let cipher: ReturnType<typeof createCipheriv> | undefined = createCipheriv('aes-256-ctr', key, iv);
    return {
      update(data, out) {
        if (!cipher) throw new Error('stream cipher destroyed');
        const result = cipher.update(data);
        if (!out) return result;
        out.set(result);
        return out.length === data.length ? out : out.subarray(0, data.length);
      },
      transform(data) {
        if (!cipher) throw new Error('stream cipher destroyed');
        return cipher.update(data);
      },
      destroy() {
        cipher = undefined;
      },
    };
  },
};
