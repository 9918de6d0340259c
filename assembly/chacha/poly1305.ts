// Poly1305 one-time authenticator (RFC 8439 section 2.5), constant time.
//
// Radix 2^32: h = h0 + h1 2^32 + h2 2^64 + h3 2^96 + h4 2^128 with r = r0..r3 as clamped 32-bit words, so
// r0 < 2^28 and r1..r3 < 2^28 are multiples of 4. A product term landing at 2^128 or above folds back as
// 2^128 = 5/4 (mod 2^130 - 5), and 5/4 * r_k = r_k + (r_k >> 2) = s_k is exact. WebAssembly has only a
// 64x64->64 multiply, so the limbs are kept small enough that every column sum fits 64 bits: 21 multiplies
// per block. For speed (short dependency chains) nothing carries where it need not:
//   - the message words are added without a carry chain (limbs may hold up to 34 bits), and
//   - the column sums carry one step in parallel (d_k >> 32 into limb k + 1), not a rippling chain.
// Between blocks h0 < 2.25 * 2^32, h1..h3 < 1.88 * 2^32 and h4 <= 3 (a fixed point checked with exact
// bounds: the largest column sum stays below 0.88 * 2^64). poly1305Finish ripples the carries fully.
// No branch or memory index depends on the key, the message or the tag.
//
//   per block:  h_k += m_k;  h4 += 2^128 bit
//               d0 = h0 r0 + h1 s3 + h2 s2 + h3 s1
//               d1 = h0 r1 + h1 r0 + h2 s3 + h3 s2 + h4 s1
//               d2 = h0 r2 + h1 r1 + h2 r0 + h3 s3 + h4 s2
//               d3 = h0 r3 + h1 r2 + h2 r1 + h3 r0 + h4 s3
//               t = h4 r0 + (d3 >> 32);  h_k = (d_k mod 2^32) + (d_k-1 >> 32);  h0 += 5 (t >> 2);  h4 = t & 3
//
// Poly1305 context (POLY_CTX_SIZE = 192 bytes, 64-byte aligned by JS):
//
//   offset  size  field
//   ------  ----  --------------------------------------------------------------
//        0    16  r0..r3   u32, clamped r
//       16    12  s1..s3   u32, r_k + (r_k >> 2)
//       28     4  (zero)
//       32    40  h0..h4   u64, accumulator (partially reduced)
//       72    16  pad      key bytes 16..31 (added at the end)
//       88     4  buffered u32, bytes waiting in `buffer` (0..15)
//       92     4  phase    u32, 0 = uninitialised, 1 = absorbing, 2 = finished
//       96    16  buffer   a partial 16-byte block
//      112    16  (reserved, zero)

// poly1305Finish wipes everything but the phase.

import { copyWords, zero16s } from './bytes';

export const POLY_CTX_SIZE: i32 = 192;
export const POLY_R: usize = 0;
export const POLY_S: usize = 16;
export const POLY_H: usize = 32;
export const POLY_PAD: usize = 72;
export const POLY_BUFFERED: usize = 88;
export const POLY_PHASE: usize = 92;
export const POLY_BUFFER: usize = 96;
export const POLY_FENCE: usize = 128;

export const POLY_ABSORBING: u32 = 1;
export const POLY_FINISHED: u32 = 2;
export const HIBIT: u64 = 1;

const M32: u64 = 0xffffffff;

// @ts-ignore: decorator
@inline function copyBytes(dst: usize, src: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<u8>(dst + <usize>i, load<u8>(src + <usize>i));
}

/** Loads r (clamped), s and the pad from a 32-byte one-time key; clears h and the buffer. */
export function poly1305Setup(p: usize, key: usize): void {
  store<u32>(p + POLY_R, load<u32>(key, 0) & 0x0fffffff);
  for (let i: usize = 1; i < 4; i++) {
    const r = load<u32>(key + 4 * i) & 0x0ffffffc;
    store<u32>(p + POLY_R + 4 * i, r);
    store<u32>(p + POLY_S + 4 * (i - 1), r + (r >> 2));
  }
  store<u32>(p + POLY_S + 12, 0);
  zero16s(p + POLY_H, 32);
  store<u64>(p + POLY_H + 32, 0);
  copyWords(p + POLY_PAD, key + 16, 16);
  store<u32>(p + POLY_BUFFERED, 0);
  store<u32>(p + POLY_PHASE, POLY_ABSORBING);
  zero16s(p + POLY_BUFFER, 16);
}

/**
 * Absorbs `n` whole 16-byte blocks from `m`. `hibit` is 1 for ordinary blocks (the 2^128 bit) and 0 for the
 * final, already padded partial block. The stitched loop in chacha20-simd.ts repeats this block step.
 */
export function poly1305Blocks(p: usize, m: usize, n: i32, hibit: u64): void {
  const r0 = <u64>load<u32>(p + POLY_R, 0), r1 = <u64>load<u32>(p + POLY_R, 4);
  const r2 = <u64>load<u32>(p + POLY_R, 8), r3 = <u64>load<u32>(p + POLY_R, 12);
  const s1 = <u64>load<u32>(p + POLY_S, 0), s2 = <u64>load<u32>(p + POLY_S, 4), s3 = <u64>load<u32>(p + POLY_S, 8);
  let h0 = load<u64>(p + POLY_H, 0), h1 = load<u64>(p + POLY_H, 8), h2 = load<u64>(p + POLY_H, 16);
  let h3 = load<u64>(p + POLY_H, 24), h4 = load<u64>(p + POLY_H, 32);
  for (let i = 0; i < n; i++) {
    h0 += <u64>load<u32>(m, 0); h1 += <u64>load<u32>(m, 4);
    h2 += <u64>load<u32>(m, 8); h3 += <u64>load<u32>(m, 12); h4 += hibit;
    const d0 = h0 * r0 + h1 * s3 + h2 * s2 + h3 * s1;
    const d1 = h0 * r1 + h1 * r0 + h2 * s3 + h3 * s2 + h4 * s1;
    const d2 = h0 * r2 + h1 * r1 + h2 * r0 + h3 * s3 + h4 * s2;
    const d3 = h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * s3;
    const t = h4 * r0 + (d3 >> 32); // the bits from 2^128 up
    h0 = d0 & M32; h1 = (d1 & M32) + (d0 >> 32);
    h2 = (d2 & M32) + (d1 >> 32); h3 = (d3 & M32) + (d2 >> 32);
    h0 += (t >> 2) + (t & ~3); // + 5 * (t >> 2), as 2^130 = 5
    h4 = t & 3;
    m += 16;
  }
  store<u64>(p + POLY_H, h0, 0); store<u64>(p + POLY_H, h1, 8); store<u64>(p + POLY_H, h2, 16);
  store<u64>(p + POLY_H, h3, 24); store<u64>(p + POLY_H, h4, 32);
}

/** Absorbs any number of bytes, carrying a partial block in the context. */
export function poly1305Absorb(p: usize, m: usize, len: i32): void {
  let buffered = <i32>load<u32>(p + POLY_BUFFERED);
  if (buffered > 0) {
    const take = min(16 - buffered, len);
    copyBytes(p + POLY_BUFFER + <usize>buffered, m, take);
    buffered += take;
    m += <usize>take;
    len -= take;
    if (buffered < 16) {
      store<u32>(p + POLY_BUFFERED, <u32>buffered);
      return;
    }
    poly1305Blocks(p, p + POLY_BUFFER, 1, HIBIT);
  }
  const whole = len >> 4;
  if (whole > 0) poly1305Blocks(p, m, whole, HIBIT);
  const rest = len & 15;
  copyBytes(p + POLY_BUFFER, m + (<usize>whole << 4), rest);
  store<u32>(p + POLY_BUFFERED, <u32>rest);
}

/** Zero-pads a buffered partial block to 16 bytes and absorbs it as a whole block (AEAD pad16). */
export function poly1305PadToBlock(p: usize): void {
  const buffered = <usize>load<u32>(p + POLY_BUFFERED);
  if (buffered == 0) return;
  for (let i = buffered; i < 16; i++) store<u8>(p + POLY_BUFFER + i, 0);
  poly1305Blocks(p, p + POLY_BUFFER, 1, HIBIT);
  store<u32>(p + POLY_BUFFERED, 0);
}

/**
 * Finishes the MAC: absorbs the padded partial block, reduces mod 2^130 - 5, adds the pad, writes 16 bytes;
 * wipes the context unless `wipe` is false (the AEAD wipes its whole context right after).
 */
export function poly1305Finish(p: usize, out: usize, wipe: bool = true): void {
  const buffered = <usize>load<u32>(p + POLY_BUFFERED);
  if (buffered > 0) {
    store<u8>(p + POLY_BUFFER + buffered, 1);
    for (let i = buffered + 1; i < 16; i++) store<u8>(p + POLY_BUFFER + i, 0);
    poly1305Blocks(p, p + POLY_BUFFER, 1, 0);
  }
  let h0 = load<u64>(p + POLY_H, 0), h1 = load<u64>(p + POLY_H, 8), h2 = load<u64>(p + POLY_H, 16);
  let h3 = load<u64>(p + POLY_H, 24), h4 = load<u64>(p + POLY_H, 32);
  // Full carry, fold the bits above 2^130 once more, carry again: now h < 2^130 + small.
  let t = h0; h0 = t & M32;
  t = h1 + (t >> 32); h1 = t & M32;
  t = h2 + (t >> 32); h2 = t & M32;
  t = h3 + (t >> 32); h3 = t & M32;
  h4 += t >> 32;
  t = h0 + (h4 >> 2) * 5; h4 &= 3; h0 = t & M32;
  t = h1 + (t >> 32); h1 = t & M32;
  t = h2 + (t >> 32); h2 = t & M32;
  t = h3 + (t >> 32); h3 = t & M32;
  h4 += t >> 32;
  // g = h + 5; when g reaches 2^130 (bit 2 of g4), h >= p and h - p = g mod 2^130: select with masks.
  t = h0 + 5; const g0 = t & M32;
  t = h1 + (t >> 32); const g1 = t & M32;
  t = h2 + (t >> 32); const g2 = t & M32;
  t = h3 + (t >> 32); const g3 = t & M32;
  const g4 = h4 + (t >> 32);
  const useG = 0 - (g4 >> 2); // all ones when g >= 2^130
  const useH = ~useG;
  h0 = (h0 & useH) | (g0 & useG);
  h1 = (h1 & useH) | (g1 & useG);
  h2 = (h2 & useH) | (g2 & useG);
  h3 = (h3 & useH) | (g3 & useG);
  // tag = (h + pad) mod 2^128
  t = h0 + <u64>load<u32>(p + POLY_PAD, 0); store<u32>(out, <u32>t, 0);
  t = h1 + <u64>load<u32>(p + POLY_PAD, 4) + (t >> 32); store<u32>(out, <u32>t, 4);
  t = h2 + <u64>load<u32>(p + POLY_PAD, 8) + (t >> 32); store<u32>(out, <u32>t, 8);
  t = h3 + <u64>load<u32>(p + POLY_PAD, 12) + (t >> 32); store<u32>(out, <u32>t, 12);
  if (wipe) zero16s(p, <usize>POLY_CTX_SIZE); // the AEAD wipes its whole context instead
  store<u32>(p + POLY_PHASE, POLY_FINISHED);
}
