// GHASH (NIST SP 800-38D 6.4) with constant-time carry-less multiplication built from integer multiplies "with
// holes": each 32-bit operand is split into four masks whose set bits are 4 apart (bits = i mod 4), so in every
// 32x32 -> 64 integer product a column collects at most 8 ones and never carries into the next bit of its own
// residue class; masking each residue class back out gives the carry-less product. No table, no branch on data.
//
// Blocks are big-endian 128-bit integers (hi, lo): in that form bit i of the GCM polynomial sits at integer bit
// 127 - i, so the integer carry-less product holds coefficient k at bit 254 - k; one left shift and a fold by
// x^128 = x^7 + x^2 + x + 1 (shifts right by 0, 1, 2, 7) reduce it. Four blocks are folded per reduction with
// H, which the context keeps pre-split for the multiplier (see ghashStoreKey).

const M0: u64 = 0x1111111111111111;
const M1: u64 = 0x2222222222222222;
const M2: u64 = 0x4444444444444444;
const M3: u64 = 0x8888888888888888;

/** Carry-less 32 x 32 -> 64: x < 2^32, y given as its four pre-masked parts at yp (y & M0 .. y & M3). */
@inline function clmul32(x: u64, yp: usize): u64 {
  const x0 = x & M0, x1 = x & M1, x2 = x & M2, x3 = x & M3;
  const y0 = load<u64>(yp), y1 = load<u64>(yp, 8), y2 = load<u64>(yp, 16), y3 = load<u64>(yp, 24);
  const r0 = (x0 * y0) ^ (x1 * y3) ^ (x2 * y2) ^ (x3 * y1);
  const r1 = (x0 * y1) ^ (x1 * y0) ^ (x2 * y3) ^ (x3 * y2);
  const r2 = (x0 * y2) ^ (x1 * y1) ^ (x2 * y0) ^ (x3 * y3);
  const r3 = (x0 * y3) ^ (x1 * y2) ^ (x2 * y1) ^ (x3 * y0);
  return (r0 & M0) | (r1 & M1) | (r2 & M2) | (r3 & M3);
}

/**
 * y = (ahi:alo) * H with H pre-split at hp. Karatsuba twice (128 -> 3 x 64 -> 9 x 32-bit products), then one
 * left shift and the fold by x^128 = x^7 + x^2 + x + 1. Everything stays in locals.
 */
@inline function mulStore(y: usize, ahi: u64, alo: u64, hp: usize): void {
  // low 64 x 64: alo * Hlo
  const a0 = alo & 0xFFFFFFFF, a1 = alo >> 32;
  const p0 = clmul32(a0, hp), p1 = clmul32(a1, hp + 32), pm = clmul32(a0 ^ a1, hp + 64) ^ p0 ^ p1;
  const l0 = p0 ^ (pm << 32), l1 = p1 ^ (pm >> 32);
  // high 64 x 64: ahi * Hhi
  const b0 = ahi & 0xFFFFFFFF, b1 = ahi >> 32;
  const q0 = clmul32(b0, hp + 96), q1 = clmul32(b1, hp + 128), qm = clmul32(b0 ^ b1, hp + 160) ^ q0 ^ q1;
  const h0 = q0 ^ (qm << 32), h1 = q1 ^ (qm >> 32);
  // middle: (alo ^ ahi) * (Hlo ^ Hhi)
  const m = alo ^ ahi;
  const c0 = m & 0xFFFFFFFF, c1 = m >> 32;
  const r0 = clmul32(c0, hp + 192), r1 = clmul32(c1, hp + 224), rm = clmul32(c0 ^ c1, hp + 256) ^ r0 ^ r1;
  const m0 = (r0 ^ (rm << 32)) ^ l0 ^ h0, m1 = (r1 ^ (rm >> 32)) ^ l1 ^ h1;
  // 256-bit product w3:w2:w1:w0, shifted left by one
  let w0 = l0, w1 = l1 ^ m0, w2 = h0 ^ m1, w3 = h1;
  w3 = (w3 << 1) | (w2 >> 63);
  w2 = (w2 << 1) | (w1 >> 63);
  w1 = (w1 << 1) | (w0 >> 63);
  w0 = w0 << 1;
  // fold the low half (coefficients 128..255) back: H' = H ^ H<<127 ^ H<<126 ^ H<<121, then H' >> {0,1,2,7}
  const g1 = w1 ^ (w0 << 63) ^ (w0 << 62) ^ (w0 << 57);
  const g0 = w0;
  store<u64>(y, w3 ^ g1 ^ (g1 >> 1) ^ (g1 >> 2) ^ (g1 >> 7));
  store<u64>(y, w2 ^ g0 ^ ((g0 >> 1) | (g1 << 63)) ^ ((g0 >> 2) | (g1 << 62)) ^ ((g0 >> 7) | (g1 << 57)), 8);
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
  storeSplit64(hp, lo);
  storeSplit64(hp + 96, hi);
  storeSplit64(hp + 192, hi ^ lo);
}


/** Bytes of a pre-split key (ghashStoreKey). */
export const GHASH_KEY_SIZE: usize = 288;

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
    mulStore(y, load<u64>(y) ^ blockHi, load<u64>(y, 8) ^ blockLo, hp);
  }
  blockHi = 0;
  blockLo = 0;
}

/** Absorbs one block given as integers (the length block). */
export function ghashWords(y: usize, hp: usize, hi: u64, lo: u64): void {
  mulStore(y, load<u64>(y) ^ hi, load<u64>(y, 8) ^ lo, hp);
}
