/**
 * The `native` backend: node:crypto (OpenSSL). AES-256-CTR / AES-256-CBC (SP 800-38A, no padding),
 * AES-GCM (SP 800-38D), ChaCha20-Poly1305 (RFC 8439); XChaCha20-Poly1305, which OpenSSL lacks, is composed from
 * native parts in native-xchacha.ts. OpenSSL's CTR increments the full 128-bit big-endian counter block, as
 * MTProto obfuscation needs.
 */
import { createCipheriv, createDecipheriv, type Cipher, type Decipher } from 'node:crypto';
import { ALGORITHMS, type AeadAlgorithm, type Algorithm, type Aead, type Backend, type CbcCipher, type CbcDirection, type StreamCipher } from '../types.js';
import { KernelAuthFailedError, KernelDestroyedError } from '../errors.js';
import { allocOutput, checkAeadArgs, checkAes256Args, checkCbcLength, checkSealedLength, outputFor, TAG_LENGTH } from '../validate.js';
import { nativeXChaChaSeal, nativeXChaChaOpen } from './native-xchacha.js';

const OPENSSL_AEAD: Record<Exclude<AeadAlgorithm, 'xchacha20-poly1305'>, string> = {
  'chacha20-poly1305': 'chacha20-poly1305',
  'aes-128-gcm': 'aes-128-gcm',
  'aes-256-gcm': 'aes-256-gcm',
};

function deliver(result: Uint8Array, data: Uint8Array, out: Uint8Array | undefined): Uint8Array {
  if (out === undefined) return result;
  const target = outputFor(data, out);
  target.set(result);
  return target;
}

export class NativeCtr implements StreamCipher {
  private cipher: Cipher | undefined;

  constructor(key: Uint8Array, iv: Uint8Array) {
    checkAes256Args('aes-256-ctr', key, iv);
    this.cipher = createCipheriv('aes-256-ctr', key, iv);
  }

  update(data: Uint8Array, out?: Uint8Array): Uint8Array {
    const cipher = this.cipher;
    if (cipher === undefined) throw new KernelDestroyedError('aes-256-ctr');
    return deliver(cipher.update(data), data, out);
  }

  /** node:crypto cannot work in place: its fresh output is the result. */
  transform(data: Uint8Array): Uint8Array {
    const cipher = this.cipher;
    if (cipher === undefined) throw new KernelDestroyedError('aes-256-ctr');
    return cipher.update(data);
  }

  /** Nothing to drop: OpenSSL keeps the context until destroy(). */
  release(): void {}

  destroy(): void {
    this.cipher = undefined; // OpenSSL frees (and cleanses) the context when the object is collected
  }
}

export class NativeCbc implements CbcCipher {
  private cipher: Cipher | Decipher | undefined;

  constructor(direction: CbcDirection, key: Uint8Array, iv: Uint8Array) {
    checkAes256Args('aes-256-cbc', key, iv);
    const cipher = direction === 'encrypt' ? createCipheriv('aes-256-cbc', key, iv) : createDecipheriv('aes-256-cbc', key, iv);
    cipher.setAutoPadding(false);
    this.cipher = cipher;
  }

  update(data: Uint8Array, out?: Uint8Array): Uint8Array {
    const cipher = this.cipher;
    if (cipher === undefined) throw new KernelDestroyedError('aes-256-cbc');
    checkCbcLength(data.length);
    return deliver(cipher.update(data), data, out);
  }

  destroy(): void {
    this.cipher = undefined;
  }
}

export class NativeAead implements Aead {
  private destroyed = false;

  constructor(private readonly alg: AeadAlgorithm) {}

  seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array {
    this.live();
    checkAeadArgs(this.alg, key, nonce);
    if (this.alg === 'xchacha20-poly1305') return nativeXChaChaSeal(key, nonce, plaintext, aad);
    return nativeSeal(OPENSSL_AEAD[this.alg], key, nonce, plaintext, aad);
  }

  open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array {
    this.live();
    checkAeadArgs(this.alg, key, nonce);
    checkSealedLength(this.alg, sealed);
    if (this.alg === 'xchacha20-poly1305') return nativeXChaChaOpen(key, nonce, sealed, aad);
    return nativeOpen(OPENSSL_AEAD[this.alg], this.alg, key, nonce, sealed, aad);
  }

  destroy(): void {
    this.destroyed = true;
  }

  private live(): void {
    if (this.destroyed) throw new KernelDestroyedError(this.alg);
  }
}

/** ct ‖ tag with an OpenSSL AEAD (authTagLength 16). Arguments are already checked. */
export function nativeSeal(cipherName: string, key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array {
  const cipher = createCipheriv(cipherName as 'aes-256-gcm', key, nonce, { authTagLength: TAG_LENGTH });
  if (aad !== undefined && aad.length > 0) cipher.setAAD(aad);
  const out = allocOutput(plaintext.length + TAG_LENGTH);
  if (plaintext.length > 0) out.set(cipher.update(plaintext));
  cipher.final();
  out.set(cipher.getAuthTag(), plaintext.length);
  return out;
}

/** Opens ct ‖ tag; on a bad tag wipes what was decrypted and throws ERR_KERNEL_AUTH_FAILED. */
export function nativeOpen(cipherName: string, alg: string, key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array {
  const ctLength = sealed.length - TAG_LENGTH;
  const decipher = createDecipheriv(cipherName as 'aes-256-gcm', key, nonce, { authTagLength: TAG_LENGTH });
  decipher.setAuthTag(sealed.subarray(ctLength));
  if (aad !== undefined && aad.length > 0) decipher.setAAD(aad);
  const plaintext = ctLength > 0 ? decipher.update(sealed.subarray(0, ctLength)) : new Uint8Array(0);
  try {
    decipher.final();
  } catch {
    plaintext.fill(0);
    throw new KernelAuthFailedError(alg);
  }
  return plaintext;
}

// node:crypto serves every algorithm (XChaCha20-Poly1305 composed from its ChaCha20 parts).
const NATIVE_ALGORITHMS: ReadonlySet<Algorithm> = new Set<Algorithm>(ALGORITHMS);

export function createNativeBackend(): Backend {
  return {
    name: 'native',
    supports: (alg) => NATIVE_ALGORITHMS.has(alg),
    ctr: (key, iv) => new NativeCtr(key, iv),
    cbc: (direction, key, iv) => new NativeCbc(direction, key, iv),
    aead: (alg) => new NativeAead(alg),
  };
}
