// AES-128-GCM / AES-256-GCM (NIST SP 800-38D) with 96-bit nonces, incremental: gcmInit, then gcmAad any number
// of times with any lengths, then gcmEncrypt or gcmDecrypt (one direction per context) in any chunks, then
// gcmFinal writes the 16-byte tag (JS compares tags in constant time and releases plaintext only on a match).
// ABI: docs/kernel-abi.md. Calls out of order give BAD_STATE (-5): AAD after data, data or final after final.
//
// Constant time: the keystream comes from the AES cores of assembly/aes (swizzle lookups / bitsliced gates,
// see aes/index.ts); GHASH multiplies with integer multiplies on operands with holes (ghash.ts): every block
// runs the same instructions whatever the key, data or tag. Branches depend only on lengths and call order.
// The 32-bit block counter starts at 2 (J0 = nonce || 1 masks the tag) and wraps mod 2^32 as the spec says;
// a message longer than 2^36 - 32 bytes is refused with BAD_LENGTH (-3).
//
// Context (gcmCtxSize() bytes: 1088 SIMD build, 1536 scalar build; 64-byte aligned):
//   off   size
//   0     4     state: 0 no key, 1 AAD, 2 data, 3 done
//   4     4     direction: 0 not yet, 1 encrypt, 2 decrypt
//   8     4     bytes pending in the partial GHASH block (0..15)
//   12    4     used bytes of the keystream buffer (64 = empty)
//   16    8     AAD length (bytes)          24  8  data length (bytes)
//   32    4     next 32-bit block counter   36  12 (unused)
//   48    16    GHASH accumulator Y (u64 hi, u64 lo: the block as a big-endian integer)
//   64    16    counter block base: nonce || (counter, rewritten per block)
//   80    16    E(K, J0), the tag mask
//   96    16    partial GHASH block (AAD, then ciphertext)
//   112   K     H pre-split for the multiplier: K = 576 (SIMD: 9 operands x 4 lane-mask vectors) or 288
//               (scalar: 9 operands x 4 masked u64)
//   112+K 64    keystream buffer (4 blocks)
//   176+K ...   AES context without decryption keys (336 bytes SIMD, 1056 scalar), see aes/index.ts
// Only H is kept: folding 4 blocks per reduction with H^2..H^4 measured no faster (the 9 partial products per
// block dominate and are independent anyway) and cost ~0.3 us of key setup per message.
export { gcmCtxSize, gcmInit, gcmAad, gcmFinal } from './gcm';
import { gcmData } from './gcm';

/** Encrypts len bytes in place and absorbs the ciphertext (any chunking). */
export function gcmEncrypt(ctx: usize, ptr: usize, len: i32): i32 {
  return gcmData(ctx, ptr, len, false);
}

/** Absorbs the ciphertext and decrypts len bytes in place (any chunking). JS releases nothing before the tag matches. */
export function gcmDecrypt(ctx: usize, ptr: usize, len: i32): i32 {
  return gcmData(ctx, ptr, len, true);
}
