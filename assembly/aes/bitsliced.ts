// Constant-time AES for the scalar build: four blocks bitsliced into eight u64 bit planes (FIPS-197).
// The GF(2^8) multiply and square are GENERATED straight-line AND/XOR gates (regenerate, do not hand-edit).
//
// Plane b (8 bytes at p + 8b) holds bit b of all 64 state bytes at bit position 16*col + 4*row + block, so
// ShiftRows rotates whole 16-bit column groups per row and MixColumns rotates nibbles inside a column group.
// The S-box is x^254 (squarings and four multiplications) plus the affine map. Nothing here branches on, or
// indexes memory by, key or data: every plane goes through the same gates.

/** Scratch planes for the inversion chain; wiped by the exports after use (see wipeScratch). */
const SCRATCH: usize = memory.data(5 * 64, 16);
export const BS_SCRATCH_SIZE: usize = 5 * 64;
export function bsScratch(): usize {
  return SCRATCH;
}

@inline function transpose8(x: u64): u64 {
  let t = (x ^ (x >> 7)) & 0x00AA00AA00AA00AA; x ^= t ^ (t << 7);
  t = (x ^ (x >> 14)) & 0x0000CCCC0000CCCC; x ^= t ^ (t << 14);
  t = (x ^ (x >> 28)) & 0x00000000F0F0F0F0; x ^= t ^ (t << 28);
  return x;
}

/** 16 bits -> every 4th bit of a u64 (bit j -> bit 4j). */
@inline function spread(x: u64): u64 {
  x = (x | (x << 24)) & 0x000000FF000000FF;
  x = (x | (x << 12)) & 0x000F000F000F000F;
  x = (x | (x << 6)) & 0x0303030303030303;
  return (x | (x << 3)) & 0x1111111111111111;
}

@inline function gather(x: u64): u64 {
  x &= 0x1111111111111111;
  x = (x | (x >> 3)) & 0x0303030303030303;
  x = (x | (x >> 6)) & 0x000F000F000F000F;
  x = (x | (x >> 12)) & 0x000000FF000000FF;
  return (x | (x >> 24)) & 0xFFFF;
}

/** Row r of each column takes row r+1: rotate the nibbles of every 16-bit column group. */
@inline function rowRot1(x: u64): u64 {
  return ((x >> 4) & 0x0FFF0FFF0FFF0FFF) | ((x << 12) & 0xF000F000F000F000);
}

@inline function rowRot2(x: u64): u64 {
  return ((x >> 8) & 0x00FF00FF00FF00FF) | ((x << 8) & 0xFF00FF00FF00FF00);
}

/** d = a * b in GF(2^8) mod x^8 + x^4 + x^3 + x + 1, plane-wise (d may alias a or b). */
function gfMul(d: usize, a: usize, b: usize): void {
  const a0 = load<u64>(a, 0);
  const a1 = load<u64>(a, 8);
  const a2 = load<u64>(a, 16);
  const a3 = load<u64>(a, 24);
  const a4 = load<u64>(a, 32);
  const a5 = load<u64>(a, 40);
  const a6 = load<u64>(a, 48);
  const a7 = load<u64>(a, 56);
  const b0 = load<u64>(b, 0);
  const b1 = load<u64>(b, 8);
  const b2 = load<u64>(b, 16);
  const b3 = load<u64>(b, 24);
  const b4 = load<u64>(b, 32);
  const b5 = load<u64>(b, 40);
  const b6 = load<u64>(b, 48);
  const b7 = load<u64>(b, 56);
  const t0 = a0 & b0;
  const t1 = a0 & b1;
  const t2 = a0 & b2;
  const t3 = a0 & b3;
  const t4 = a0 & b4;
  const t5 = a0 & b5;
  const t6 = a0 & b6;
  const t7 = a0 & b7;
  const t8 = a1 & b0;
  const t9 = t1 ^ t8;
  const t10 = a1 & b1;
  const t11 = t2 ^ t10;
  const t12 = a1 & b2;
  const t13 = t3 ^ t12;
  const t14 = a1 & b3;
  const t15 = t4 ^ t14;
  const t16 = a1 & b4;
  const t17 = t5 ^ t16;
  const t18 = a1 & b5;
  const t19 = t6 ^ t18;
  const t20 = a1 & b6;
  const t21 = t7 ^ t20;
  const t22 = a1 & b7;
  const t23 = a2 & b0;
  const t24 = t11 ^ t23;
  const t25 = a2 & b1;
  const t26 = t13 ^ t25;
  const t27 = a2 & b2;
  const t28 = t15 ^ t27;
  const t29 = a2 & b3;
  const t30 = t17 ^ t29;
  const t31 = a2 & b4;
  const t32 = t19 ^ t31;
  const t33 = a2 & b5;
  const t34 = t21 ^ t33;
  const t35 = a2 & b6;
  const t36 = t22 ^ t35;
  const t37 = a2 & b7;
  const t38 = a3 & b0;
  const t39 = t26 ^ t38;
  const t40 = a3 & b1;
  const t41 = t28 ^ t40;
  const t42 = a3 & b2;
  const t43 = t30 ^ t42;
  const t44 = a3 & b3;
  const t45 = t32 ^ t44;
  const t46 = a3 & b4;
  const t47 = t34 ^ t46;
  const t48 = a3 & b5;
  const t49 = t36 ^ t48;
  const t50 = a3 & b6;
  const t51 = t37 ^ t50;
  const t52 = a3 & b7;
  const t53 = a4 & b0;
  const t54 = t41 ^ t53;
  const t55 = a4 & b1;
  const t56 = t43 ^ t55;
  const t57 = a4 & b2;
  const t58 = t45 ^ t57;
  const t59 = a4 & b3;
  const t60 = t47 ^ t59;
  const t61 = a4 & b4;
  const t62 = t49 ^ t61;
  const t63 = a4 & b5;
  const t64 = t51 ^ t63;
  const t65 = a4 & b6;
  const t66 = t52 ^ t65;
  const t67 = a4 & b7;
  const t68 = a5 & b0;
  const t69 = t56 ^ t68;
  const t70 = a5 & b1;
  const t71 = t58 ^ t70;
  const t72 = a5 & b2;
  const t73 = t60 ^ t72;
  const t74 = a5 & b3;
  const t75 = t62 ^ t74;
  const t76 = a5 & b4;
  const t77 = t64 ^ t76;
  const t78 = a5 & b5;
  const t79 = t66 ^ t78;
  const t80 = a5 & b6;
  const t81 = t67 ^ t80;
  const t82 = a5 & b7;
  const t83 = a6 & b0;
  const t84 = t71 ^ t83;
  const t85 = a6 & b1;
  const t86 = t73 ^ t85;
  const t87 = a6 & b2;
  const t88 = t75 ^ t87;
  const t89 = a6 & b3;
  const t90 = t77 ^ t89;
  const t91 = a6 & b4;
  const t92 = t79 ^ t91;
  const t93 = a6 & b5;
  const t94 = t81 ^ t93;
  const t95 = a6 & b6;
  const t96 = t82 ^ t95;
  const t97 = a6 & b7;
  const t98 = a7 & b0;
  const t99 = t86 ^ t98;
  const t100 = a7 & b1;
  const t101 = t88 ^ t100;
  const t102 = a7 & b2;
  const t103 = t90 ^ t102;
  const t104 = a7 & b3;
  const t105 = t92 ^ t104;
  const t106 = a7 & b4;
  const t107 = t94 ^ t106;
  const t108 = a7 & b5;
  const t109 = t96 ^ t108;
  const t110 = a7 & b6;
  const t111 = t97 ^ t110;
  const t112 = a7 & b7;
  const t113 = t105 ^ t112;
  const t114 = t103 ^ t112;
  const t115 = t99 ^ t112;
  const t116 = t84 ^ t112;
  const t117 = t114 ^ t111;
  const t118 = t101 ^ t111;
  const t119 = t116 ^ t111;
  const t120 = t69 ^ t111;
  const t121 = t118 ^ t109;
  const t122 = t115 ^ t109;
  const t123 = t120 ^ t109;
  const t124 = t54 ^ t109;
  const t125 = t122 ^ t107;
  const t126 = t119 ^ t107;
  const t127 = t124 ^ t107;
  const t128 = t39 ^ t107;
  const t129 = t126 ^ t113;
  const t130 = t123 ^ t113;
  const t131 = t128 ^ t113;
  const t132 = t24 ^ t113;
  const t133 = t130 ^ t117;
  const t134 = t127 ^ t117;
  const t135 = t132 ^ t117;
  const t136 = t9 ^ t117;
  const t137 = t134 ^ t121;
  const t138 = t131 ^ t121;
  const t139 = t136 ^ t121;
  const t140 = t0 ^ t121;
  store<u64>(d, t140, 0);
  store<u64>(d, t139, 8);
  store<u64>(d, t135, 16);
  store<u64>(d, t138, 24);
  store<u64>(d, t137, 32);
  store<u64>(d, t133, 40);
  store<u64>(d, t129, 48);
  store<u64>(d, t125, 56);
}

/** d = a^2 (squaring is linear: a bit permutation plus the reduction). */
function gfSq(d: usize, a: usize): void {
  const a0 = load<u64>(a, 0);
  const a1 = load<u64>(a, 8);
  const a2 = load<u64>(a, 16);
  const a3 = load<u64>(a, 24);
  const a4 = load<u64>(a, 32);
  const a5 = load<u64>(a, 40);
  const a6 = load<u64>(a, 48);
  const a7 = load<u64>(a, 56);
  const t0 = a5 ^ a7;
  const t1 = a3 ^ a7;
  const t2 = a4 ^ a6;
  const t3 = a7 ^ a6;
  const t4 = a2 ^ a6;
  const t5 = t1 ^ t0;
  const t6 = a6 ^ t0;
  const t7 = a1 ^ t0;
  const t8 = t6 ^ a7;
  const t9 = t4 ^ a7;
  const t10 = t7 ^ a7;
  const t11 = t9 ^ t2;
  const t12 = t0 ^ t2;
  const t13 = a7 ^ t2;
  const t14 = a0 ^ t2;
  store<u64>(d, t14, 0);
  store<u64>(d, t13, 8);
  store<u64>(d, t10, 16);
  store<u64>(d, t12, 24);
  store<u64>(d, t11, 32);
  store<u64>(d, t8, 40);
  store<u64>(d, t5, 48);
  store<u64>(d, t3, 56);
}

/** p = p^254 (= p^-1, with 0 -> 0). */
function gfInvert(p: usize): void {
  const x2 = SCRATCH, x3 = SCRATCH + 64, x12 = SCRATCH + 128, y = SCRATCH + 192;
  gfSq(x2, p);
  gfMul(x3, x2, p);
  gfSq(y, x3);
  gfSq(x12, y);
  gfMul(y, x12, x3); // x^15
  gfSq(y, y);
  gfSq(y, y);
  gfSq(y, y);
  gfSq(y, y); // x^240
  gfMul(y, y, x12); // x^252
  gfMul(p, y, x2); // x^254
}

/** SubBytes on the planes at p. */
export function bsSubBytes(p: usize): void {
  gfInvert(p);
  const v0 = load<u64>(p, 0);
  const v1 = load<u64>(p, 8);
  const v2 = load<u64>(p, 16);
  const v3 = load<u64>(p, 24);
  const v4 = load<u64>(p, 32);
  const v5 = load<u64>(p, 40);
  const v6 = load<u64>(p, 48);
  const v7 = load<u64>(p, 56);
  // affine map: s_i = v_i ^ v_(i+4) ^ v_(i+5) ^ v_(i+6) ^ v_(i+7) ^ bit i of 0x63
  store<u64>(p, ~(v0 ^ v4 ^ v5 ^ v6 ^ v7), 0);
  store<u64>(p, ~(v1 ^ v5 ^ v6 ^ v7 ^ v0), 8);
  store<u64>(p, (v2 ^ v6 ^ v7 ^ v0 ^ v1), 16);
  store<u64>(p, (v3 ^ v7 ^ v0 ^ v1 ^ v2), 24);
  store<u64>(p, (v4 ^ v0 ^ v1 ^ v2 ^ v3), 32);
  store<u64>(p, ~(v5 ^ v1 ^ v2 ^ v3 ^ v4), 40);
  store<u64>(p, ~(v6 ^ v2 ^ v3 ^ v4 ^ v5), 48);
  store<u64>(p, (v7 ^ v3 ^ v4 ^ v5 ^ v6), 56);
}

/** InvSubBytes on the planes at p: inverse affine map (x_i = y_(i-1) ^ y_(i-3) ^ y_(i-6) ^ bit i of 0x05), then invert. */
export function bsInvSubBytes(p: usize): void {
  const y0 = load<u64>(p, 0);
  const y1 = load<u64>(p, 8);
  const y2 = load<u64>(p, 16);
  const y3 = load<u64>(p, 24);
  const y4 = load<u64>(p, 32);
  const y5 = load<u64>(p, 40);
  const y6 = load<u64>(p, 48);
  const y7 = load<u64>(p, 56);
  store<u64>(p, ~(y7 ^ y5 ^ y2), 0);
  store<u64>(p, (y0 ^ y6 ^ y3), 8);
  store<u64>(p, ~(y1 ^ y7 ^ y4), 16);
  store<u64>(p, (y2 ^ y0 ^ y5), 24);
  store<u64>(p, (y3 ^ y1 ^ y6), 32);
  store<u64>(p, (y4 ^ y2 ^ y7), 40);
  store<u64>(p, (y5 ^ y3 ^ y0), 48);
  store<u64>(p, (y6 ^ y4 ^ y1), 56);
  gfInvert(p);
}

export function bsShiftRows(p: usize, inverse: bool): void {
  for (let b: usize = 0; b < 64; b += 8) {
    const q = load<u64>(p + b);
    const r1 = q & 0x00F000F000F000F0, r2 = q & 0x0F000F000F000F00, r3 = q & 0xF000F000F000F000;
    store<u64>(p + b, (q & 0x000F000F000F000F) | (inverse ? rotl<u64>(r1, 16) | rotl<u64>(r2, 32) | rotl<u64>(r3, 48) : rotr<u64>(r1, 16) | rotr<u64>(r2, 32) | rotr<u64>(r3, 48)));
  }
}

/** MixColumns: out_r = 2(s_r ^ s_r+1) ^ s_r+1 ^ s_r+2 ^ s_r+3. */
export function bsMixColumns(p: usize): void {
  const q0 = load<u64>(p, 0), a0 = rowRot1(q0), m0 = q0 ^ a0;
  const q1 = load<u64>(p, 8), a1 = rowRot1(q1), m1 = q1 ^ a1;
  const q2 = load<u64>(p, 16), a2 = rowRot1(q2), m2 = q2 ^ a2;
  const q3 = load<u64>(p, 24), a3 = rowRot1(q3), m3 = q3 ^ a3;
  const q4 = load<u64>(p, 32), a4 = rowRot1(q4), m4 = q4 ^ a4;
  const q5 = load<u64>(p, 40), a5 = rowRot1(q5), m5 = q5 ^ a5;
  const q6 = load<u64>(p, 48), a6 = rowRot1(q6), m6 = q6 ^ a6;
  const q7 = load<u64>(p, 56), a7 = rowRot1(q7), m7 = q7 ^ a7;
  const x2_0 = m7, x2_1 = m0 ^ m7, x2_2 = m1, x2_3 = m2 ^ m7, x2_4 = m3 ^ m7, x2_5 = m4, x2_6 = m5, x2_7 = m6;
  store<u64>(p, x2_0 ^ a0 ^ rowRot2(m0), 0);
  store<u64>(p, x2_1 ^ a1 ^ rowRot2(m1), 8);
  store<u64>(p, x2_2 ^ a2 ^ rowRot2(m2), 16);
  store<u64>(p, x2_3 ^ a3 ^ rowRot2(m3), 24);
  store<u64>(p, x2_4 ^ a4 ^ rowRot2(m4), 32);
  store<u64>(p, x2_5 ^ a5 ^ rowRot2(m5), 40);
  store<u64>(p, x2_6 ^ a6 ^ rowRot2(m6), 48);
  store<u64>(p, x2_7 ^ a7 ^ rowRot2(m7), 56);
}

/** InvMixColumns = MixColumns after s_r ^= 4 (s_r ^ s_r+2) (the factorisation d(x) = c(x)(4x^2 + 5)). */
export function bsInvMixColumns(p: usize): void {
  const q0 = load<u64>(p, 0), p0 = q0 ^ rowRot2(q0);
  const q1 = load<u64>(p, 8), p1 = q1 ^ rowRot2(q1);
  const q2 = load<u64>(p, 16), p2 = q2 ^ rowRot2(q2);
  const q3 = load<u64>(p, 24), p3 = q3 ^ rowRot2(q3);
  const q4 = load<u64>(p, 32), p4 = q4 ^ rowRot2(q4);
  const q5 = load<u64>(p, 40), p5 = q5 ^ rowRot2(q5);
  const q6 = load<u64>(p, 48), p6 = q6 ^ rowRot2(q6);
  const q7 = load<u64>(p, 56), p7 = q7 ^ rowRot2(q7);
  const u0 = p7, u1 = p0 ^ p7, u2 = p1, u3 = p2 ^ p7, u4 = p3 ^ p7, u5 = p4, u6 = p5, u7 = p6;
  const w0 = u7, w1 = u0 ^ u7, w2 = u1, w3 = u2 ^ u7, w4 = u3 ^ u7, w5 = u4, w6 = u5, w7 = u6;
  store<u64>(p, q0 ^ w0, 0);
  store<u64>(p, q1 ^ w1, 8);
  store<u64>(p, q2 ^ w2, 16);
  store<u64>(p, q3 ^ w3, 24);
  store<u64>(p, q4 ^ w4, 32);
  store<u64>(p, q5 ^ w5, 40);
  store<u64>(p, q6 ^ w6, 48);
  store<u64>(p, q7 ^ w7, 56);
  bsMixColumns(p);
}

export function bsAddRoundKey(p: usize, k: usize): void {
  for (let b: usize = 0; b < 64; b += 8) store<u64>(p + b, load<u64>(p + b) ^ load<u64>(k + b));
}

/** Bitslices 4 blocks (64 bytes at src) into the planes at p. */
export function bsLoad(p: usize, src: usize): void {
  let q0: u64 = 0;
  let q1: u64 = 0;
  let q2: u64 = 0;
  let q3: u64 = 0;
  let q4: u64 = 0;
  let q5: u64 = 0;
  let q6: u64 = 0;
  let q7: u64 = 0;
  for (let blk = 0; blk < 4; blk++) {
    const s = src + (<usize>blk << 4);
    const lo = transpose8(load<u64>(s)), hi = transpose8(load<u64>(s, 8));
    const sh = <u64>blk;
    q0 |= spread(((lo >> 0) & 0xFF) | (((hi >> 0) & 0xFF) << 8)) << sh;
    q1 |= spread(((lo >> 8) & 0xFF) | (((hi >> 8) & 0xFF) << 8)) << sh;
    q2 |= spread(((lo >> 16) & 0xFF) | (((hi >> 16) & 0xFF) << 8)) << sh;
    q3 |= spread(((lo >> 24) & 0xFF) | (((hi >> 24) & 0xFF) << 8)) << sh;
    q4 |= spread(((lo >> 32) & 0xFF) | (((hi >> 32) & 0xFF) << 8)) << sh;
    q5 |= spread(((lo >> 40) & 0xFF) | (((hi >> 40) & 0xFF) << 8)) << sh;
    q6 |= spread(((lo >> 48) & 0xFF) | (((hi >> 48) & 0xFF) << 8)) << sh;
    q7 |= spread(((lo >> 56) & 0xFF) | (((hi >> 56) & 0xFF) << 8)) << sh;
  }
  store<u64>(p, q0, 0);
  store<u64>(p, q1, 8);
  store<u64>(p, q2, 16);
  store<u64>(p, q3, 24);
  store<u64>(p, q4, 32);
  store<u64>(p, q5, 40);
  store<u64>(p, q6, 48);
  store<u64>(p, q7, 56);
}

/** Inverse of bsLoad: writes the 4 blocks held in the planes at p to dst. */
export function bsStore(p: usize, dst: usize): void {
  for (let blk = 0; blk < 4; blk++) {
    const sh = <u64>blk;
    let lo: u64 = 0, hi: u64 = 0;
    for (let b = 0; b < 8; b++) {
      const m = gather(load<u64>(p + (<usize>b << 3)) >> sh);
      lo |= (m & 0xFF) << (<u64>b << 3);
      hi |= (m >> 8) << (<u64>b << 3);
    }
    const d = dst + (<usize>blk << 4);
    store<u64>(d, transpose8(lo));
    store<u64>(d, transpose8(hi), 8);
  }
}

/** Bitslices one 16-byte round key, replicated into the four block positions. */
export function bsRoundKey(dst: usize, src: usize): void {
  const lo = transpose8(load<u64>(src)), hi = transpose8(load<u64>(src, 8));
  for (let b = 0; b < 8; b++) {
    const sh = <u64>b << 3;
    const x = spread(((lo >> sh) & 0xFF) | (((hi >> sh) & 0xFF) << 8));
    store<u64>(dst + (<usize>b << 3), x | (x << 1) | (x << 2) | (x << 3));
  }
}
