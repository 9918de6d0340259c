/**
 * Argument checks shared by every backend, so a wrong key or nonce length gives the same typed error whatever
 * backend would have served the call. Lengths per algorithm: SP 800-38A (AES-256 CTR/CBC: key 32, IV 16),
 * RFC 8439 (ChaCha20-Poly1305: key 32, nonce 12), draft-irtf-cfrg-xchacha (key 32, nonce 24),
 * SP 800-38D as used here (AES-GCM: key 16 or 32 by algorithm, nonce 12 only).
 */
import type { AeadAlgorithm } from './types.js';
import { KernelBadKeyLengthError, KernelBadLengthError, KernelBadNonceLengthError } from './errors.js';

export const TAG_LENGTH = 16;

const AEAD_KEY: Record<AeadAlgorithm, number> = {
  'chacha20-poly1305': 32,
  'xchacha20-poly1305': 32,
  'aes-128-gcm': 16,
  'aes-256-gcm': 32,
};

const AEAD_NONCE: Record<AeadAlgorithm, number> = {
  'chacha20-poly1305': 12,
  'xchacha20-poly1305': 24,
  'aes-128-gcm': 12,
  'aes-256-gcm': 12,
};

function lengthOf(bytes: unknown): string {
  return bytes instanceof Uint8Array ? String(bytes.length) : 'a non-Uint8Array';
}

export function aeadKeyLength(alg: AeadAlgorithm): number {
  return AEAD_KEY[alg];
}

export function aeadNonceLength(alg: AeadAlgorithm): number {
  return AEAD_NONCE[alg];
}

export function checkAeadArgs(alg: AeadAlgorithm, key: Uint8Array, nonce: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== AEAD_KEY[alg]) {
    throw new KernelBadKeyLengthError(`${alg}: key must be ${AEAD_KEY[alg]} bytes, got ${lengthOf(key)}`);
  }
  if (!(nonce instanceof Uint8Array) || nonce.length !== AEAD_NONCE[alg]) {
    throw new KernelBadNonceLengthError(`${alg}: nonce must be ${AEAD_NONCE[alg]} bytes, got ${lengthOf(nonce)}`);
  }
}

export function checkSealedLength(alg: AeadAlgorithm, sealed: Uint8Array): void {
  if (sealed.length < TAG_LENGTH) {
    throw new KernelBadLengthError(`${alg}: sealed input shorter than the ${TAG_LENGTH}-byte tag (${sealed.length})`);
  }
}

export function checkAes256Args(what: string, key: Uint8Array, iv: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== 32) throw new KernelBadKeyLengthError(`${what}: key must be 32 bytes, got ${lengthOf(key)}`);
  if (!(iv instanceof Uint8Array) || iv.length !== 16) throw new KernelBadNonceLengthError(`${what}: IV must be 16 bytes, got ${lengthOf(iv)}`);
}

export function checkCbcLength(length: number): void {
  if (length % 16 !== 0) throw new KernelBadLengthError(`aes-256-cbc: length ${length} is not a multiple of 16`);
}

/**
 * A fresh output array of `length` bytes that the caller fully overwrites. Small outputs come from Node's Buffer
 * pool (a typed array above 64 bytes otherwise costs an off-heap allocation of ≈300 ns, more than a 64-byte WASM
 * seal): the result is a Uint8Array (a Buffer) that may share its ArrayBuffer with other pooled Buffers, as
 * Buffer.allocUnsafe() results do — read it through byteOffset/length, never through .buffer alone.
 */
export function allocOutput(length: number): Uint8Array {
  return length < 4096 ? Buffer.allocUnsafe(length) : new Uint8Array(length);
}

/** The output buffer for `update(data, out?)`: `out` must be at least as long as `data`. */
export function outputFor(data: Uint8Array, out: Uint8Array | undefined): Uint8Array {
  if (out === undefined) return allocOutput(data.length);
  if (out.length < data.length) {
    throw new KernelBadLengthError(`output buffer of ${out.length} bytes is shorter than the input (${data.length})`);
  }
  return out.length === data.length ? out : out.subarray(0, data.length);
}

/** Constant-time equality of two equal-length byte strings (tags): no early exit, no data-dependent branch. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false; // lengths are public
  return constantTimeEqualAt(a, 0, b, 0, a.length);
}

/** Constant-time comparison of `length` bytes at a[aOffset..] and b[bOffset..] (no subarray allocation). */
export function constantTimeEqualAt(a: Uint8Array, aOffset: number, b: Uint8Array, bOffset: number, length: number): boolean {
  if (aOffset + length > a.length || bOffset + length > b.length) return false; // bounds are public
  let diff = 0;
  for (let i = 0; i < length; i++) diff |= a[aOffset + i]! ^ b[bOffset + i]!;
  return diff === 0;
}
