// GHASH multiply for the SIMD build: the same "integer multiplies with holes" as ghash.ts, but the four masked
// parts of a 32-bit operand sit in the four i32x4 lanes and i64x2.extmul_{low,high}_i32x4_u multiply two lane
// pairs at once. For residue class k the key side holds [y & M_k, y & M_k-1, y & M_k-2, y & M_k-3], so every
// product of that vector lands in class k; masking with the 64-bit class mask and XOR combine. The two i64 lanes
// stay as partial sums through both Karatsuba levels and are folded once per output word. No table, no branch.

/** Bytes of the SIMD key: 9 operands (Karatsuba tree) x 4 residue classes x 16. */
export const SIMD_KEY_SIZE: usize = 9 * 64;

/** Constants, loaded into registers once per call: lane masks and the four 64-bit class masks. */
const CONSTS: usize = memory.data<u32>([
  0x11111111, 0x22222222, 0x44444444, 0x88888888,
  0x11111111, 0x11111111, 0x11111111, 0x11111111,
  0x22222222, 0x22222222, 0x22222222, 0x22222222,
  0x44444444, 0x44444444, 0x44444444, 0x44444444,
  0x88888888, 0x88888888, 0x88888888, 0x88888888,
  // key-side masks for class k: lane i keeps the bits of class k - i
  0x11111111, 0x88888888, 0x44444444, 0x22222222,
  0x22222222, 0x11111111, 0x88888888, 0x44444444,
  0x44444444, 0x22222222, 0x11111111, 0x88888888,
  0x88888888, 0x44444444, 0x22222222, 0x11111111,
], 16);

@inline function storeOperand(p: usize, y: u32): void {
  const v = i32x4.splat(y);
  v128.store(p, v128.and(v, v128.load(CONSTS, 80)));
  v128.store(p, v128.and(v, v128.load(CONSTS, 96)), 16);
  v128.store(p, v128.and(v, v128.load(CONSTS, 112)), 32);
  v128.store(p, v128.and(v, v128.load(CONSTS, 128)), 48);
}

/** Stores H (hi, lo) at hp for mulStoreSimd: operands lo.0, lo.1, lo.x, hi.0, hi.1, hi.x, m.0, m.1, m.x. */
export function ghashStoreKeySimd(hp: usize, hi: u64, lo: u64): void {
  const m = hi ^ lo;
  const l0 = <u32>lo, l1 = <u32>(lo >> 32), h0 = <u32>hi, h1 = <u32>(hi >> 32), m0 = <u32>m, m1 = <u32>(m >> 32);
  storeOperand(hp, l0);
  storeOperand(hp + 64, l1);
  storeOperand(hp + 128, l0 ^ l1);
  storeOperand(hp + 192, h0);
  storeOperand(hp + 256, h1);
  storeOperand(hp + 320, h0 ^ h1);
  storeOperand(hp + 384, m0);
  storeOperand(hp + 448, m1);
  storeOperand(hp + 512, m0 ^ m1);
}

// 32 x 32 carry-less product of x and the key operand at yp, as two i64 partial sums (XOR them for the value).
// A real call on purpose: inlined nine times, V8 hoists the loads and spills most vectors (measured slower).
function clmul32v(x: u32, yp: usize): v128 {
  const c0 = v128.load(CONSTS, 16), c1 = v128.load(CONSTS, 32), c2 = v128.load(CONSTS, 48), c3 = v128.load(CONSTS, 64);
  const xv = v128.and(i32x4.splat(x), v128.load(CONSTS));
  const y0 = v128.load(yp), y1 = v128.load(yp, 16), y2 = v128.load(yp, 32), y3 = v128.load(yp, 48);
  const s0 = v128.xor(i64x2.extmul_low_i32x4_u(xv, y0), i64x2.extmul_high_i32x4_u(xv, y0));
  const s1 = v128.xor(i64x2.extmul_low_i32x4_u(xv, y1), i64x2.extmul_high_i32x4_u(xv, y1));
  const s2 = v128.xor(i64x2.extmul_low_i32x4_u(xv, y2), i64x2.extmul_high_i32x4_u(xv, y2));
  const s3 = v128.xor(i64x2.extmul_low_i32x4_u(xv, y3), i64x2.extmul_high_i32x4_u(xv, y3));
  return v128.or(v128.or(v128.and(s0, c0), v128.and(s1, c1)), v128.or(v128.and(s2, c2), v128.and(s3, c3)));
}

/** Y = (ahi:alo) * H, H stored by ghashStoreKeySimd at hp; result (hi, lo) stored at y. */
export function mulStoreSimd(y: usize, ahi: u64, alo: u64, hp: usize): void {
  const m = ahi ^ alo;
  const l0 = <u32>alo, l1 = <u32>(alo >> 32), h0 = <u32>ahi, h1 = <u32>(ahi >> 32), m0 = <u32>m, m1 = <u32>(m >> 32);
  // inner Karatsuba per 64-bit operand: (lo, hi) 128-bit halves as partial-sum vectors
  const pl0 = clmul32v(l0, hp);
  const pl1 = clmul32v(l1, hp + 64);
  const plm = v128.xor(v128.xor(clmul32v(l0 ^ l1, hp + 128), pl0), pl1);
  const loLo = v128.xor(pl0, i64x2.shl(plm, 32)), loHi = v128.xor(pl1, i64x2.shr_u(plm, 32));
  const ph0 = clmul32v(h0, hp + 192);
  const ph1 = clmul32v(h1, hp + 256);
  const phm = v128.xor(v128.xor(clmul32v(h0 ^ h1, hp + 320), ph0), ph1);
  const hiLo = v128.xor(ph0, i64x2.shl(phm, 32)), hiHi = v128.xor(ph1, i64x2.shr_u(phm, 32));
  const pm0 = clmul32v(m0, hp + 384);
  const pm1 = clmul32v(m1, hp + 448);
  const pmm = v128.xor(v128.xor(clmul32v(m0 ^ m1, hp + 512), pm0), pm1);
  const midLo = v128.xor(v128.xor(v128.xor(pm0, i64x2.shl(pmm, 32)), loLo), hiLo);
  const midHi = v128.xor(v128.xor(v128.xor(pm1, i64x2.shr_u(pmm, 32)), loHi), hiHi);
  // outer Karatsuba: w3:w2:w1:w0 = hi << 128 ^ mid << 64 ^ lo; fold the two partial-sum lanes
  const v0 = loLo, v1 = v128.xor(loHi, midLo), v2 = v128.xor(hiLo, midHi), v3 = hiHi;
  let w0 = <u64>(i64x2.extract_lane(v0, 0) ^ i64x2.extract_lane(v0, 1)); // u64: >> must be logical
  let w1 = <u64>(i64x2.extract_lane(v1, 0) ^ i64x2.extract_lane(v1, 1)); // u64: >> must be logical
  let w2 = <u64>(i64x2.extract_lane(v2, 0) ^ i64x2.extract_lane(v2, 1)); // u64: >> must be logical
  let w3 = <u64>(i64x2.extract_lane(v3, 0) ^ i64x2.extract_lane(v3, 1)); // u64: >> must be logical
  // shift left by one, then fold by x^128 = x^7 + x^2 + x + 1 (see ghash.ts)
  w3 = (w3 << 1) | (w2 >> 63);
  w2 = (w2 << 1) | (w1 >> 63);
  w1 = (w1 << 1) | (w0 >> 63);
  w0 = w0 << 1;
  const g1 = w1 ^ (w0 << 63) ^ (w0 << 62) ^ (w0 << 57);
  const g0 = w0;
  store<u64>(y, w3 ^ g1 ^ (g1 >> 1) ^ (g1 >> 2) ^ (g1 >> 7));
  store<u64>(y, w2 ^ g0 ^ ((g0 >> 1) | (g1 << 63)) ^ ((g0 >> 2) | (g1 << 62)) ^ ((g0 >> 7) | (g1 << 57)), 8);
}
