// AES-CTR stream (SP 800-38A 6.5) with the whole 16-byte IV as one big-endian 128-bit counter that wraps mod
// 2^128 (MTProto obfuscation). Keystream is made four blocks at a time; unused keystream stays in the context's
// 64-byte buffer so any chunking of a stream gives the same bytes. Context layout: see index.ts.
import { inBounds, OK, OUT_OF_BOUNDS, BAD_STATE } from '../util/memory';
import { AES_NR, AES_MODE, AES_KSPOS, AES_CHAIN, AES_KS, AES_KEYS, MODE_CTR, aesCtxSize, aesWipeScratch } from './core';
import { encrypt4, encrypt8Xor, counterBlock } from './simd';
import { bsEncrypt4 } from './scalar';


/**
 * Produces the keystream of the next four counter blocks and advances the counter by 4 (mod 2^128).
 * xorInto: XOR it into the 64 bytes at dst instead of storing it there.
 */
function keystream4(ctx: usize, dst: usize, xorInto: bool): void {
  const nr = load<i32>(ctx, AES_NR);
  let hi = load<u64>(ctx, AES_CHAIN);
  let lo = load<u64>(ctx, AES_CHAIN + 8);
  if (ASC_FEATURE_SIMD) {
    if (lo <= 0xFFFFFFFFFFFFFFFB) {
      encrypt4(ctx + AES_KEYS, nr, counterBlock(hi, lo), counterBlock(hi, lo + 1), counterBlock(hi, lo + 2),
        counterBlock(hi, lo + 3), dst, xorInto);
      lo += 4;
    } else {
      // the low word wraps inside this group (public counter values): carry per block
      const c0 = counterBlock(hi, lo);
      lo++; if (lo == 0) hi++;
      const c1 = counterBlock(hi, lo);
      lo++; if (lo == 0) hi++;
      const c2 = counterBlock(hi, lo);
      lo++; if (lo == 0) hi++;
      const c3 = counterBlock(hi, lo);
      lo++; if (lo == 0) hi++;
      encrypt4(ctx + AES_KEYS, nr, c0, c1, c2, c3, dst, xorInto);
    }
  } else {
    const ks = ctx + AES_KS;
    for (let b = 0; b < 4; b++) {
      store<u64>(ks + (<usize>b << 4), bswap<u64>(hi));
      store<u64>(ks + (<usize>b << 4), bswap<u64>(lo), 8);
      lo++;
      if (lo == 0) hi++;
    }
    bsEncrypt4(ctx + AES_KEYS, nr, ks, ks);
    if (xorInto) {
      for (let o: usize = 0; o < 64; o += 8) store<u64>(dst + o, load<u64>(dst + o) ^ load<u64>(ks + o));
    } else if (dst != ks) {
      memory.copy(dst, ks, 64);
    }
  }
  store<u64>(ctx, hi, AES_CHAIN);
  store<u64>(ctx, lo, AES_CHAIN + 8);
}

export function aesCtrInit(ctx: usize, ivPtr: usize): i32 {
  if (!inBounds(ctx, aesCtxSize()) || !inBounds(ivPtr, 16)) return OUT_OF_BOUNDS;
  if (load<u32>(ctx, AES_NR) == 0) return BAD_STATE;
  store<u64>(ctx, bswap<u64>(load<u64>(ivPtr)), AES_CHAIN);
  store<u64>(ctx, bswap<u64>(load<u64>(ivPtr, 8)), AES_CHAIN + 8);
  for (let o: usize = 0; o < 64; o += 8) store<u64>(ctx + AES_KS + o, 0); // no out-of-line memory.fill call
  store<u32>(ctx, 64, AES_KSPOS);
  store<u32>(ctx, MODE_CTR, AES_MODE);
  return OK;
}

export function aesCtrXor(ctx: usize, ptr: usize, len: i32): i32 {
  if (!inBounds(ctx, aesCtxSize()) || !inBounds(ptr, len)) return OUT_OF_BOUNDS;
  if (load<u32>(ctx, AES_NR) == 0 || load<u32>(ctx, AES_MODE) != MODE_CTR) return BAD_STATE;
  const ks = ctx + AES_KS;
  let pos = <usize>load<u32>(ctx, AES_KSPOS);
  let p = ptr;
  let n = <usize>len;
  while (n > 0 && pos < 64) {
    store<u8>(p, load<u8>(p) ^ load<u8>(ks + pos));
    p++;
    pos++;
    n--;
  }
  if (ASC_FEATURE_SIMD) {
    const rk = ctx + AES_KEYS, nr = load<i32>(ctx, AES_NR);
    while (n >= 128) {
      const hi = load<u64>(ctx, AES_CHAIN), lo = load<u64>(ctx, AES_CHAIN + 8);
      if (lo > 0xFFFFFFFFFFFFFFF7) break; // the low word would wrap inside this group: 4-block path below
      encrypt8Xor(rk, nr, counterBlock(hi, lo), counterBlock(hi, lo + 1), counterBlock(hi, lo + 2),
        counterBlock(hi, lo + 3), counterBlock(hi, lo + 4), counterBlock(hi, lo + 5), counterBlock(hi, lo + 6),
        counterBlock(hi, lo + 7), p);
      store<u64>(ctx, lo + 8, AES_CHAIN + 8);
      p += 128;
      n -= 128;
    }
  }
  while (n >= 64) {
    keystream4(ctx, p, true);
    p += 64;
    n -= 64;
  }
  if (n > 0) {
    keystream4(ctx, ks, false);
    pos = 0;
    while (n >= 8) {
      store<u64>(p, load<u64>(p) ^ load<u64>(ks + pos));
      p += 8;
      pos += 8;
      n -= 8;
    }
    while (n > 0) {
      store<u8>(p, load<u8>(p) ^ load<u8>(ks + pos));
      p++;
      pos++;
      n--;
    }
  }
  store<u32>(ctx, <u32>pos, AES_KSPOS);
  aesWipeScratch();
  return OK;
}
