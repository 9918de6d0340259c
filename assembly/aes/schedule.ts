// AES key expansion (FIPS-197 section 5.2) into standard round keys, and the per-build transforms of those
// keys into the form the block code uses. Branches depend on the word index only (public).
import { bsSubWord } from './scalar';
import { subBytesStd, mapBytes } from './simd';
import * as T from './tables';

function subWord(w: u32): u32 {
  if (ASC_FEATURE_SIMD) {
    return i32x4.extract_lane(subBytesStd(i32x4.splat(w)), 0);
  } else {
    return bsSubWord(w);
  }
}

/** Writes (nk + 7) standard 16-byte round keys to w (nk = 4 or 8 words); returns the round count. */
export function expandKey(key: usize, nk: i32, w: usize): i32 {
  const nr = nk + 6;
  const words = (nr + 1) << 2;
  for (let i = 0; i < nk; i++) store<u32>(w + (<usize>i << 2), load<u32>(key + (<usize>i << 2)));
  let rcon: u32 = 1;
  for (let i = nk; i < words; i++) {
    let t = load<u32>(w + (<usize>(i - 1) << 2));
    if (i % nk == 0) {
      t = subWord(rotr<u32>(t, 8)) ^ rcon;
      rcon = (rcon << 1) ^ ((rcon >> 7) * 0x11b);
    } else if (nk > 6 && i % nk == 4) {
      t = subWord(t);
    }
    store<u32>(w + (<usize>i << 2), load<u32>(w + (<usize>(i - nk) << 2)) ^ t);
  }
  return nr;
}

/** 2*x in GF(2^8) for the four bytes of a word, without branches. */
@inline function xtime4(x: u32): u32 {
  return ((x & 0x7f7f7f7f) << 1) ^ (((x >> 7) & 0x01010101) * 0x1b);
}

/** InvMixColumns of one column (bytes = rows 0..3, little-endian). */
@inline function invMixColumn(a: u32): u32 {
  const a2 = xtime4(a), a4 = xtime4(a2), a8 = xtime4(a4);
  const a9 = a8 ^ a, a11 = a9 ^ a2, a13 = a9 ^ a4, a14 = a8 ^ a4 ^ a2;
  // out_r = 14 a_r ^ 11 a_r+1 ^ 13 a_r+2 ^ 9 a_r+3; row r+1 is the next byte up: rotr by 8 brings it down
  return a14 ^ rotr<u32>(a11, 8) ^ rotr<u32>(a13, 16) ^ rotr<u32>(a9, 24);
}

/**
 * SIMD build: turns the standard keys at w (nr + 1 blocks) into the encryption keys at enc and, when dec != 0,
 * the equivalent-inverse-cipher keys at dec, in the bases documented in index.ts.
 */
export function simdKeys(w: usize, nr: i32, enc: usize, dec: usize): void {
  if (ASC_FEATURE_SIMD) {
    const c63 = i8x16.splat(0x63);
    v128.store(enc, v128.load(w));
    for (let r = 1; r < nr; r++) {
      const k = v128.xor(v128.load(w + (<usize>r << 4)), c63);
      v128.store(enc + (<usize>r << 4), mapBytes(k, T.T_IPT_LO, T.T_IPT_HI));
    }
    v128.store(enc + (<usize>nr << 4), v128.xor(v128.load(w + (<usize>nr << 4)), c63));
    if (dec != 0) {
      v128.store(dec, mapBytes(v128.xor(v128.load(w + (<usize>nr << 4)), c63), T.T_DPT_LO, T.T_DPT_HI));
      for (let r = 1; r < nr; r++) {
        const src = w + (<usize>(nr - r) << 4);
        const col = v128.load(src);
        const m = i32x4(0, 0, 0, 0);
        let k = i32x4.replace_lane(m, 0, invMixColumn(i32x4.extract_lane(col, 0)));
        k = i32x4.replace_lane(k, 1, invMixColumn(i32x4.extract_lane(col, 1)));
        k = i32x4.replace_lane(k, 2, invMixColumn(i32x4.extract_lane(col, 2)));
        k = i32x4.replace_lane(k, 3, invMixColumn(i32x4.extract_lane(col, 3)));
        v128.store(dec + (<usize>r << 4), mapBytes(v128.xor(k, c63), T.T_DPT_LO, T.T_DPT_HI));
      }
      v128.store(dec + (<usize>nr << 4), v128.load(w));
    }
  }
}
