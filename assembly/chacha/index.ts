// ChaCha family exports (docs/kernel-abi.md, "chacha"): ChaCha20 stream (RFC 8439 2.4), HChaCha20
// (draft-irtf-cfrg-xchacha-03 2.2), Poly1305 (RFC 8439 2.5), ChaCha20-Poly1305 / XChaCha20-Poly1305 AEAD.
// Every export validates lengths and bounds, returns a status code and never traps. Context layouts are
// drawn in chacha20.ts (stream), poly1305.ts (MAC) and aead.ts (AEAD).

import { BAD_NONCE_LENGTH, BAD_STATE, OK, OUT_OF_BOUNDS, inBounds } from '../util/memory';
import { hchacha20Into, chachaSetup, streamXor } from './chacha20';
import { CHACHA_CTX_SIZE, CHACHA_MAGIC, ST_MAGIC } from './layout';
import {
  POLY_ABSORBING, POLY_CTX_SIZE, POLY_PHASE, poly1305Absorb, poly1305Finish, poly1305Setup,
} from './poly1305';
import { AEAD_CTX_SIZE, aeadAbsorbAad, aeadCrypt, aeadFinish, aeadSetup } from './aead';

export function chachaCtxSize(): i32 {
  return CHACHA_CTX_SIZE;
}

/** ChaCha20 with a 32-byte key, 12-byte nonce and initial 32-bit block counter. */
export function chacha20Init(ctx: usize, keyPtr: usize, noncePtr: usize, counter: u32): i32 {
  if (!inBounds(ctx, CHACHA_CTX_SIZE) || !inBounds(keyPtr, 32) || !inBounds(noncePtr, 12)) return OUT_OF_BOUNDS;
  memory.fill(ctx, 0, <usize>CHACHA_CTX_SIZE);
  chachaSetup(ctx, keyPtr, noncePtr, counter);
  return OK;
}

/** XORs keystream into [ptr, ptr + len) in place; -3 when the 32-bit block counter would run out. */
export function chacha20Xor(ctx: usize, ptr: usize, len: i32): i32 {
  if (!inBounds(ctx, CHACHA_CTX_SIZE) || !inBounds(ptr, len)) return OUT_OF_BOUNDS;
  if (load<u32>(ctx + ST_MAGIC) != CHACHA_MAGIC) return BAD_STATE;
  return streamXor(ctx, ptr, len);
}

/** HChaCha20: 32-byte key and 16-byte nonce to a 32-byte subkey. */
export function hchacha20(keyPtr: usize, noncePtr16: usize, outPtr32: usize): i32 {
  if (!inBounds(keyPtr, 32) || !inBounds(noncePtr16, 16) || !inBounds(outPtr32, 32)) return OUT_OF_BOUNDS;
  hchacha20Into(keyPtr, noncePtr16, outPtr32);
  return OK;
}

export function poly1305CtxSize(): i32 {
  return POLY_CTX_SIZE;
}

/** Poly1305 with a 32-byte one-time key (r || s). */
export function poly1305Init(ctx: usize, keyPtr: usize): i32 {
  if (!inBounds(ctx, POLY_CTX_SIZE) || !inBounds(keyPtr, 32)) return OUT_OF_BOUNDS;
  memory.fill(ctx, 0, <usize>POLY_CTX_SIZE);
  poly1305Setup(ctx, keyPtr);
  return OK;
}

export function poly1305Update(ctx: usize, ptr: usize, len: i32): i32 {
  if (!inBounds(ctx, POLY_CTX_SIZE) || !inBounds(ptr, len)) return OUT_OF_BOUNDS;
  if (load<u32>(ctx + POLY_PHASE) != POLY_ABSORBING) return BAD_STATE;
  poly1305Absorb(ctx, ptr, len);
  return OK;
}

/** Writes the 16-byte tag and wipes the key material; further calls give BAD_STATE. */
export function poly1305Final(ctx: usize, outPtr: usize): i32 {
  if (!inBounds(ctx, POLY_CTX_SIZE) || !inBounds(outPtr, 16)) return OUT_OF_BOUNDS;
  if (load<u32>(ctx + POLY_PHASE) != POLY_ABSORBING) return BAD_STATE;
  poly1305Finish(ctx, outPtr);
  return OK;
}

export function aeadCtxSize(): i32 {
  return AEAD_CTX_SIZE;
}

/** nonceLen 12: ChaCha20-Poly1305 (RFC 8439); 24: XChaCha20-Poly1305; anything else -2. */
export function aeadInit(ctx: usize, keyPtr: usize, noncePtr: usize, nonceLen: i32): i32 {
  if (nonceLen != 12 && nonceLen != 24) return BAD_NONCE_LENGTH;
  if (!inBounds(ctx, AEAD_CTX_SIZE) || !inBounds(keyPtr, 32) || !inBounds(noncePtr, nonceLen)) return OUT_OF_BOUNDS;
  aeadSetup(ctx, keyPtr, noncePtr, nonceLen);
  return OK;
}

/** Additional data, any number of calls and lengths, before any data call. */
export function aeadAad(ctx: usize, ptr: usize, len: i32): i32 {
  if (!inBounds(ctx, AEAD_CTX_SIZE) || !inBounds(ptr, len)) return OUT_OF_BOUNDS;
  return aeadAbsorbAad(ctx, ptr, len);
}

/** Encrypts in place, any chunking; a context either seals or opens, never both. */
export function aeadEncrypt(ctx: usize, ptr: usize, len: i32): i32 {
  if (!inBounds(ctx, AEAD_CTX_SIZE) || !inBounds(ptr, len)) return OUT_OF_BOUNDS;
  return aeadCrypt(ctx, ptr, len, false);
}

/** Decrypts in place, any chunking; the caller releases plaintext only after comparing tags. */
export function aeadDecrypt(ctx: usize, ptr: usize, len: i32): i32 {
  if (!inBounds(ctx, AEAD_CTX_SIZE) || !inBounds(ptr, len)) return OUT_OF_BOUNDS;
  return aeadCrypt(ctx, ptr, len, true);
}

/** Writes the 16-byte tag and wipes the context; later calls give BAD_STATE until aeadInit. */
export function aeadFinal(ctx: usize, tagOutPtr: usize): i32 {
  if (!inBounds(ctx, AEAD_CTX_SIZE) || !inBounds(tagOutPtr, 16)) return OUT_OF_BOUNDS;
  return aeadFinish(ctx, tagOutPtr);
}
