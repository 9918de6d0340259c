// AES key expansion (FIPS-197 5.2) for the SIMD build, a whole round key (4 words) per step: each new round key
// is the prefix XOR of the previous one (two word shifts) XOR a broadcast of SubWord(RotWord(w)) ^ Rcon computed
// with the vector S-box. Keys stay in registers and go straight into the tower / inverse bases that simd.ts
// uses (layout: index.ts), so no standard-basis schedule is ever written to memory.
import { subBytesStd, mapBytes, transpose } from './simd';
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
  const c63 = i8x16.splat(0x63);
  // encryption keys are row-major (see simd.ts)
  if (r == 0) v128.store(enc, transpose(k));
  else if (r == nr) v128.store(enc + (<usize>r << 4), transpose(v128.xor(k, c63)));
  else v128.store(enc + (<usize>r << 4), transpose(mapBytes(v128.xor(k, c63), T.T_IPT_LO, T.T_IPT_HI)));
  if (dec == 0) return;
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
