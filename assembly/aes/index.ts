// AES-128 / AES-256 (FIPS-197) block cipher, AES-CTR with a full 128-bit big-endian counter (SP 800-38A 6.5,
// as MTProto obfuscation uses it) and AES-CBC (SP 800-38A 6.2), chained across calls. ABI: docs/kernel-abi.md.
//
// Two constant-time cores, chosen at compile time (`if (ASC_FEATURE_SIMD)`):
// - SIMD build (simd.ts, tables.ts): vector-permute AES. The state lives in a tower-field basis GF((2^4)^2); the
//   S-box is nine i8x16.swizzle lookups of nibbles into public 16-byte tables plus xors; ShiftRows is a constant
//   shuffle and MixColumns lane rotations. A swizzle reads all 16 table lanes in one instruction: no memory
//   address depends on data. Four blocks are interleaved per call (CTR, ECB, CBC decryption). The key schedule
//   (schedule-simd.ts) runs one round key per step in registers through the same S-box.
// - scalar build (bitsliced.ts, sbox-gates.ts, inv-sbox-gates.ts, scalar.ts, schedule.ts): four blocks
//   bitsliced into eight u64 planes; the S-box is a fixed sequence of ~225 AND/XOR/NOT gates (inversion in the
//   tower field GF((2^4)^2) plus the affine map), also used for SubWord.
// Branches depend only on lengths, counters and round numbers (public). Key-dependent scratch (the scalar
// build's standard round keys and bitsliced state) is wiped before every export returns; the keystream buffer
// lives in the context. Tables and gates are generated and self-checked by gen/tables.mjs and gen/tower-gates.mjs.
//
// Context (aesCtxSize() bytes, 64-byte aligned, allocated by JS):
//   off  size
//   0    4    nr: rounds (10 | 14), 0 = no key yet
//   4    4    mode: 0 none, 1 CTR, 2 CBC
//   8    4    ksPos: CTR bytes of the keystream buffer already used (64 = empty)
//   12   4    hasDec: 1 when decryption keys were prepared
//   16   16   CTR: next counter block as u64 hi, u64 lo (native order) | CBC: the chaining block (bytes)
//   32   64   keystream buffer (CTR) / staging for CBC and partial ECB groups
//   96   ...  round keys:
//             SIMD:   enc 15 x 16, transposed to row-major (rk0 standard; rk1..nr-1 = M(rk ^ 63) in the tower
//                     basis; rk_nr ^ 63 standard)
//                     then at 336: dec 15 x 16 (equivalent inverse cipher keys in basis N = M * L^-1)
//                     -> 576 bytes in all
//             scalar: 15 x 64 bitsliced keys (replicated for 4 blocks), used by both directions -> 1056 bytes
// Memory: four AES-256 CTR streams cost 4 x 576 = 2.3 KiB (SIMD) or 4 x 1056 = 4.1 KiB (scalar) of the 12 KiB
// budget per idle connection. Keeping only the 32-byte key and expanding per call would save ~500 bytes per
// stream but add ~0.15 us (SIMD, measured: aesInit 0.18 us with decryption keys) to every call, over half the
// cost of a 64-byte chunk (0.27 us), and several us in the scalar build; so contexts keep the expanded keys.
//
// Helpers for gcm/ (AssemblyScript-level, not exported from the module):
//   aesSetKey(ctx, key, keyLen, withDecrypt): i32   key schedule into an AES context (status)
//   aesSetKeyEncrypt2(ctx, key, keyLen, src, dst): i32  encryption schedule + E() of 2 blocks, fused (GCM H, J0)
//   aesEcbRaw(ctx, ptr, nBlocks): void              encrypts blocks in place (no checks)
//   aesWipeScratch(): void                          wipes the bitsliced scratch (scalar build)
export { aesCtxSize, aesInit, aesEncryptBlocks } from './core';
export { aesCtrInit, aesCtrXor } from './ctr';
export { aesCbcInit, aesCbcEncrypt, aesCbcDecrypt } from './cbc';
