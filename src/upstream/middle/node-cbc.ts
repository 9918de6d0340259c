/**
 * AES-256-CBC on node:crypto in the shape of the kernel registry's cbc() (docs/protocol.md "Middle proxy"):
 * middle mode's fallback when the kernel registry could not be loaded, and the test middle proxy's own cipher
 * (so the link and its peer check each other rather than share one implementation).
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { CbcSource } from './rpc-channel.js';

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
