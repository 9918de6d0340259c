/**
 * A CBC source on node:crypto for the test middle proxy, so the link (kernel registry CBC) and its peer
 * (OpenSSL) check each other rather than share one implementation.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { CbcSource } from '../../../src/upstream/middle/index.js';

export const nodeCbc: CbcSource = {
  cbc(direction, key, iv) {
    const c = (direction === 'encrypt' ? createCipheriv : createDecipheriv)('aes-256-cbc', key, iv).setAutoPadding(false);
    return {
      update(data: Uint8Array, out?: Uint8Array): Uint8Array {
        const result = c.update(data);
        if (out === undefined) return result;
        out.set(result);
        return out;
      },
      destroy() {},
    };
  },
};
