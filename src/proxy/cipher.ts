/**
 * Where the relay gets its AES-256-CTR streams: the kernel registry (src/kernels) when it is loaded, or a
 * node:crypto adapter with the same shape (src/kernels/types.ts StreamCipher). The relay works in place
 * where the backend can (`transform`).
 */
import { createCipheriv } from 'node:crypto';
import type { StreamCipher } from '../kernels/types.js';

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
      release() {}, // OpenSSL keeps the context until destroy
      destroy() {
        cipher = undefined;
      },
    };
  },
};
