/**
 * XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha-03 §2.3) from native parts, since OpenSSL has no XChaCha.
 *
 * HChaCha20 from one native 'chacha20' keystream block: OpenSSL's chacha20 IV is 16 bytes that fill state
 * words 12..15 (counter ‖ 96-bit nonce), exactly where HChaCha20 puts its 16-byte nonce:
 *
 *   state  = c0 c1 c2 c3 | k0 .. k7 | n0 n1 n2 n3        (words, little-endian)
 *   block  = rounds(state) + state                       (RFC 8439 §2.3)
 *   HChaCha20 = rounds(state) words 0..3 ‖ 12..15  =  block[i] − state[i]  for those i
 *
 * Then ChaCha20-Poly1305 under the subkey with nonce 0x00000000 ‖ nonce[16..24].
 */
import { createCipheriv } from 'node:crypto';
import { nativeOpen, nativeSeal } from './native.js';

const SIGMA = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]; // "expand 32-byte k"
const ZERO_BLOCK = new Uint8Array(64);

/** HChaCha20(key, nonce16) → 32-byte subkey, via one native chacha20 block. */
export function nativeHChaCha20(key: Uint8Array, nonce16: Uint8Array, out = new Uint8Array(32)): Uint8Array {
  const block = createCipheriv('chacha20', key, nonce16).update(ZERO_BLOCK);
  const bv = new DataView(block.buffer, block.byteOffset, 64);
  const nv = new DataView(nonce16.buffer, nonce16.byteOffset, 16);
  const ov = new DataView(out.buffer, out.byteOffset, 32);
  for (let i = 0; i < 4; i++) {
    ov.setUint32(i * 4, (bv.getUint32(i * 4, true) - SIGMA[i]!) >>> 0, true);
    ov.setUint32(16 + i * 4, (bv.getUint32(48 + i * 4, true) - nv.getUint32(i * 4, true)) >>> 0, true);
  }
  block.fill(0);
  return out;
}

function subkeyAndNonce(key: Uint8Array, nonce: Uint8Array): { subkey: Uint8Array; nonce12: Uint8Array } {
  const subkey = nativeHChaCha20(key, nonce.subarray(0, 16));
  const nonce12 = new Uint8Array(12);
  nonce12.set(nonce.subarray(16, 24), 4);
  return { subkey, nonce12 };
}

export function nativeXChaChaSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array {
  const { subkey, nonce12 } = subkeyAndNonce(key, nonce);
  try {
    return nativeSeal('chacha20-poly1305', subkey, nonce12, plaintext, aad);
  } finally {
    subkey.fill(0);
  }
}

export function nativeXChaChaOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array {
  const { subkey, nonce12 } = subkeyAndNonce(key, nonce);
  try {
    return nativeOpen('chacha20-poly1305', 'xchacha20-poly1305', subkey, nonce12, sealed, aad);
  } finally {
    subkey.fill(0);
  }
}
