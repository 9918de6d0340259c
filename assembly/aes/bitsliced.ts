// Constant-time AES for the scalar build: four blocks bitsliced into eight u64 bit planes (FIPS-197).
// SubBytes / InvSubBytes are generated gates (sbox-gates.ts, inv-sbox-gates.ts); this file holds the layout.
//
// Plane b (8 bytes at p + 8b) holds bit b of all 64 state bytes at bit position 16*col + 4*row + block, so
// ShiftRows rotates whole 16-bit column groups per row and MixColumns rotates nibbles inside a column group.
// The S-box is x^254 (squarings and four multiplications) plus the affine map. Nothing here branches on, or
// indexes memory by, key or data: every plane goes through the same gates.

/** The state planes (64 bytes) of the call in progress; wiped by the exports (wipeBsScratch). */
const PLANES: usize = memory.data(64, 16);
export function bsPlanes(): usize {
  return PLANES;
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
