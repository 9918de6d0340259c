// AES rounds with v128 nibble lookups (vector-permute style, FIPS-197 semantics). Compiled only into the SIMD
// build: every caller sits behind `if (ASC_FEATURE_SIMD)`.
//
// The state between rounds is kept in a tower basis: byte x = k*t + i with i, k in GF(16) (see tables.ts), so the
// S-box inversion is a handful of 16-entry lookups of nibbles:
//   j = i ^ k, iak = 1/i ^ 1/(lambda*k), jak = 1/j ^ 1/(lambda*k), io = 1/iak ^ j, jo = 1/jak ^ i
//   x^-1 = (1/io)*(t + lambda) + (1/jo)*(t + 1 + lambda)       (1/0 = inf = 0x80, swizzle(inf) = 0)
// and the output tables fold the affine map, the basis change and MixColumns' factor 2 (or InvMixColumns'
// 9/11/13/14) into 16-byte tables of io and jo. Every lookup is i8x16.swizzle: one instruction that reads the
// whole table, so no memory address and no branch depends on data. Encryption runs row-major (transposed
// blocks and keys), decryption column-major; both interleave four (CTR bulk: eight) blocks.
import * as T from './tables';

@inline export function tab(off: usize): v128 {
  return v128.load(T.TABLES + off);
}

@inline function invShiftRows(s: v128): v128 {
  return i8x16.shuffle(s, s, 0, 13, 10, 7, 4, 1, 14, 11, 8, 5, 2, 15, 12, 9, 6, 3);
}

// Decryption keeps the state column-major (byte 4*col + row): row r of every column takes row r+1, a rotation
// inside each 32-bit lane, written with lane shifts because V8 rebuilds a general shuffle's mask on every use.
@inline function rot1(s: v128): v128 {
  return v128.or(i32x4.shr_u(s, 8), i32x4.shl(s, 24));
}


// Encryption keeps the state row-major (byte 4*row + col): MixColumns' row rotations are then 32-bit lane
// shuffles (one pshufd), where column-major needs shifts. Blocks are transposed on the way in and out.
@inline export function transpose(s: v128): v128 {
  return i8x16.shuffle(s, s, 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
}

/** ShiftRows on a row-major state: row r (lane r) rotates by r bytes. */
@inline function shiftRowsRM(s: v128): v128 {
  return i8x16.shuffle(s, s, 0, 1, 2, 3, 5, 6, 7, 4, 10, 11, 8, 9, 15, 12, 13, 14);
}

@inline function rowRot1(s: v128): v128 {
  return i8x16.shuffle(s, s, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3);
}

@inline function rowRot2(s: v128): v128 {
  return i8x16.shuffle(s, s, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);
}

@inline function lowNibbles(s: v128): v128 {
  return v128.and(s, i8x16.splat(15));
}

@inline function highNibbles(s: v128): v128 {
  return v128.and(i16x8.shr_u(s, 4), i8x16.splat(15));
}

/** Linear map of every byte given by two nibble tables (basis changes). */
@inline export function mapBytes(s: v128, lo: usize, hi: usize): v128 {
  return v128.xor(i8x16.swizzle(tab(lo), lowNibbles(s)), i8x16.swizzle(tab(hi), highNibbles(s)));
}

// One middle encryption round on a row-major tower-basis state: ShiftRows, S-box, MixColumns, AddRoundKey.
// Written out as a macro so that several independent blocks can be interleaved by the caller.
@inline export function encRound(s: v128, rk: v128, inv: v128, ak: v128, sb1: v128, sb2: v128, sb1x2: v128, sb2x2: v128): v128 {
  s = shiftRowsRM(s);
  const k = lowNibbles(s);
  const i = highNibbles(s);
  const j = v128.xor(i, k);
  const a = i8x16.swizzle(ak, k);
  const iak = v128.xor(i8x16.swizzle(inv, i), a);
  const jak = v128.xor(i8x16.swizzle(inv, j), a);
  const io = v128.xor(i8x16.swizzle(inv, iak), j);
  const jo = v128.xor(i8x16.swizzle(inv, jak), i);
  const x1 = v128.xor(i8x16.swizzle(sb1, io), i8x16.swizzle(sb2, jo));
  const x2 = v128.xor(i8x16.swizzle(sb1x2, io), i8x16.swizzle(sb2x2, jo));
  // MixColumns: 2a_r ^ 3a_r+1 ^ a_r+2 ^ a_r+3 = x2 ^ c ^ rot1(x1 ^ x2 ^ c) with c = rot2(x1) (rot1 . rot2 = rot3);
  // rows are lanes here, so both rotations are single lane shuffles
  const c = rowRot2(x1);
  return v128.xor(v128.xor(v128.xor(x2, c), rowRot1(v128.xor(v128.xor(x1, x2), c))), rk);
}

// Last encryption round: ShiftRows, S-box back to the standard basis, AddRoundKey (no MixColumns); row-major.
@inline export function encLast(s: v128, rk: v128, inv: v128, ak: v128, so1: v128, so2: v128): v128 {
  s = shiftRowsRM(s);
  const k = lowNibbles(s);
  const i = highNibbles(s);
  const j = v128.xor(i, k);
  const a = i8x16.swizzle(ak, k);
  const io = v128.xor(i8x16.swizzle(inv, v128.xor(i8x16.swizzle(inv, i), a)), j);
  const jo = v128.xor(i8x16.swizzle(inv, v128.xor(i8x16.swizzle(inv, j), a)), i);
  return v128.xor(v128.xor(i8x16.swizzle(so1, io), i8x16.swizzle(so2, jo)), rk);
}

/** Full S-box on every byte of a standard-basis vector (key schedule's SubWord). */
export function subBytesStd(s: v128): v128 {
  s = mapBytes(s, T.T_IPT_LO, T.T_IPT_HI);
  const inv = tab(T.T_INV);
  const k = lowNibbles(s);
  const i = highNibbles(s);
  const j = v128.xor(i, k);
  const a = i8x16.swizzle(tab(T.T_AK), k);
  const io = v128.xor(i8x16.swizzle(inv, v128.xor(i8x16.swizzle(inv, i), a)), j);
  const jo = v128.xor(i8x16.swizzle(inv, v128.xor(i8x16.swizzle(inv, j), a)), i);
  const out = v128.xor(i8x16.swizzle(tab(T.T_SO1), io), i8x16.swizzle(tab(T.T_SO2), jo));
  return v128.xor(out, i8x16.splat(0x63));
}

/** Encrypts one block held in a register with the tower-basis round keys at `rk` (see index.ts layout). */
export function encryptBlock(rk: usize, nr: i32, b: v128): v128 {
  const inv = tab(T.T_INV), ak = tab(T.T_AK);
  const sb1 = tab(T.T_SB1), sb2 = tab(T.T_SB2), sb1x2 = tab(T.T_SB1X2), sb2x2 = tab(T.T_SB2X2);
  let s = mapBytes(v128.xor(transpose(b), v128.load(rk)), T.T_IPT_LO, T.T_IPT_HI);
  for (let r = 1; r < nr; r++) {
    s = encRound(s, v128.load(rk + (<usize>r << 4)), inv, ak, sb1, sb2, sb1x2, sb2x2);
  }
  return transpose(encLast(s, v128.load(rk + (<usize>nr << 4)), inv, ak, tab(T.T_SO1), tab(T.T_SO2)));
}

/**
 * Encrypts four blocks given in registers, interleaved so the CPU overlaps their lookups, and stores them to
 * `dst` (xorInto = false) or XORs them into the 64 bytes at `dst` (xorInto = true: CTR keystream).
 */
export function encrypt4(rk: usize, nr: i32, b0: v128, b1: v128, b2: v128, b3: v128, dst: usize, xorInto: bool): void {
  const inv = tab(T.T_INV), ak = tab(T.T_AK);
  const sb1 = tab(T.T_SB1), sb2 = tab(T.T_SB2), sb1x2 = tab(T.T_SB1X2), sb2x2 = tab(T.T_SB2X2);
  const k0 = v128.load(rk);
  let s0 = mapBytes(v128.xor(transpose(b0), k0), T.T_IPT_LO, T.T_IPT_HI);
  let s1 = mapBytes(v128.xor(transpose(b1), k0), T.T_IPT_LO, T.T_IPT_HI);
  let s2 = mapBytes(v128.xor(transpose(b2), k0), T.T_IPT_LO, T.T_IPT_HI);
  let s3 = mapBytes(v128.xor(transpose(b3), k0), T.T_IPT_LO, T.T_IPT_HI);
  for (let r = 1; r < nr; r++) {
    const k = v128.load(rk + (<usize>r << 4));
    s0 = encRound(s0, k, inv, ak, sb1, sb2, sb1x2, sb2x2);
    s1 = encRound(s1, k, inv, ak, sb1, sb2, sb1x2, sb2x2);
    s2 = encRound(s2, k, inv, ak, sb1, sb2, sb1x2, sb2x2);
    s3 = encRound(s3, k, inv, ak, sb1, sb2, sb1x2, sb2x2);
  }
  const kl = v128.load(rk + (<usize>nr << 4));
  const so1 = tab(T.T_SO1), so2 = tab(T.T_SO2);
  s0 = transpose(encLast(s0, kl, inv, ak, so1, so2));
  s1 = transpose(encLast(s1, kl, inv, ak, so1, so2));
  s2 = transpose(encLast(s2, kl, inv, ak, so1, so2));
  s3 = transpose(encLast(s3, kl, inv, ak, so1, so2));
  if (xorInto) {
    s0 = v128.xor(s0, v128.load(dst));
    s1 = v128.xor(s1, v128.load(dst, 16));
    s2 = v128.xor(s2, v128.load(dst, 32));
    s3 = v128.xor(s3, v128.load(dst, 48));
  }
  v128.store(dst, s0);
  v128.store(dst, s1, 16);
  v128.store(dst, s2, 32);
  v128.store(dst, s3, 48);
}

/** Big-endian bytes of the 128-bit counter (hi, lo) as a v128 (byte-reverse each 64-bit lane). */
@inline export function counterBlock(hi: u64, lo: u64): v128 {
  const v = i64x2.replace_lane(i64x2.splat(hi), 1, lo);
  return i8x16.shuffle(v, v, 7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8);
}

/**
 * Bulk keystream step: encrypts the eight counter blocks b0..b7 and XORs them into the 128 bytes at dst. Eight
 * blocks in flight keep more swizzles overlapped than four (measured ~5% faster).
 */
export function encrypt8Xor(rk: usize, nr: i32, b0: v128, b1: v128, b2: v128, b3: v128, b4: v128, b5: v128, b6: v128,
  b7: v128, dst: usize): void {
  const inv = tab(T.T_INV), ak = tab(T.T_AK);
  const sb1 = tab(T.T_SB1), sb2 = tab(T.T_SB2), sb1x2 = tab(T.T_SB1X2), sb2x2 = tab(T.T_SB2X2);
  const k0 = v128.load(rk);
  let s0 = mapBytes(v128.xor(transpose(b0), k0), T.T_IPT_LO, T.T_IPT_HI);
  let s1 = mapBytes(v128.xor(transpose(b1), k0), T.T_IPT_LO, T.T_IPT_HI);
  let s2 = mapBytes(v128.xor(transpose(b2), k0), T.T_IPT_LO, T.T_IPT_HI);
  let s3 = mapBytes(v128.xor(transpose(b3), k0), T.T_IPT_LO, T.T_IPT_HI);
  let s4 = mapBytes(v128.xor(transpose(b4), k0), T.T_IPT_LO, T.T_IPT_HI);
  let s5 = mapBytes(v128.xor(transpose(b5), k0), T.T_IPT_LO, T.T_IPT_HI);
  let s6 = mapBytes(v128.xor(transpose(b6), k0), T.T_IPT_LO, T.T_IPT_HI);
  let s7 = mapBytes(v128.xor(transpose(b7), k0), T.T_IPT_LO, T.T_IPT_HI);
  for (let r = 1; r < nr; r++) {
    const k = v128.load(rk + (<usize>r << 4));
    s0 = encRound(s0, k, inv, ak, sb1, sb2, sb1x2, sb2x2);
    s1 = encRound(s1, k, inv, ak, sb1, sb2, sb1x2, sb2x2);
    s2 = encRound(s2, k, inv, ak, sb1, sb2, sb1x2, sb2x2);
    s3 = encRound(s3, k, inv, ak, sb1, sb2, sb1x2, sb2x2);
    s4 = encRound(s4, k, inv, ak, sb1, sb2, sb1x2, sb2x2);
    s5 = encRound(s5, k, inv, ak, sb1, sb2, sb1x2, sb2x2);
    s6 = encRound(s6, k, inv, ak, sb1, sb2, sb1x2, sb2x2);
    s7 = encRound(s7, k, inv, ak, sb1, sb2, sb1x2, sb2x2);
  }
  const kl = v128.load(rk + (<usize>nr << 4));
  const so1 = tab(T.T_SO1), so2 = tab(T.T_SO2);
  v128.store(dst, v128.xor(v128.load(dst), transpose(encLast(s0, kl, inv, ak, so1, so2))));
  v128.store(dst, v128.xor(v128.load(dst, 16), transpose(encLast(s1, kl, inv, ak, so1, so2))), 16);
  v128.store(dst, v128.xor(v128.load(dst, 32), transpose(encLast(s2, kl, inv, ak, so1, so2))), 32);
  v128.store(dst, v128.xor(v128.load(dst, 48), transpose(encLast(s3, kl, inv, ak, so1, so2))), 48);
  v128.store(dst, v128.xor(v128.load(dst, 64), transpose(encLast(s4, kl, inv, ak, so1, so2))), 64);
  v128.store(dst, v128.xor(v128.load(dst, 80), transpose(encLast(s5, kl, inv, ak, so1, so2))), 80);
  v128.store(dst, v128.xor(v128.load(dst, 96), transpose(encLast(s6, kl, inv, ak, so1, so2))), 96);
  v128.store(dst, v128.xor(v128.load(dst, 112), transpose(encLast(s7, kl, inv, ak, so1, so2))), 112);
}

/** Encrypts two blocks interleaved (GCM's H and E(J0) at key setup); stores them at dst, dst + 16. */
export function encrypt2(rk: usize, nr: i32, b0: v128, b1: v128, dst: usize): void {
  const inv = tab(T.T_INV), ak = tab(T.T_AK);
  const sb1 = tab(T.T_SB1), sb2 = tab(T.T_SB2), sb1x2 = tab(T.T_SB1X2), sb2x2 = tab(T.T_SB2X2);
  const k0 = v128.load(rk);
  let s0 = mapBytes(v128.xor(transpose(b0), k0), T.T_IPT_LO, T.T_IPT_HI);
  let s1 = mapBytes(v128.xor(transpose(b1), k0), T.T_IPT_LO, T.T_IPT_HI);
  for (let r = 1; r < nr; r++) {
    const k = v128.load(rk + (<usize>r << 4));
    s0 = encRound(s0, k, inv, ak, sb1, sb2, sb1x2, sb2x2);
    s1 = encRound(s1, k, inv, ak, sb1, sb2, sb1x2, sb2x2);
  }
  const kl = v128.load(rk + (<usize>nr << 4));
  const so1 = tab(T.T_SO1), so2 = tab(T.T_SO2);
  v128.store(dst, transpose(encLast(s0, kl, inv, ak, so1, so2)));
  v128.store(dst, transpose(encLast(s1, kl, inv, ak, so1, so2)), 16);
}

// One middle round of the equivalent inverse cipher on an N-basis state:
// InvShiftRows, inverse S-box, InvMixColumns (Horner over the row rotation), AddRoundKey.
@inline function decRound(s: v128, dk: v128, inv: v128, ak: v128): v128 {
  s = invShiftRows(s);
  const k = lowNibbles(s);
  const i = highNibbles(s);
  const j = v128.xor(i, k);
  const a = i8x16.swizzle(ak, k);
  const io = v128.xor(i8x16.swizzle(inv, v128.xor(i8x16.swizzle(inv, i), a)), j);
  const jo = v128.xor(i8x16.swizzle(inv, v128.xor(i8x16.swizzle(inv, j), a)), i);
  const m9 = v128.xor(i8x16.swizzle(tab(T.T_D9_1), io), i8x16.swizzle(tab(T.T_D9_2), jo));
  const md = v128.xor(i8x16.swizzle(tab(T.T_DD_1), io), i8x16.swizzle(tab(T.T_DD_2), jo));
  const mb = v128.xor(i8x16.swizzle(tab(T.T_DB_1), io), i8x16.swizzle(tab(T.T_DB_2), jo));
  const me = v128.xor(i8x16.swizzle(tab(T.T_DE_1), io), i8x16.swizzle(tab(T.T_DE_2), jo));
  const h = rot1(v128.xor(mb, rot1(v128.xor(md, rot1(m9)))));
  return v128.xor(v128.xor(me, h), dk);
}

@inline function decLast(s: v128, rk: v128, inv: v128, ak: v128): v128 {
  s = invShiftRows(s);
  const k = lowNibbles(s);
  const i = highNibbles(s);
  const j = v128.xor(i, k);
  const a = i8x16.swizzle(ak, k);
  const io = v128.xor(i8x16.swizzle(inv, v128.xor(i8x16.swizzle(inv, i), a)), j);
  const jo = v128.xor(i8x16.swizzle(inv, v128.xor(i8x16.swizzle(inv, j), a)), i);
  return v128.xor(v128.xor(i8x16.swizzle(tab(T.T_DO1), io), i8x16.swizzle(tab(T.T_DO2), jo)), rk);
}

/** Decrypts one block with the N-basis decryption keys at `dk` (see index.ts layout). */
export function decryptBlock(dk: usize, nr: i32, b: v128): v128 {
  const inv = tab(T.T_INV), ak = tab(T.T_AK);
  let s = v128.xor(mapBytes(b, T.T_DPT_LO, T.T_DPT_HI), v128.load(dk));
  for (let r = 1; r < nr; r++) s = decRound(s, v128.load(dk + (<usize>r << 4)), inv, ak);
  return decLast(s, v128.load(dk + (<usize>nr << 4)), inv, ak);
}

/** Decrypts four blocks in a row (CBC decryption is parallel); results go to `dst`. */
export function decrypt4(dk: usize, nr: i32, b0: v128, b1: v128, b2: v128, b3: v128, dst: usize): void {
  const inv = tab(T.T_INV), ak = tab(T.T_AK);
  const k0 = v128.load(dk);
  let s0 = v128.xor(mapBytes(b0, T.T_DPT_LO, T.T_DPT_HI), k0);
  let s1 = v128.xor(mapBytes(b1, T.T_DPT_LO, T.T_DPT_HI), k0);
  let s2 = v128.xor(mapBytes(b2, T.T_DPT_LO, T.T_DPT_HI), k0);
  let s3 = v128.xor(mapBytes(b3, T.T_DPT_LO, T.T_DPT_HI), k0);
  for (let r = 1; r < nr; r++) {
    const k = v128.load(dk + (<usize>r << 4));
    s0 = decRound(s0, k, inv, ak);
    s1 = decRound(s1, k, inv, ak);
    s2 = decRound(s2, k, inv, ak);
    s3 = decRound(s3, k, inv, ak);
  }
  const kl = v128.load(dk + (<usize>nr << 4));
  v128.store(dst, decLast(s0, kl, inv, ak));
  v128.store(dst, decLast(s1, kl, inv, ak), 16);
  v128.store(dst, decLast(s2, kl, inv, ak), 32);
  v128.store(dst, decLast(s3, kl, inv, ak), 48);
}
