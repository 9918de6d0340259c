/**
 * AES-256-CTR through node:crypto, for the one-off work the protocol layer does itself (the 8 encrypted
 * header bytes, tests, the fake DC and the load generator). The proxy's relay streams come from the kernel
 * registry instead, built from the same CipherParams.
 *
 * CipherParams.iv is always "ready for payload": when the 64-byte header already consumed keystream
 * blocks 0..3 of a direction, the IV handed out is the wire IV advanced by 4 counter blocks, so a fresh
 * stream built from { key, iv } starts exactly at the first payload byte (offset 64,
 * docs/protocol.md "Key derivation").
 */
import { createCipheriv, type Cipher } from 'node:crypto';

export interface CipherParams {
  /** 32-byte AES-256 key. */
  readonly key: Uint8Array;
  /** 16-byte initial counter block (128-bit big-endian), positioned at the first payload byte. */
  readonly iv: Uint8Array;
}

/** One-shot AES-256-CTR (encrypt and decrypt are the same operation). */
export function aesCtr(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const cipher = createCipheriv('aes-256-ctr', key, iv);
  const out = cipher.update(data);
  cipher.final();
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** A node:crypto CTR stream for tests, the fake DC and the load generator (not for the relay hot path). */
export function createCtrStream(params: CipherParams): Cipher {
  return createCipheriv('aes-256-ctr', params.key, params.iv);
}
