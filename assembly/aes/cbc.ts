// AES-CBC (SP 800-38A 6.2), chained across calls: the last ciphertext block stays in the context as the next
// IV. Lengths must be multiples of 16 (no padding here: the middle-proxy layer pads). Layout: see index.ts.
import { inBounds, wipe, OK, OUT_OF_BOUNDS, BAD_STATE, BAD_LENGTH } from '../util/memory';
import { AES_NR, AES_MODE, AES_HASDEC, AES_CHAIN, AES_KS, AES_KEYS, SIMD_DEC, MODE_CBC, aesCtxSize, aesWipeScratch } from './core';
import { encryptBlock, decryptBlock, decrypt4 } from './simd';
import { bsEncrypt4, bsDecrypt4 } from './scalar';

export function aesCbcInit(ctx: usize, ivPtr: usize): i32 {
  if (!inBounds(ctx, aesCtxSize()) || !inBounds(ivPtr, 16)) return OUT_OF_BOUNDS;
  if (load<u32>(ctx, AES_NR) == 0) return BAD_STATE;
  memory.copy(ctx + AES_CHAIN, ivPtr, 16);
  store<u32>(ctx, MODE_CBC, AES_MODE);
  return OK;
}

@inline function check(ctx: usize, ptr: usize, len: i32): i32 {
  if (!inBounds(ctx, aesCtxSize()) || !inBounds(ptr, len)) return OUT_OF_BOUNDS;
  if (load<u32>(ctx, AES_NR) == 0 || load<u32>(ctx, AES_MODE) != MODE_CBC) return BAD_STATE;
  if ((len & 15) != 0) return BAD_LENGTH;
  return OK;
}

export function aesCbcEncrypt(ctx: usize, ptr: usize, len: i32): i32 {
  const status = check(ctx, ptr, len);
  if (status != OK) return status;
  const nr = load<i32>(ctx, AES_NR);
  const end = ptr + <usize>len;
  if (ASC_FEATURE_SIMD) {
    let iv = v128.load(ctx, AES_CHAIN);
    for (let p = ptr; p < end; p += 16) {
      iv = encryptBlock(ctx + AES_KEYS, nr, v128.xor(v128.load(p), iv));
      v128.store(p, iv);
    }
    v128.store(ctx, iv, AES_CHAIN);
  } else {
    const stage = ctx + AES_KS;
    const chain = ctx + AES_CHAIN;
    for (let p = ptr; p < end; p += 16) {
      store<u64>(stage, load<u64>(p) ^ load<u64>(chain));
      store<u64>(stage, load<u64>(p, 8) ^ load<u64>(chain, 8), 8);
      bsEncrypt4(ctx + AES_KEYS, nr, stage, stage);
      memory.copy(p, stage, 16);
      memory.copy(chain, stage, 16);
    }
    wipe(stage, 64);
    aesWipeScratch();
  }
  return OK;
}

export function aesCbcDecrypt(ctx: usize, ptr: usize, len: i32): i32 {
  const status = check(ctx, ptr, len);
  if (status != OK) return status;
  const nr = load<i32>(ctx, AES_NR);
  let p = ptr;
  let n = len >> 4;
  if (ASC_FEATURE_SIMD) {
    if (load<u32>(ctx, AES_HASDEC) == 0) return BAD_STATE;
    const dk = ctx + SIMD_DEC;
    let iv = v128.load(ctx, AES_CHAIN);
    while (n >= 4) {
      const c0 = v128.load(p), c1 = v128.load(p, 16), c2 = v128.load(p, 32), c3 = v128.load(p, 48);
      decrypt4(dk, nr, c0, c1, c2, c3, p);
      v128.store(p, v128.xor(v128.load(p), iv));
      v128.store(p, v128.xor(v128.load(p, 16), c0), 16);
      v128.store(p, v128.xor(v128.load(p, 32), c1), 32);
      v128.store(p, v128.xor(v128.load(p, 48), c2), 48);
      iv = c3;
      p += 64;
      n -= 4;
    }
    while (n > 0) {
      const c = v128.load(p);
      v128.store(p, v128.xor(decryptBlock(dk, nr, c), iv));
      iv = c;
      p += 16;
      n--;
    }
    v128.store(ctx, iv, AES_CHAIN);
  } else {
    const stage = ctx + AES_KS;
    const chain = ctx + AES_CHAIN;
    while (n > 0) {
      const group = n < 4 ? n : 4;
      const bytes = <usize>group << 4;
      memory.copy(stage, p, bytes);
      bsDecrypt4(ctx + AES_KEYS, nr, stage, stage);
      for (let b: usize = 0; b < bytes; b += 16) {
        const c0 = load<u64>(p + b), c1 = load<u64>(p + b, 8);
        store<u64>(p + b, load<u64>(stage + b) ^ load<u64>(chain));
        store<u64>(p + b, load<u64>(stage + b, 8) ^ load<u64>(chain, 8), 8);
        store<u64>(chain, c0);
        store<u64>(chain, c1, 8);
      }
      p += bytes;
      n -= group;
    }
    wipe(stage, 64);
    aesWipeScratch();
  }
  return OK;
}
