// AES key expansion (FIPS-197 5.2) for the SIMD build, a whole round key (4 words) per step: each new round key
// is the prefix XOR of the previous one (two word shifts) XOR a broadcast of SubWord(RotWord(w)) ^ Rcon computed
// with the vector S-box. Keys stay in registers and go straight into the tower / inverse bases that simd.ts
// uses (layout: index.ts), so no standard-basis schedule is ever written to memory.
import { subBytesStd, mapBytes, transpose, tab, encRound, encLast } from './simd';
import * as T from './tables';

@inline function prefixXor(k: v128): v128 {
  const z = i32x4.splat(0);
  const t = v128.xor(k, i8x16.shuffle(z, k, 0, 1, 2, 3, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27));
  return v128.xor(t, i8x16.shuffle(z, t, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23));
}

/** SubWord(RotWord(word 3)) ^ rcon in every word. */
@inline function rotSubBroadcast(k: v128, rcon: u32): v128 {
  const s = subBytesStd(k);
  return v128.xor(i8x16.shuffle(s, s, 13, 14, 15, 12, 13, 14, 15, 12, 13, 14, 15, 12, 13, 14, 15, 12), i32x4.splat(rcon));
}

/** SubWord(word 3) in every word (AES-256's extra step). */
@inline function subBroadcast(k: v128): v128 {
  const s = subBytesStd(k);
  return i8x16.shuffle(s, s, 12, 13, 14, 15, 12, 13, 14, 15, 12, 13, 14, 15, 12, 13, 14, 15);
}

@inline function xtime(v: v128): v128 {
  return v128.xor(i8x16.add(v, v), v128.and(i8x16.lt_s(v, i32x4.splat(0)), i8x16.splat(0x1b)));
}

@inline function rotrWords(v: v128, bits: i32): v128 {
  return v128.or(i32x4.shr_u(v, bits), i32x4.shl(v, 32 - bits));
}

/** InvMixColumns of a round key (equivalent inverse cipher, FIPS-197 5.3.5). */
@inline function invMixColumns(a: v128): v128 {
  const a2 = xtime(a), a4 = xtime(a2), a8 = xtime(a4);
  const a9 = v128.xor(a8, a), a11 = v128.xor(a9, a2), a13 = v128.xor(a9, a4), a14 = v128.xor(v128.xor(a8, a4), a2);
  return v128.xor(v128.xor(a14, rotrWords(a11, 8)), v128.xor(rotrWords(a13, 16), rotrWords(a9, 24)));
}

/** Stores standard round key r in the encryption (and, when dec != 0, decryption) layouts. */
function emit(k: v128, r: i32, nr: i32, enc: usize, dec: usize): void {
  emitEnc(k, r, nr, enc);
  if (dec != 0) emitDec(k, r, nr, dec);
}

/** The encryption form of standard round key r (row-major; see simd.ts), stored at enc + 16 r and returned. */
@inline function emitEnc(k: v128, r: i32, nr: i32, enc: usize): v128 {
  const c63 = i8x16.splat(0x63);
  let e: v128;
  if (r == 0) e = transpose(k);
  else if (r == nr) e = transpose(v128.xor(k, c63));
  else e = transpose(mapBytes(v128.xor(k, c63), T.T_IPT_LO, T.T_IPT_HI));
  v128.store(enc + (<usize>r << 4), e);
  return e;
}

function emitDec(k: v128, r: i32, nr: i32, dec: usize): void {
  const c63 = i8x16.splat(0x63);
  const d = nr - r;
  if (d == nr) v128.store(dec + (<usize>d << 4), k);
  else if (d == 0) v128.store(dec, mapBytes(v128.xor(k, c63), T.T_DPT_LO, T.T_DPT_HI));
  else v128.store(dec + (<usize>d << 4), mapBytes(v128.xor(invMixColumns(k), c63), T.T_DPT_LO, T.T_DPT_HI));
}

/** Expands a 16- or 32-byte key into enc (and dec when non-zero); returns the round count. */
export function simdExpand(key: usize, keyLen: i32, enc: usize, dec: usize): i32 {
  let rcon: u32 = 1;
  if (keyLen == 16) {
    let k = v128.load(key);
    emit(k, 0, 10, enc, dec);
    for (let r = 1; r <= 10; r++) {
      k = v128.xor(prefixXor(k), rotSubBroadcast(k, rcon));
      rcon = (rcon << 1) ^ ((rcon >> 7) * 0x11b);
      emit(k, r, 10, enc, dec);
    }
    return 10;
  }
  let a = v128.load(key), b = v128.load(key, 16);
  emit(a, 0, 14, enc, dec);
  emit(b, 1, 14, enc, dec);
  for (let r = 2; r <= 14; r += 2) {
    a = v128.xor(prefixXor(a), rotSubBroadcast(b, rcon));
    rcon = (rcon << 1) ^ ((rcon >> 7) * 0x11b);
    emit(a, r, 14, enc, dec);
    if (r == 14) break;
    b = v128.xor(prefixXor(b), subBroadcast(a));
    emit(b, r + 1, 14, enc, dec);
  }
  return 14;
}

/**
 * Key schedule fused with the encryption of two blocks (GCM's H = E(0) and E(J0)): round r of both blocks runs
 * as soon as round key r exists, so the two dependency chains overlap instead of running one after the other.
 * Encryption keys only; results stored at dst, dst + 16. Returns the round count.
 */
export function simdExpandEncrypt2(key: usize, keyLen: i32, enc: usize, b0: v128, b1: v128, dst: usize): i32 {
  const inv = tab(T.T_INV), ak = tab(T.T_AK);
  const sb1 = tab(T.T_SB1), sb2 = tab(T.T_SB2), sb1x2 = tab(T.T_SB1X2), sb2x2 = tab(T.T_SB2X2);
  const so1 = tab(T.T_SO1), so2 = tab(T.T_SO2);
  let rcon: u32 = 1;
  const nr = keyLen == 16 ? 10 : 14;
  let a = v128.load(key);
  const k0 = emitEnc(a, 0, nr, enc);
  let s0 = mapBytes(v128.xor(transpose(b0), k0), T.T_IPT_LO, T.T_IPT_HI);
  let s1 = mapBytes(v128.xor(transpose(b1), k0), T.T_IPT_LO, T.T_IPT_HI);
  if (nr == 10) {
    for (let r = 1; r < 10; r++) {
      a = v128.xor(prefixXor(a), rotSubBroadcast(a, rcon));
      rcon = (rcon << 1) ^ ((rcon >> 7) * 0x11b);
      const e = emitEnc(a, r, 10, enc);
      s0 = encRound(s0, e, inv, ak, sb1, sb2, sb1x2, sb2x2);
      s1 = encRound(s1, e, inv, ak, sb1, sb2, sb1x2, sb2x2);
    }
    a = v128.xor(prefixXor(a), rotSubBroadcast(a, rcon));
  } else {
    let b = v128.load(key, 16);
    let e = emitEnc(b, 1, 14, enc);
    s0 = encRound(s0, e, inv, ak, sb1, sb2, sb1x2, sb2x2);
    s1 = encRound(s1, e, inv, ak, sb1, sb2, sb1x2, sb2x2);
    for (let r = 2; r < 14; r += 2) {
      a = v128.xor(prefixXor(a), rotSubBroadcast(b, rcon));
      rcon = (rcon << 1) ^ ((rcon >> 7) * 0x11b);
      e = emitEnc(a, r, 14, enc);
      s0 = encRound(s0, e, inv, ak, sb1, sb2, sb1x2, sb2x2);
      s1 = encRound(s1, e, inv, ak, sb1, sb2, sb1x2, sb2x2);
      b = v128.xor(prefixXor(b), subBroadcast(a));
      e = emitEnc(b, r + 1, 14, enc);
      s0 = encRound(s0, e, inv, ak, sb1, sb2, sb1x2, sb2x2);
      s1 = encRound(s1, e, inv, ak, sb1, sb2, sb1x2, sb2x2);
    }
    a = v128.xor(prefixXor(a), rotSubBroadcast(b, rcon));
  }
  const last = emitEnc(a, nr, nr, enc);
  v128.store(dst, transpose(encLast(s0, last, inv, ak, so1, so2)));
  v128.store(dst, transpose(encLast(s1, last, inv, ak, so1, so2)), 16);
  return nr;
}
