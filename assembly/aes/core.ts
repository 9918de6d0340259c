// Internal AES helpers shared by the exports (ctr.ts, cbc.ts, index.ts) and by gcm/. Layout: see index.ts.
import { inBounds, wipe, OK, BAD_KEY_LENGTH, BAD_LENGTH, OUT_OF_BOUNDS, BAD_STATE } from '../util/memory';
import { expandKey } from './schedule';
import { simdExpand, simdExpandEncrypt2 } from './schedule-simd';
import { encryptBlock, encrypt2, encrypt4 } from './simd';
import { bsEncrypt4, wipeBsScratch } from './scalar';
import { bsRoundKey } from './bitsliced';

export const AES_NR = 0;
export const AES_MODE = 4;
export const AES_KSPOS = 8;
export const AES_HASDEC = 12;
export const AES_CHAIN = 16;
export const AES_KS = 32;
export const AES_KEYS = 96;
export const SIMD_DEC = AES_KEYS + 240;
const CTX_SIMD: i32 = 576;
const CTX_SCALAR: i32 = 1056;
/** Size of an AES context without decryption keys (what GCM embeds). */
export const AES_ENC_CTX_SIZE: i32 = ASC_FEATURE_SIMD ? AES_KEYS + 240 : CTX_SCALAR;

export const MODE_CTR: u32 = 1;
export const MODE_CBC: u32 = 2;

/** Standard round keys while the schedule is transformed; wiped before returning. */
const EXPANDED: usize = memory.data(256, 16);

export function aesCtxSize(): i32 {
  return ASC_FEATURE_SIMD ? CTX_SIMD : CTX_SCALAR;
}

export function aesWipeScratch(): void {
  if (!ASC_FEATURE_SIMD) wipeBsScratch();
}

export function aesSetKey(ctx: usize, key: usize, keyLen: i32, withDecrypt: bool): i32 {
  if (keyLen != 16 && keyLen != 32) return BAD_KEY_LENGTH;
  let nr: i32;
  if (ASC_FEATURE_SIMD) {
    nr = simdExpand(key, keyLen, ctx + AES_KEYS, withDecrypt ? ctx + SIMD_DEC : 0);
  } else {
    nr = expandKey(key, keyLen >> 2, EXPANDED);
    for (let r = 0; r <= nr; r++) bsRoundKey(ctx + AES_KEYS + (<usize>r << 6), EXPANDED + (<usize>r << 4));
    wipeBsScratch();
    wipe(EXPANDED, 256);
  }
  store<u32>(ctx, nr, AES_NR);
  store<u32>(ctx, 0, AES_MODE);
  store<u32>(ctx, 64, AES_KSPOS);
  store<u32>(ctx, withDecrypt ? 1 : 0, AES_HASDEC);
  return OK;
}

/**
 * GCM's key setup: the encryption key schedule plus E(block at src) and E(block at src + 16) written to dst and
 * dst + 16 (SIMD build: fused so the schedule and the two encryptions overlap).
 */
export function aesSetKeyEncrypt2(ctx: usize, key: usize, keyLen: i32, src: usize, dst: usize): i32 {
  if (keyLen != 16 && keyLen != 32) return BAD_KEY_LENGTH;
  if (ASC_FEATURE_SIMD) {
    const nr = simdExpandEncrypt2(key, keyLen, ctx + AES_KEYS, v128.load(src), v128.load(src, 16), dst);
    store<u32>(ctx, nr, AES_NR);
    store<u32>(ctx, 0, AES_MODE);
    store<u32>(ctx, 64, AES_KSPOS);
    store<u32>(ctx, 0, AES_HASDEC);
    return OK;
  }
  const status = aesSetKey(ctx, key, keyLen, false);
  if (status != OK) return status;
  if (dst != src) memory.copy(dst, src, 32);
  aesEcbRaw(ctx, dst, 2);
  return OK;
}

export function aesInit(ctx: usize, keyPtr: usize, keyLen: i32): i32 {
  if (!inBounds(ctx, aesCtxSize()) || !inBounds(keyPtr, keyLen)) return OUT_OF_BOUNDS;
  return aesSetKey(ctx, keyPtr, keyLen, true);
}

/** ECB-encrypts nBlocks in place; no checks (callers validated ctx and range). */
export function aesEcbRaw(ctx: usize, ptr: usize, nBlocks: i32): void {
  const nr = load<i32>(ctx, AES_NR);
  const rk = ctx + AES_KEYS;
  let p = ptr;
  let n = nBlocks;
  if (ASC_FEATURE_SIMD) {
    while (n >= 4) {
      encrypt4(rk, nr, v128.load(p), v128.load(p, 16), v128.load(p, 32), v128.load(p, 48), p, false);
      p += 64;
      n -= 4;
    }
    if (n >= 2) {
      encrypt2(rk, nr, v128.load(p), v128.load(p, 16), p);
      p += 32;
      n -= 2;
    }
    while (n > 0) {
      v128.store(p, encryptBlock(rk, nr, v128.load(p)));
      p += 16;
      n--;
    }
  } else {
    while (n >= 4) {
      bsEncrypt4(rk, nr, p, p);
      p += 64;
      n -= 4;
    }
    if (n > 0) {
      const stage = ctx + AES_KS;
      const bytes = <usize>n << 4;
      memory.copy(stage, p, bytes);
      bsEncrypt4(rk, nr, stage, stage);
      memory.copy(p, stage, bytes);
      wipe(stage, 64);
    }
  }
}

export function aesEncryptBlocks(ctx: usize, ptr: usize, nBlocks: i32): i32 {
  if (!inBounds(ctx, aesCtxSize())) return OUT_OF_BOUNDS;
  if (nBlocks < 0 || nBlocks > 0x7ffffff) return BAD_LENGTH;
  if (!inBounds(ptr, nBlocks << 4)) return OUT_OF_BOUNDS;
  if (load<u32>(ctx, AES_NR) == 0) return BAD_STATE;
  aesEcbRaw(ctx, ptr, nBlocks);
  aesWipeScratch();
  return OK;
}

