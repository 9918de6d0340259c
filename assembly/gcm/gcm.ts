// AES-GCM (NIST SP 800-38D) with 96-bit nonces, incremental: AAD in any chunks, then data in any chunks, then the
// tag. Layout and constant-time argument: see index.ts.
import { inBounds, OK, BAD_KEY_LENGTH, BAD_NONCE_LENGTH, BAD_LENGTH, OUT_OF_BOUNDS, BAD_STATE } from '../util/memory';
import { AES_NR, AES_KEYS, AES_ENC_CTX_SIZE, aesSetKeyEncrypt2, aesWipeScratch } from '../aes/core';
import { encrypt4, encrypt8Xor } from '../aes/simd';
import { bsEncrypt4 } from '../aes/scalar';
import { ghashStoreKey, ghashBlocks, ghashWords, GHASH_KEY_SIZE } from './ghash';

const STATE = 0;
const DIR = 4;
const GH_POS = 8;
const KS_POS = 12;
const AAD_LEN = 16;
const DATA_LEN = 24;
const CTR = 32;
const Y = 48;
const NONCE = 64;
const TAG_MASK = 80;
const BUF = 96;
const HKEY = 112;
const KS = HKEY + GHASH_KEY_SIZE;
const AES = KS + 64;
const CTX_SIZE: i32 = (AES + AES_ENC_CTX_SIZE + 63) & ~63;

const S_AAD: u32 = 1;
const S_DATA: u32 = 2;
const S_DONE: u32 = 3;
const DIR_ENC: u32 = 1;
const DIR_DEC: u32 = 2;
/** SP 800-38D: at most 2^39 - 256 bits of plaintext per nonce (the 32-bit block counter must not wrap). */
const MAX_DATA: u64 = (<u64>1 << 36) - 32;

// Small fixed-size moves as plain loads/stores: V8 runs memory.copy / memory.fill as out-of-line calls, which
// cost more than the bytes they move at these sizes (measured on the 64-byte seal path).
@inline function zero(p: usize, bytes: usize): void {
  for (let o: usize = 0; o < bytes; o += 8) store<u64>(p + o, 0);
}

@inline function copy16(dst: usize, src: usize): void {
  store<u64>(dst, load<u64>(src));
  store<u64>(dst, load<u64>(src, 8), 8);
}

@inline function copy12(dst: usize, src: usize): void {
  store<u64>(dst, load<u64>(src));
  store<u32>(dst, load<u32>(src, 8), 8);
}

/** Copies fewer than 16 bytes (partial blocks). */
@inline function copySmall(dst: usize, src: usize, n: usize): void {
  for (let i: usize = 0; i < n; i++) store<u8>(dst + i, load<u8>(src + i));
}

export function gcmCtxSize(): i32 {
  return CTX_SIZE;
}

/** Keystream for the next four counter blocks (32-bit big-endian counter in the last word, mod 2^32). */
function keystreamGroup(ctx: usize, dst: usize, xorInto: bool): void {
  const aes = ctx + AES;
  const nr = load<i32>(aes, AES_NR);
  const c = load<u32>(ctx, CTR);
  if (ASC_FEATURE_SIMD) {
    const base = v128.load(ctx, NONCE);
    encrypt4(aes + AES_KEYS, nr, i32x4.replace_lane(base, 3, bswap<u32>(c)), i32x4.replace_lane(base, 3, bswap<u32>(c + 1)),
      i32x4.replace_lane(base, 3, bswap<u32>(c + 2)), i32x4.replace_lane(base, 3, bswap<u32>(c + 3)), dst, xorInto);
  } else {
    const ks = ctx + KS;
    for (let b: u32 = 0; b < 4; b++) {
      const blk = ks + (<usize>b << 4);
      copy12(blk, ctx + NONCE);
      store<u32>(blk, bswap<u32>(c + b), 12);
    }
    bsEncrypt4(aes + AES_KEYS, nr, ks, ks);
    if (xorInto) {
      for (let o: usize = 0; o < 64; o += 8) store<u64>(dst + o, load<u64>(dst + o) ^ load<u64>(ks + o));
    } else if (dst != ks) {
      memory.copy(dst, ks, 64);
    }
  }
  store<u32>(ctx, c + 4, CTR);
}

export function gcmInit(ctx: usize, keyPtr: usize, keyLen: i32, noncePtr: usize, nonceLen: i32): i32 {
  if (!inBounds(ctx, CTX_SIZE) || !inBounds(keyPtr, keyLen) || !inBounds(noncePtr, nonceLen)) return OUT_OF_BOUNDS;
  if (keyLen != 16 && keyLen != 32) return BAD_KEY_LENGTH;
  if (nonceLen != 12) return BAD_NONCE_LENGTH;
  // header only: H, the buffers and the AES keys are always written before they are read
  zero(ctx, HKEY);
  // key schedule together with H = E(0^128) and E(J0), J0 = nonce || 00000001
  const ks = ctx + KS;
  zero(ks, 32);
  copy12(ks + 16, noncePtr);
  store<u8>(ks, 1, 31);
  aesSetKeyEncrypt2(ctx + AES, keyPtr, keyLen, ks, ks);
  copy16(ctx + TAG_MASK, ks + 16);
  copy12(ctx + NONCE, noncePtr);
  const hhi = bswap<u64>(load<u64>(ks)), hlo = bswap<u64>(load<u64>(ks, 8));
  ghashStoreKey(ctx + HKEY, hhi, hlo);
  zero(ks, 64);
  aesWipeScratch();
  store<u32>(ctx, 2, CTR);
  store<u32>(ctx, 64, KS_POS);
  store<u32>(ctx, S_AAD, STATE);
  return OK;
}

/** Absorbs bytes into the GHASH state through the partial-block buffer. */
function absorb(ctx: usize, p: usize, len: usize): void {
  const y = ctx + Y, hp = ctx + HKEY, buf = ctx + BUF;
  let pos = <usize>load<u32>(ctx, GH_POS);
  let q = p;
  let n = len;
  if (pos > 0) {
    const take = n < 16 - pos ? n : 16 - pos;
    copySmall(buf + pos, q, take);
    pos += take;
    q += take;
    n -= take;
    if (pos == 16) {
      ghashBlocks(y, hp, buf, 1);
      pos = 0;
    }
  }
  if (n >= 16) {
    const blocks = <i32>(n >> 4);
    ghashBlocks(y, hp, q, blocks);
    q += <usize>blocks << 4;
    n &= 15;
  }
  if (n > 0) {
    copySmall(buf + pos, q, n);
    pos += n;
  }
  store<u32>(ctx, <u32>pos, GH_POS);
}

/** Pads a pending partial block with zeros and absorbs it. */
function flushPartial(ctx: usize): void {
  const pos = <usize>load<u32>(ctx, GH_POS);
  if (pos > 0) {
    for (let i = pos; i < 16; i++) store<u8>(ctx + BUF + i, 0);
    ghashBlocks(ctx + Y, ctx + HKEY, ctx + BUF, 1);
    store<u32>(ctx, 0, GH_POS);
  }
}

export function gcmAad(ctx: usize, ptr: usize, len: i32): i32 {
  if (!inBounds(ctx, CTX_SIZE) || !inBounds(ptr, len)) return OUT_OF_BOUNDS;
  if (load<u32>(ctx, STATE) != S_AAD) return BAD_STATE;
  store<u64>(ctx, load<u64>(ctx, AAD_LEN) + <u64>len, AAD_LEN);
  absorb(ctx, ptr, <usize>len);
  return OK;
}

/** XORs keystream bytes from the buffer into data, absorbing the ciphertext; returns bytes consumed. */
function xorBuffered(ctx: usize, p: usize, n: usize, decrypt: bool): usize {
  const ks = ctx + KS;
  let pos = <usize>load<u32>(ctx, KS_POS);
  const avail: usize = 64 - pos;
  const take = n < avail ? n : avail;
  if (decrypt) absorb(ctx, p, take);
  let i: usize = 0;
  for (; i + 8 <= take; i += 8) store<u64>(p + i, load<u64>(p + i) ^ load<u64>(ks + pos + i));
  for (; i < take; i++) store<u8>(p + i, load<u8>(p + i) ^ load<u8>(ks + pos + i));
  if (!decrypt) absorb(ctx, p, take);
  store<u32>(ctx, <u32>(pos + take), KS_POS);
  return take;
}

export function gcmData(ctx: usize, ptr: usize, len: i32, decrypt: bool): i32 {
  if (!inBounds(ctx, CTX_SIZE) || !inBounds(ptr, len)) return OUT_OF_BOUNDS;
  const state = load<u32>(ctx, STATE);
  if (state != S_AAD && state != S_DATA) return BAD_STATE;
  const dir = load<u32>(ctx, DIR);
  const want = decrypt ? DIR_DEC : DIR_ENC;
  if (dir != 0 && dir != want) return BAD_STATE;
  const total = load<u64>(ctx, DATA_LEN) + <u64>len;
  if (total > MAX_DATA) return BAD_LENGTH;
  if (state == S_AAD) {
    flushPartial(ctx);
    store<u32>(ctx, S_DATA, STATE);
  }
  store<u32>(ctx, want, DIR);
  store<u64>(ctx, total, DATA_LEN);
  let p = ptr;
  let n = <usize>len;
  if (n > 0 && load<u32>(ctx, KS_POS) < 64) {
    const used = xorBuffered(ctx, p, n, decrypt);
    p += used;
    n -= used;
  }
  // here either n == 0 or the keystream buffer is empty, and the data offset is a multiple of 64
  const y = ctx + Y, hp = ctx + HKEY;
  if (ASC_FEATURE_SIMD) {
    const aes = ctx + AES;
    const rk = aes + AES_KEYS, nr = load<i32>(aes, AES_NR);
    const base = v128.load(ctx, NONCE);
    while (n >= 128) {
      const c = load<u32>(ctx, CTR);
      if (decrypt) ghashBlocks(y, hp, p, 8);
      encrypt8Xor(rk, nr, i32x4.replace_lane(base, 3, bswap<u32>(c)), i32x4.replace_lane(base, 3, bswap<u32>(c + 1)),
        i32x4.replace_lane(base, 3, bswap<u32>(c + 2)), i32x4.replace_lane(base, 3, bswap<u32>(c + 3)),
        i32x4.replace_lane(base, 3, bswap<u32>(c + 4)), i32x4.replace_lane(base, 3, bswap<u32>(c + 5)),
        i32x4.replace_lane(base, 3, bswap<u32>(c + 6)), i32x4.replace_lane(base, 3, bswap<u32>(c + 7)), p);
      store<u32>(ctx, c + 8, CTR);
      if (!decrypt) ghashBlocks(y, hp, p, 8);
      p += 128;
      n -= 128;
    }
  }
  while (n >= 64) {
    if (decrypt) ghashBlocks(y, hp, p, 4);
    keystreamGroup(ctx, p, true);
    if (!decrypt) ghashBlocks(y, hp, p, 4);
    p += 64;
    n -= 64;
  }
  if (n > 0) {
    keystreamGroup(ctx, ctx + KS, false);
    store<u32>(ctx, 0, KS_POS);
    xorBuffered(ctx, p, n, decrypt);
  }
  aesWipeScratch();
  return OK;
}

export function gcmFinal(ctx: usize, tagOutPtr: usize): i32 {
  if (!inBounds(ctx, CTX_SIZE) || !inBounds(tagOutPtr, 16)) return OUT_OF_BOUNDS;
  const state = load<u32>(ctx, STATE);
  if (state != S_AAD && state != S_DATA) return BAD_STATE;
  flushPartial(ctx);
  const y = ctx + Y;
  ghashWords(y, ctx + HKEY, load<u64>(ctx, AAD_LEN) << 3, load<u64>(ctx, DATA_LEN) << 3);
  store<u64>(tagOutPtr, bswap<u64>(load<u64>(y)) ^ load<u64>(ctx, TAG_MASK));
  store<u64>(tagOutPtr, bswap<u64>(load<u64>(y, 8)) ^ load<u64>(ctx, TAG_MASK + 8), 8);
  zero(ctx + KS, 64);
  zero(ctx + BUF, 16);
  store<u32>(ctx, S_DONE, STATE);
  return OK;
}
