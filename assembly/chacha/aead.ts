// ChaCha20-Poly1305 (RFC 8439 section 2.8) and XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha-03 section 2),
// incremental: init, AAD in any chunks, data in any chunks, final tag.
//
//   XChaCha20: subkey = HChaCha20(key, nonce[0..16]);  nonce' = 00 00 00 00 || nonce[16..24]
//   Poly1305 key = first 32 bytes of ChaCha20(key, nonce, counter 0); data uses counters 1, 2, ...
//   tag = Poly1305(AAD || pad16 || ciphertext || pad16 || le64(len AAD) || le64(len ciphertext))
//
// AEAD context (AEAD_CTX_SIZE = 640 bytes, 64-byte aligned by JS):
//
//   offset  size  field
//   ------  ----  --------------------------------------------------------------------
//        0   384  stream   ChaCha20 stream context (layout in chacha20.ts)
//      384   192  poly     Poly1305 context (layout in poly1305.ts)
//      576     8  aadLen   u64, AAD bytes absorbed
//      584     8  dataLen  u64, ciphertext bytes absorbed
//      592     4  phase    u32, 0 uninitialised, 1 AAD, 2 sealing, 3 opening, 4 finished
//      596    44  (reserved, zero)
//
// The SIMD build makes blocks 0 and 1 in one pass at init: block 0 keys Poly1305 (then is wiped), block 1
// stays buffered, so a message up to 64 bytes needs no further ChaCha20 work.
//
// Ciphertext offset t sits at t mod 64 in its keystream block and t mod 16 in its Poly1305 block, so once
// the buffered keystream is used up the Poly1305 buffer is empty too: the bulk path then runs whole stripes
// with ChaCha20 and Poly1305 stitched together (chacha20-simd.ts).

import { BAD_STATE, OK, BAD_LENGTH } from '../util/memory';
import { copyWords, zero16s } from './bytes';
import {
  chachaBlock, chachaSetKey, chachaSetup, hchachaCore, streamHasRoom, streamTail, streamUseBuffered, streamXorAligned,
} from './chacha20';
import { chachaRows2 } from './chacha20-rows';
import {
  chachaStripesHashed, chachaStripesHashedTail, chachaStripesPlain,
} from './chacha20-simd';
import { CHACHA_CTX_SIZE, ST_COUNTER, ST_KEY, ST_KEYSTREAM, ST_KS_END, ST_KS_USED, ST_NEXT, ST_NONCE } from './layout';
import {
  HIBIT, POLY_BUFFER, POLY_BUFFERED, poly1305Absorb, poly1305Blocks, poly1305Finish, poly1305PadToBlock, poly1305Setup,
} from './poly1305';

export const AEAD_CTX_SIZE: i32 = 640;
const POLY: usize = <usize>CHACHA_CTX_SIZE;
const AAD_LEN: usize = 576;
const DATA_LEN: usize = 584;
const PHASE: usize = 592;

const PHASE_AAD: u32 = 1;
const PHASE_SEAL: u32 = 2;
const PHASE_OPEN: u32 = 3;
const PHASE_DONE: u32 = 4;

/** Sets up the context for a 12-byte (ChaCha20-Poly1305) or 24-byte (XChaCha20-Poly1305) nonce. */
export function aeadSetup(ctx: usize, key: usize, nonce: usize, nonceLen: i32): void {
  if (nonceLen == 24) {
    // HChaCha20 on a state built in place; its output (the subkey) lands on the key words.
    chachaSetKey(ctx, key);
    copyWords(ctx + ST_COUNTER, nonce, 16);
    hchachaCore(ctx, ctx + ST_KEY);
    store<u32>(ctx + ST_NONCE, 0); // nonce' = 4 zero bytes || nonce[16..24]
    copyWords(ctx + ST_NONCE + 4, nonce + 16, 8);
    chachaSetup(ctx, ctx + ST_KEY, ctx + ST_NONCE, 0);
  } else {
    chachaSetup(ctx, key, nonce, 0);
  }
  const ks = ctx + ST_KEYSTREAM;
  if (ASC_FEATURE_SIMD) {
    chachaRows2(ctx, 0, ks); // blocks 0 and 1
    store<u32>(ctx + ST_KS_USED, 64);
    store<u32>(ctx + ST_KS_END, 128);
    store<u64>(ctx + ST_NEXT, 2);
  } else {
    chachaBlock(ctx, 0, ks);
    store<u64>(ctx + ST_NEXT, 1);
  }
  poly1305Setup(ctx + POLY, ks);
  zero16s(ks, 64); // the one-time key leaves the keystream buffer
  store<u64>(ctx + AAD_LEN, 0);
  store<u64>(ctx + DATA_LEN, 0);
  store<u32>(ctx + PHASE, PHASE_AAD);
}

export function aeadAbsorbAad(ctx: usize, ptr: usize, len: i32): i32 {
  if (load<u32>(ctx + PHASE) != PHASE_AAD) return BAD_STATE;
  poly1305Absorb(ctx + POLY, ptr, len);
  store<u64>(ctx + AAD_LEN, load<u64>(ctx + AAD_LEN) + <u64>len);
  return OK;
}

/** Encrypts (open = false) or decrypts (open = true) in place, authenticating the ciphertext. */
export function aeadCrypt(ctx: usize, ptr: usize, len: i32, open: bool): i32 {
  const phase = load<u32>(ctx + PHASE);
  const want = open ? PHASE_OPEN : PHASE_SEAL;
  if (phase != PHASE_AAD && phase != want) return BAD_STATE;
  if (!streamHasRoom(ctx, len)) return BAD_LENGTH;
  const poly = ctx + POLY;
  if (phase == PHASE_AAD) {
    poly1305PadToBlock(poly);
    store<u32>(ctx + PHASE, want);
  }
  store<u64>(ctx + DATA_LEN, load<u64>(ctx + DATA_LEN) + <u64>len);
  // 1. keystream buffered by init or by the previous call
  const buffered = <i32>(load<u32>(ctx + ST_KS_END) - load<u32>(ctx + ST_KS_USED));
  if (open) poly1305Absorb(poly, ptr, min(len, buffered));
  const used = streamUseBuffered(ctx, ptr, len);
  if (!open) poly1305Absorb(poly, ptr, used);
  ptr += <usize>used;
  len -= used;
  if (len == 0) return OK;
  // 2. block-aligned from here, Poly1305 buffer empty
  if (ASC_FEATURE_SIMD) {
    const counter = <u32>load<u64>(ctx + ST_NEXT);
    const stripes = len >> 8;
    const done = stripes << 8;
    const tailCounter = counter + (<u32>stripes << 2);
    if (open) {
      if (stripes > 0) chachaStripesHashed(ctx, ptr, counter, stripes, poly, ptr);
      poly1305Absorb(poly, ptr + <usize>done, len - done);
    } else if (stripes > 0) {
      // stripe s is hashed while stripe s + 1 is made, the last whole stripe during the tail's pass if any
      chachaStripesPlain(ctx, ptr, counter, 1);
    }
    let hashed = stripes > 0 ? done - 256 : 0;
    if (len > done) {
      if (!open && stripes > 0) {
        // one loop for the hashed stripes and the tail's pass, which XORs its whole blocks straight into
        // the data and buffers the rest
        const whole = (len - done) >> 6;
        chachaStripesHashedTail(
          ctx, ptr + 256, counter + 4, stripes - 1, whole, ctx + ST_KEYSTREAM, poly, ptr,
        );
        hashed = done;
        const rest = <usize>(done + (whole << 6));
        streamTail(ctx, ptr + rest, tailCounter + <u32>whole, (len - done) & 63, <u64>(4 - whole));
      } else {
        streamTail(ctx, ptr + <usize>done, tailCounter, len - done);
      }
    } else {
      if (!open && stripes > 1) chachaStripesHashed(ctx, ptr + 256, counter + 4, stripes - 1, poly, ptr);
      store<u64>(ctx + ST_NEXT, <u64>tailCounter);
    }
    if (!open) poly1305Absorb(poly, ptr + <usize>hashed, len - hashed);
  } else {
    if (open) poly1305Absorb(poly, ptr, len);
    streamXorAligned(ctx, ptr, len);
    if (!open) poly1305Absorb(poly, ptr, len);
  }
  return OK;
}

export function aeadFinish(ctx: usize, tagOut: usize): i32 {
  const phase = load<u32>(ctx + PHASE);
  if (phase < PHASE_AAD || phase > PHASE_OPEN) return BAD_STATE;
  const poly = ctx + POLY;
  poly1305PadToBlock(poly);
  store<u64>(poly + POLY_BUFFER, load<u64>(ctx + AAD_LEN));
  store<u64>(poly + POLY_BUFFER + 8, load<u64>(ctx + DATA_LEN));
  poly1305Blocks(poly, poly + POLY_BUFFER, 1, HIBIT);
  store<u32>(poly + POLY_BUFFERED, 0);
  poly1305Finish(poly, tagOut, false);
  zero16s(ctx, <usize>AEAD_CTX_SIZE);
  store<u32>(ctx + PHASE, PHASE_DONE);
  return OK;
}
