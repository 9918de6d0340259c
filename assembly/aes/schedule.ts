// AES key expansion (FIPS-197 section 5.2) into standard round keys for the scalar build (the SIMD build uses
// schedule-simd.ts). SubWord goes through the bitsliced gates; branches depend on the word index only (public).
import { bsSubWord } from './scalar';

function subWord(w: u32): u32 {
  return bsSubWord(w);
}

/** Writes (nk + 7) standard 16-byte round keys to w (nk = 4 or 8 words); returns the round count. */
export function expandKey(key: usize, nk: i32, w: usize): i32 {
  const nr = nk + 6;
  const words = (nr + 1) << 2;
  for (let i = 0; i < nk; i++) store<u32>(w + (<usize>i << 2), load<u32>(key + (<usize>i << 2)));
  let rcon: u32 = 1;
  let phase = 0; // i mod nk, kept as a counter (no division in the loop)
  for (let i = nk; i < words; i++) {
    let t = load<u32>(w + (<usize>(i - 1) << 2));
    if (phase == 0) {
      t = subWord(rotr<u32>(t, 8)) ^ rcon;
      rcon = (rcon << 1) ^ ((rcon >> 7) * 0x11b);
    } else if (nk > 6 && phase == 4) {
      t = subWord(t);
    }
    store<u32>(w + (<usize>i << 2), load<u32>(w + (<usize>(i - nk) << 2)) ^ t);
    if (++phase == nk) phase = 0;
  }
  return nr;
}
