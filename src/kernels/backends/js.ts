/**
 * The `js` backend: @noble/ciphers (pure JavaScript, audited). Used as a portable fallback and as a second
 * opinion in tests. Noble's AES uses lookup tables (not constant time), so the registry only chooses it when
 * nothing else passed its self-tests. Streams are carried across calls here: noble's CTR and CBC are one-shot.
 *   CTR: counter block = IV + blocks consumed (counter.ts); a partial block's keystream is kept for the next call.
 *   CBC: the next IV is the last ciphertext block (SP 800-38A §6.2).
 */
import { cbc, ctr, gcm } from '@noble/ciphers/aes.js';
import { chacha20poly1305, xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import type { AeadAlgorithm, Aead, Backend, CbcCipher, CbcDirection, StreamCipher } from '../types.js';
import { KernelAuthFailedError, KernelDestroyedError } from '../errors.js';
import { checkAeadArgs, checkAes256Args, checkCbcLength, checkSealedLength, outputFor } from '../validate.js';
import { counterAt } from '../counter.js';

class JsCtr implements StreamCipher {
  private key: Uint8Array | undefined;
  private readonly iv: Uint8Array;
  private blocks = 0; // full keystream blocks consumed (public)
  private readonly partial = new Uint8Array(16); // keystream of the current partial block
  private partialUsed = 16; // bytes of `partial` already used (16 = none left)

  constructor(key: Uint8Array, iv: Uint8Array) {
    checkAes256Args('aes-256-ctr', key, iv);
    this.key = Uint8Array.from(key);
    this.iv = Uint8Array.from(iv);
  }

  update(data: Uint8Array, out?: Uint8Array): Uint8Array {
    const key = this.key;
    if (key === undefined) throw new KernelDestroyedError('aes-256-ctr');
    const dst = outputFor(data, out);
    let pos = 0;
    while (pos < data.length && this.partialUsed < 16) {
      dst[pos] = data[pos]! ^ this.partial[this.partialUsed++]!;
      pos++;
    }
    const fullBytes = (data.length - pos) & ~15;
    if (fullBytes > 0) {
      const ks = ctr(key, counterAt(this.iv, this.blocks)).encrypt(data.subarray(pos, pos + fullBytes));
      dst.set(ks, pos);
      this.blocks += fullBytes / 16;
      pos += fullBytes;
    }
    if (pos < data.length) {
      this.partial.set(ctr(key, counterAt(this.iv, this.blocks)).encrypt(new Uint8Array(16)));
      this.blocks += 1;
      this.partialUsed = 0;
      while (pos < data.length) {
        dst[pos] = data[pos]! ^ this.partial[this.partialUsed++]!;
        pos++;
      }
    }
    return dst;
  }

  /** In place. */
  transform(data: Uint8Array): Uint8Array {
    return this.update(data, data);
  }

  /** Nothing to drop: the context lives until destroy(). */
  release(): void {}

  destroy(): void {
    this.key?.fill(0);
    this.partial.fill(0);
    this.key = undefined;
  }
}

class JsCbc implements CbcCipher {
  private key: Uint8Array | undefined;
  private readonly iv: Uint8Array;

  constructor(private readonly direction: CbcDirection, key: Uint8Array, iv: Uint8Array) {
    checkAes256Args('aes-256-cbc', key, iv);
    this.key = Uint8Array.from(key);
    this.iv = Uint8Array.from(iv);
  }

  update(data: Uint8Array, out?: Uint8Array): Uint8Array {
    const key = this.key;
    if (key === undefined) throw new KernelDestroyedError('aes-256-cbc');
    checkCbcLength(data.length);
    const dst = outputFor(data, out);
    if (data.length === 0) return dst;
    const mode = cbc(key, this.iv, { disablePadding: true });
    if (this.direction === 'encrypt') {
      dst.set(mode.encrypt(data));
      this.iv.set(dst.subarray(dst.length - 16));
    } else {
      const nextIv = data.slice(data.length - 16); // copy first: dst may be data
      dst.set(mode.decrypt(data));
      this.iv.set(nextIv);
    }
    return dst;
  }

  destroy(): void {
    this.key?.fill(0);
    this.key = undefined;
  }
}

type NobleAead = (key: Uint8Array, nonce: Uint8Array, aad?: Uint8Array) => {
  encrypt(data: Uint8Array): Uint8Array;
  decrypt(data: Uint8Array): Uint8Array;
};

const NOBLE_AEAD: Record<AeadAlgorithm, NobleAead> = {
  'chacha20-poly1305': chacha20poly1305,
  'xchacha20-poly1305': xchacha20poly1305,
  'aes-128-gcm': gcm,
  'aes-256-gcm': gcm,
};

class JsAead implements Aead {
  private destroyed = false;

  constructor(private readonly alg: AeadAlgorithm) {}

  seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array {
    if (this.destroyed) throw new KernelDestroyedError(this.alg);
    checkAeadArgs(this.alg, key, nonce);
    return NOBLE_AEAD[this.alg](key, nonce, aad?.length ? aad : undefined).encrypt(plaintext);
  }

  open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array {
    if (this.destroyed) throw new KernelDestroyedError(this.alg);
    checkAeadArgs(this.alg, key, nonce);
    checkSealedLength(this.alg, sealed);
    try {
      // noble verifies the tag (constant time) before decrypting, so nothing is released on failure
      return NOBLE_AEAD[this.alg](key, nonce, aad?.length ? aad : undefined).decrypt(sealed);
    } catch {
      throw new KernelAuthFailedError(this.alg);
    }
  }

  destroy(): void {
    this.destroyed = true;
  }
}

export function createJsBackend(): Backend {
  return {
    name: 'js',
    supports: () => true,
    ctr: (key, iv) => new JsCtr(key, iv),
    cbc: (direction, key, iv) => new JsCbc(direction, key, iv),
    aead: (alg) => new JsAead(alg),
  };
}

