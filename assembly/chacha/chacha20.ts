// ChaCha20 stream cipher (RFC 8439 sections 2.1-2.4) and HChaCha20 (draft-irtf-cfrg-xchacha-03 section 2.2).
//
// State words (RFC 8439 2.3), 32-bit little-endian:
//
//   cccccccc  cccccccc  cccccccc  cccccccc     c = "expand 32-byte k"
//   kkkkkkkk  kkkkkkkk  kkkkkkkk  kkkkkkkk     k = key (32 bytes)
//   kkkkkkkk  kkkkkkkk  kkkkkkkk  kkkkkkkk
//   bbbbbbbb  nnnnnnnn  nnnnnnnn  nnnnnnnn     b = block counter, n = nonce (12 bytes)
//
// ChaCha20 stream context (CHACHA_CTX_SIZE = 384 bytes, 64-byte aligned by JS):
//
//   offset  size  field
//   ------  ----  --------------------------------------------------------------------
//        0    64  state      the 16 words above (word 12 is rewritten per block)
//       64   256  keystream  keystream made ahead: bytes [ksUsed, ksEnd) are not used yet
//      320     4  ksUsed     u32
//      324     4  ksEnd      u32, a multiple of 64 (0..256)
//      328     4  magic      u32, CHACHA_MAGIC once initialised, 0 otherwise
//      336     8  next       u64, counter of the block after the buffered ones; 2^32 = stream exhausted
//      344    40  (reserved, zero)
//
// The SIMD build makes four blocks per pass; a pass for a short tail keeps the blocks it did not need in
// the buffer, so short chunks of a stream rarely start a pass of their own.
// The 32-bit counter never wraps: a call that would need a block past counter 2^32 - 1 returns BAD_LENGTH
// and changes nothing.

import { BAD_LENGTH, OK, wipe } from '../util/memory';
import { copyWords, xorInto } from './bytes';
import { chachaRows2 } from './chacha20-rows';
import { chachaStripesPlain, chachaTail } from './chacha20-simd';
import {
  CHACHA_MAGIC, ST_COUNTER, ST_KEY, ST_KEYSTREAM, ST_KS_END, ST_KS_USED, ST_MAGIC, ST_NEXT,
  ST_NONCE,
} from './layout';

const COUNTER_LIMIT: u64 = 0x100000000;

/** Writes the constants and the key; counter and nonce are set by the caller. */
export function chachaSetKey(st: usize, key: usize): void {
  store<u32>(st, 0x61707865, 0);
  store<u32>(st, 0x3320646e, 4);
  store<u32>(st, 0x79622d32, 8);
  store<u32>(st, 0x6b206574, 12);
  if (key != st + ST_KEY) copyWords(st + ST_KEY, key, 32);
}

/**
 * Initialises a stream context: key, 12-byte nonce, first block counter; nothing buffered. The keystream
 * buffer is not cleared (bytes past ksEnd are never read; chacha20Init clears the context, aeadFinal wipes it).
 */
export function chachaSetup(st: usize, key: usize, nonce: usize, counter: u32): void {
  chachaSetKey(st, key);
  store<u32>(st + ST_COUNTER, counter);
  copyWords(st + ST_NONCE, nonce, 12);
  store<u32>(st + ST_KS_USED, 0);
  store<u32>(st + ST_KS_END, 0);
  store<u32>(st + ST_MAGIC, CHACHA_MAGIC);
  store<u64>(st + ST_NEXT, <u64>counter);
}

// @ts-ignore: decorator
@inline
function put(dst: usize, off: usize, w: u32, xor: bool): void {
  if (xor) w ^= load<u32>(dst + off);
  store<u32>(dst + off, w);
}

const MODE_STORE: i32 = 0; // write the keystream block to dst
const MODE_XOR: i32 = 1; // XOR the keystream block into dst
const MODE_HCHACHA: i32 = 2; // no feed-forward; write words 0..3 and 12..15 (32 bytes) to dst

/** The 20-round core on the 16 words at `st`, in one of the three modes above. */
function chachaCore(st: usize, dst: usize, mode: i32): void {
  let x0 = load<u32>(st, 0), x1 = load<u32>(st, 4), x2 = load<u32>(st, 8), x3 = load<u32>(st, 12);
  let x4 = load<u32>(st, 16), x5 = load<u32>(st, 20), x6 = load<u32>(st, 24), x7 = load<u32>(st, 28);
  let x8 = load<u32>(st, 32), x9 = load<u32>(st, 36), x10 = load<u32>(st, 40), x11 = load<u32>(st, 44);
  let x12 = load<u32>(st, 48), x13 = load<u32>(st, 52), x14 = load<u32>(st, 56), x15 = load<u32>(st, 60);
  for (let i = 0; i < 10; i++) {
    // column round
    x0 += x4; x12 = rotl<u32>(x12 ^ x0, 16); x8 += x12; x4 = rotl<u32>(x4 ^ x8, 12);
    x0 += x4; x12 = rotl<u32>(x12 ^ x0, 8); x8 += x12; x4 = rotl<u32>(x4 ^ x8, 7);
    x1 += x5; x13 = rotl<u32>(x13 ^ x1, 16); x9 += x13; x5 = rotl<u32>(x5 ^ x9, 12);
    x1 += x5; x13 = rotl<u32>(x13 ^ x1, 8); x9 += x13; x5 = rotl<u32>(x5 ^ x9, 7);
    x2 += x6; x14 = rotl<u32>(x14 ^ x2, 16); x10 += x14; x6 = rotl<u32>(x6 ^ x10, 12);
    x2 += x6; x14 = rotl<u32>(x14 ^ x2, 8); x10 += x14; x6 = rotl<u32>(x6 ^ x10, 7);
    x3 += x7; x15 = rotl<u32>(x15 ^ x3, 16); x11 += x15; x7 = rotl<u32>(x7 ^ x11, 12);
    x3 += x7; x15 = rotl<u32>(x15 ^ x3, 8); x11 += x15; x7 = rotl<u32>(x7 ^ x11, 7);
    // diagonal round
    x0 += x5; x15 = rotl<u32>(x15 ^ x0, 16); x10 += x15; x5 = rotl<u32>(x5 ^ x10, 12);
    x0 += x5; x15 = rotl<u32>(x15 ^ x0, 8); x10 += x15; x5 = rotl<u32>(x5 ^ x10, 7);
    x1 += x6; x12 = rotl<u32>(x12 ^ x1, 16); x11 += x12; x6 = rotl<u32>(x6 ^ x11, 12);
    x1 += x6; x12 = rotl<u32>(x12 ^ x1, 8); x11 += x12; x6 = rotl<u32>(x6 ^ x11, 7);
    x2 += x7; x13 = rotl<u32>(x13 ^ x2, 16); x8 += x13; x7 = rotl<u32>(x7 ^ x8, 12);
    x2 += x7; x13 = rotl<u32>(x13 ^ x2, 8); x8 += x13; x7 = rotl<u32>(x7 ^ x8, 7);
    x3 += x4; x14 = rotl<u32>(x14 ^ x3, 16); x9 += x14; x4 = rotl<u32>(x4 ^ x9, 12);
    x3 += x4; x14 = rotl<u32>(x14 ^ x3, 8); x9 += x14; x4 = rotl<u32>(x4 ^ x9, 7);
  }
  if (mode == MODE_HCHACHA) {
    store<u32>(dst, x0, 0); store<u32>(dst, x1, 4); store<u32>(dst, x2, 8); store<u32>(dst, x3, 12);
    store<u32>(dst, x12, 16); store<u32>(dst, x13, 20); store<u32>(dst, x14, 24); store<u32>(dst, x15, 28);
    return;
  }
  const xor = mode == MODE_XOR;
  put(dst, 0, x0 + load<u32>(st, 0), xor); put(dst, 4, x1 + load<u32>(st, 4), xor);
  put(dst, 8, x2 + load<u32>(st, 8), xor); put(dst, 12, x3 + load<u32>(st, 12), xor);
  put(dst, 16, x4 + load<u32>(st, 16), xor); put(dst, 20, x5 + load<u32>(st, 20), xor);
  put(dst, 24, x6 + load<u32>(st, 24), xor); put(dst, 28, x7 + load<u32>(st, 28), xor);
  put(dst, 32, x8 + load<u32>(st, 32), xor); put(dst, 36, x9 + load<u32>(st, 36), xor);
  put(dst, 40, x10 + load<u32>(st, 40), xor); put(dst, 44, x11 + load<u32>(st, 44), xor);
  put(dst, 48, x12 + load<u32>(st, 48), xor); put(dst, 52, x13 + load<u32>(st, 52), xor);
  put(dst, 56, x14 + load<u32>(st, 56), xor); put(dst, 60, x15 + load<u32>(st, 60), xor);
}

/** Writes the keystream block for `counter` to `out` (64 bytes). */
export function chachaBlock(st: usize, counter: u32, out: usize): void {
  store<u32>(st + ST_COUNTER, counter);
  chachaCore(st, out, MODE_STORE);
}

/** HChaCha20 on a prepared state (constants, key, 16-byte nonce in words 12..15); 32 bytes to `out`. */
export function hchachaCore(st: usize, out: usize): void {
  chachaCore(st, out, MODE_HCHACHA);
}

/** True when `len` more bytes fit before the 32-bit block counter would run out. */
export function streamHasRoom(st: usize, len: i32): bool {
  const buffered = <i32>(load<u32>(st + ST_KS_END) - load<u32>(st + ST_KS_USED));
  if (len <= buffered) return true;
  const blocks = <u64>((len - buffered + 63) >> 6);
  return load<u64>(st + ST_NEXT) + blocks <= COUNTER_LIMIT;
}

/** XORs up to `len` bytes of buffered keystream into ptr; returns the bytes consumed. */
export function streamUseBuffered(st: usize, ptr: usize, len: i32): i32 {
  const used = load<u32>(st + ST_KS_USED);
  const n = min(<i32>(load<u32>(st + ST_KS_END) - used), len);
  if (n <= 0) return 0;
  xorInto(ptr, st + ST_KEYSTREAM + <usize>used, <usize>n);
  store<u32>(st + ST_KS_USED, used + <u32>n);
  return n;
}

/**
 * After whole stripes: one more keystream pass at `counter` into the buffer (two blocks by rows when the
 * tail fits them, else four by columns; one block in the scalar build), never keeping a block past counter
 * 2^32 - 1; then XORs the `tail` bytes (< 256, or < 64 in the scalar build) from the buffer. `made` > 0
 * says the caller already made that many blocks at `counter` into the buffer.
 */
export function streamTail(st: usize, ptr: usize, counter: u32, tail: i32, made: u64 = 0): void {
  const ks = st + ST_KEYSTREAM;
  if (made > 0) {
    // made by the caller
  } else if (ASC_FEATURE_SIMD) {
    if (tail <= 128) {
      chachaRows2(st, counter, ks);
      made = 2;
    } else {
      chachaTail(st, 0, counter, 0, ks);
      made = 4;
    }
  } else {
    chachaBlock(st, counter, ks);
    made = 1;
  }
  const keep = min(made, COUNTER_LIMIT - <u64>counter);
  store<u32>(st + ST_KS_USED, 0);
  store<u32>(st + ST_KS_END, <u32>(keep << 6));
  store<u64>(st + ST_NEXT, <u64>counter + keep);
  streamUseBuffered(st, ptr, tail);
}

/**
 * XORs fresh keystream into [ptr, ptr + len) from a block boundary (nothing buffered). The caller checked
 * streamHasRoom.
 */
export function streamXorAligned(st: usize, ptr: usize, len: i32): void {
  if (len <= 0) return;
  const counter = <u32>load<u64>(st + ST_NEXT);
  if (ASC_FEATURE_SIMD) {
    const stripes = len >> 8;
    if (stripes > 0) chachaStripesPlain(st, ptr, counter, stripes);
    const done = stripes << 8;
    if (len > done) streamTail(st, ptr + <usize>done, counter + (<u32>stripes << 2), len - done);
    else store<u64>(st + ST_NEXT, <u64>counter + (<u64>stripes << 2));
  } else {
    const whole = len >> 6;
    for (let i = 0; i < whole; i++) {
      store<u32>(st + ST_COUNTER, counter + <u32>i);
      chachaCore(st, ptr + (<usize>i << 6), MODE_XOR);
    }
    const done = whole << 6;
    if (len > done) streamTail(st, ptr + <usize>done, counter + <u32>whole, len - done);
    else store<u64>(st + ST_NEXT, <u64>counter + <u64>whole);
  }
}

/** Stream XOR with any chunking: the buffered keystream first, then whole blocks. */
export function streamXor(st: usize, ptr: usize, len: i32): i32 {
  if (!streamHasRoom(st, len)) return BAD_LENGTH;
  const n = streamUseBuffered(st, ptr, len);
  streamXorAligned(st, ptr + <usize>n, len - n);
  return OK;
}

/** Static scratch for the stand-alone HChaCha20 export; wiped before it returns. */
const HCHACHA_SCRATCH: usize = memory.data(64, 16);

/** HChaCha20(key, 16-byte nonce) -> 32-byte subkey at `out`. */
export function hchacha20Into(key: usize, nonce16: usize, out: usize): void {
  chachaSetKey(HCHACHA_SCRATCH, key);
  copyWords(HCHACHA_SCRATCH + ST_COUNTER, nonce16, 16);
  chachaCore(HCHACHA_SCRATCH, out, MODE_HCHACHA);
  wipe(HCHACHA_SCRATCH, 64);
}
