// GHASH (NIST SP 800-38D 6.4) with constant-time carry-less multiplication built from integer multiplies "with
// holes": each 32-bit operand is split into four masks whose set bits are 4 apart (bits = i mod 4), so in every
// 32x32 -> 64 integer product a column collects at most 8 ones and never carries into the next bit of its own
// residue class; masking each residue class back out gives the carry-less product. No table, no branch on data.
//
// Blocks are big-endian 128-bit integers (hi, lo): in that form bit i of the GCM polynomial sits at integer bit
// 127 - i, so the integer carry-less product holds coefficient k at bit 254 - k; one left shift and a fold by
// x^128 = x^7 + x^2 + x + 1 (shifts right by 0, 1, 2, 7) reduce it. The context keeps H pre-split for the
// multiplier (see ghashStoreKey). This file is the scalar build's multiplier; the SIMD build uses ghash-simd.ts
// (same method, the four masked parts in i32x4 lanes, two products per i64x2.extmul).

import { ghashStoreKeySimd, mulStoreSimd, SIMD_KEY_SIZE } from './ghash-simd';

// The 256-bit product accumulator: globals act as registers for the inlined helpers (measured faster than one
// function with all locals, which spills). They hold key-dependent values, so reduceInto() clears them.
let z0: u64 = 0;
let z1: u64 = 0;
let zm0: u64 = 0;
let zm1: u64 = 0;
let zh0: u64 = 0;
let zh1: u64 = 0;

const M0: u64 = 0x1111111111111111;
const M1: u64 = 0x2222222222222222;
const M2: u64 = 0x4444444444444444;
const M3: u64 = 0x8888888888888888;

/** Carry-less 32 x 32 -> 64: x < 2^32, y given as its four pre-masked parts at yp (y & M0 .. y & M3). */
// Not inlined on purpose: inlined nine times per block, its 8 operands spill in V8 (measured slower).
function clmul32(x: u64, yp: usize): u64 {
  const x0 = x & M0, x1 = x & M1, x2 = x & M2, x3 = x & M3;
  const r0 = (x0 * load<u64>(yp)) ^ (x1 * load<u64>(yp, 24)) ^ (x2 * load<u64>(yp, 16)) ^ (x3 * load<u64>(yp, 8));
  const r1 = (x0 * load<u64>(yp, 8)) ^ (x1 * load<u64>(yp)) ^ (x2 * load<u64>(yp, 24)) ^ (x3 * load<u64>(yp, 16));
  const r2 = (x0 * load<u64>(yp, 16)) ^ (x1 * load<u64>(yp, 8)) ^ (x2 * load<u64>(yp)) ^ (x3 * load<u64>(yp, 24));
  const r3 = (x0 * load<u64>(yp, 24)) ^ (x1 * load<u64>(yp, 16)) ^ (x2 * load<u64>(yp, 8)) ^ (x3 * load<u64>(yp));
  return (r0 & M0) | (r1 & M1) | (r2 & M2) | (r3 & M3);
}

// Carry-less 64 x 64 -> 128 (Karatsuba over 32-bit halves), XORed into the accumulator pair selected by `which`
// (0: low product, 1: middle, 2: high) of the outer Karatsuba. b is pre-split at bp (see ghashStoreKey).
@inline function clmul64Into(a: u64, bp: usize, which: i32): void {
  const a0 = a & 0xFFFFFFFF, a1 = a >> 32;
  const lo = clmul32(a0, bp);
  const hi = clmul32(a1, bp + 32);
  const mid = clmul32(a0 ^ a1, bp + 64) ^ lo ^ hi;
  const rlo = lo ^ (mid << 32);
  const rhi = hi ^ (mid >> 32);
  if (which == 0) {
    z0 ^= rlo;
    z1 ^= rhi;
  } else if (which == 1) {
    zm0 ^= rlo;
    zm1 ^= rhi;
  } else {
    zh0 ^= rlo;
    zh1 ^= rhi;
  }
}

/** Accumulates the unreduced product (ahi:alo) * (H stored at hp by ghashStoreKey). */
@inline function mulAcc(ahi: u64, alo: u64, hp: usize): void {
  clmul64Into(alo, hp, 0);
  clmul64Into(ahi, hp + 96, 2);
  clmul64Into(ahi ^ alo, hp + 192, 1);
}

/** Reduces the accumulated 256-bit product and stores it as the new accumulator at y (hi, lo). */
@inline function reduceInto(y: usize): void {
  // outer Karatsuba: middle = zm ^ z ^ zh, placed at bit 64
  const m0 = zm0 ^ z0 ^ zh0, m1 = zm1 ^ z1 ^ zh1;
  let w0 = z0, w1 = z1 ^ m0, w2 = zh0 ^ m1, w3 = zh1;
  // shift the 256-bit value w3:w2:w1:w0 left by one
  w3 = (w3 << 1) | (w2 >> 63);
  w2 = (w2 << 1) | (w1 >> 63);
  w1 = (w1 << 1) | (w0 >> 63);
  w0 = w0 << 1;
  // fold the low half (coefficients 128..255) back: H' = H ^ H<<127 ^ H<<126 ^ H<<121, then H' >> {0,1,2,7}
  const h1 = w1 ^ (w0 << 63) ^ (w0 << 62) ^ (w0 << 57);
  const h0 = w0;
  const rhi = w3 ^ h1 ^ (h1 >> 1) ^ (h1 >> 2) ^ (h1 >> 7);
  const rlo = w2 ^ h0 ^ ((h0 >> 1) | (h1 << 63)) ^ ((h0 >> 2) | (h1 << 62)) ^ ((h0 >> 7) | (h1 << 57));
  store<u64>(y, rhi);
  store<u64>(y, rlo, 8);
  z0 = 0; z1 = 0; zm0 = 0; zm1 = 0; zh0 = 0; zh1 = 0;
}

function storeSplit32(p: usize, v: u64): void {
  store<u64>(p, v & M0);
  store<u64>(p, v & M1, 8);
  store<u64>(p, v & M2, 16);
  store<u64>(p, v & M3, 24);
}

function storeSplit64(p: usize, v: u64): void {
  const v0 = v & 0xFFFFFFFF, v1 = v >> 32;
  storeSplit32(p, v0);
  storeSplit32(p + 32, v1);
  storeSplit32(p + 64, v0 ^ v1);
}

/**
 * Stores H (hi, lo) at hp pre-split for the Karatsuba tree: for each 64-bit operand (lo, hi, lo ^ hi)
 * and each of its 32-bit operands (low, high, low ^ high), the four residue masks: 3 x 3 x 4 u64 = 288 bytes.
 */
export function ghashStoreKey(hp: usize, hi: u64, lo: u64): void {
  if (ASC_FEATURE_SIMD) {
    ghashStoreKeySimd(hp, hi, lo);
    return;
  }
  storeSplit64(hp, lo);
  storeSplit64(hp + 96, hi);
  storeSplit64(hp + 192, hi ^ lo);
}


/** Bytes of a pre-split key (ghashStoreKey). */
export const GHASH_KEY_SIZE: usize = ASC_FEATURE_SIMD ? SIMD_KEY_SIZE : 288;

/**
 * Absorbs nBlocks full blocks at p into the accumulator y (hi, lo), with H^1..H^4 at hp (stride 24).
 */
/** A 16-byte block as a big-endian 128-bit integer (hi, lo), set by loadBlock (globals: two results). */
let blockHi: u64 = 0;
let blockLo: u64 = 0;
@inline function loadBlock(q: usize): void {
  if (ASC_FEATURE_SIMD) {
    const v = v128.load(q);
    const r = i8x16.shuffle(v, v, 7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8);
    blockHi = i64x2.extract_lane(r, 0);
    blockLo = i64x2.extract_lane(r, 1);
  } else {
    blockHi = bswap<u64>(load<u64>(q));
    blockLo = bswap<u64>(load<u64>(q, 8));
  }
}

/**
 * Absorbs nBlocks full blocks at p into the accumulator y (hi, lo): Y = (Y ^ X) * H per block (Horner). Folding
 * four blocks per reduction with H^2..H^4 was measured no faster here (the 3 x 3 32-bit products dominate and are
 * independent anyway), so the context keeps H alone.
 */
export function ghashBlocks(y: usize, hp: usize, p: usize, nBlocks: i32): void {
  const end = p + (<usize>nBlocks << 4);
  for (let q = p; q < end; q += 16) {
    loadBlock(q);
    if (ASC_FEATURE_SIMD) {
      mulStoreSimd(y, load<u64>(y) ^ blockHi, load<u64>(y, 8) ^ blockLo, hp);
    } else {
      mulAcc(load<u64>(y) ^ blockHi, load<u64>(y, 8) ^ blockLo, hp);
      reduceInto(y);
    }
  }
  blockHi = 0;
  blockLo = 0;
}

/** Absorbs one block given as integers (the length block). */
export function ghashWords(y: usize, hp: usize, hi: u64, lo: u64): void {
  if (ASC_FEATURE_SIMD) {
    mulStoreSimd(y, load<u64>(y) ^ hi, load<u64>(y, 8) ^ lo, hp);
  } else {
    mulAcc(load<u64>(y) ^ hi, load<u64>(y, 8) ^ lo, hp);
    reduceInto(y);
  }
}
