/**
 * 128-bit big-endian counter arithmetic for AES-CTR (SP 800-38A §B.1 with the whole block as the counter, as
 * MTProto obfuscation uses it): the counter block for stream offset X is IV + floor(X / 16) mod 2^128.
 */

/** Writes IV + blocks (mod 2^128, big-endian) into `out` (16 bytes). `blocks` is a non-negative safe integer. */
export function counterAt(iv: Uint8Array, blocks: number, out = new Uint8Array(16)): Uint8Array {
  let carry = blocks;
  for (let i = 15; i >= 0; i--) {
    const sum = iv[i]! + (carry % 256);
    out[i] = sum & 0xff;
    carry = Math.floor(carry / 256) + (sum >> 8);
  }
  return out;
}
