/**
 * Reference outputs computed outside the registry: node:crypto (OpenSSL) for AES-CTR (SP 800-38A, full
 * 128-bit big-endian counter), AES-CBC without padding, ChaCha20-Poly1305 (RFC 8439) and AES-GCM
 * (SP 800-38D); @noble/ciphers for XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha), which OpenSSL lacks.
 * Every backend must reproduce these bytes before it is timed.
 */
import { createCipheriv, createDecipheriv, type CipherGCMTypes, type CipherChaCha20Poly1305Types } from 'node:crypto';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import type { Algorithm } from './catalog.js';

const TAG_LENGTH = 16;

export function oracleStream(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const cipher = createCipheriv('aes-256-ctr', key, iv);
  return concat(cipher.update(data), cipher.final());
}

export function oracleCbc(key: Uint8Array, iv: Uint8Array, data: Uint8Array, direction: 'encrypt' | 'decrypt'): Uint8Array {
  const cipher = direction === 'encrypt' ? createCipheriv('aes-256-cbc', key, iv) : createDecipheriv('aes-256-cbc', key, iv);
  cipher.setAutoPadding(false);
  return concat(cipher.update(data), cipher.final());
}

/** ciphertext ‖ 16-byte tag, the registry's `seal` layout. */
export function oracleSeal(alg: Algorithm, key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): Uint8Array {
  if (alg === 'xchacha20-poly1305') return xchacha20poly1305(key, nonce).encrypt(plaintext);
  if (alg === 'chacha20-poly1305') {
    const name: CipherChaCha20Poly1305Types = 'chacha20-poly1305';
    const cipher = createCipheriv(name, key, nonce, { authTagLength: TAG_LENGTH });
    return concat(cipher.update(plaintext), cipher.final(), cipher.getAuthTag());
  }
  if (alg === 'aes-128-gcm' || alg === 'aes-256-gcm') {
    const name: CipherGCMTypes = alg;
    const cipher = createCipheriv(name, key, nonce, { authTagLength: TAG_LENGTH });
    return concat(cipher.update(plaintext), cipher.final(), cipher.getAuthTag());
  }
  throw new Error(`${alg} is not an AEAD`);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
