// ChaCha20 four blocks at a time in v128 (RFC 8439 2.3), optionally stitched with scalar Poly1305 (2.5).
//
// Vector x_i holds state word i of four consecutive blocks (lane j = block counter + j). After the 20 rounds,
// each group of four word vectors is transposed so that one v128 holds 16 keystream bytes of one block:
//
//   x0 = [w0 b0 | w0 b1 | w0 b2 | w0 b3]          block b, bytes 16g..16g+15 = [w4g | w4g+1 | w4g+2 | w4g+3]
//   x1 = [w1 b0 | ...                     --->
//
// Rotations: rotations.ts.
//
// Stitching: ChaCha uses the vector units, Poly1305 (radix 2^32, i64 multiplies) the scalar ones, so one
// loop that interleaves both lets an out-of-order core run them side by side. Each 256-byte stripe holds 16
// Poly1305 blocks: three per pair of double rounds (15, one after each of three half rounds), one more after
// the rounds. The loop body is straight-line code (no inner loop or branch); r and s are read from the
// Poly1305 context where used; `fence` stores keep V8 from regrouping the two streams (on a Zen 4 core this
// took 64 KiB seals from 60 to 51 us). Opening hashes a stripe's ciphertext during its own rounds (all
// reads precede its XOR stores); sealing hashes the stripe before it.
//
// The double round and the Poly1305 block step are written out more than once on purpose: AssemblyScript
// has no macros, and a call would spill every live vector register.

import { ST_COUNTER } from './layout';
import { POLY_FENCE, POLY_H, POLY_R, POLY_S } from './poly1305';
import { rot16, rot8, rot12, rot7 } from './rotations';

/** Block b of a group: XOR into the data when b < nb, else (with `buffer`) keep it as keystream at ks. */
// @ts-ignore: decorator
@inline function emit(v: v128, ptr: usize, b: i32, g: usize, nb: i32, ks: usize, buffer: bool): void {
  if (b < nb) {
    const p = ptr + (<usize>b << 6) + g;
    v128.store(p, v128.xor(v128.load(p), v));
  } else if (buffer) {
    v128.store(ks + (<usize>(b - nb) << 6) + g, v);
  }
}

// @ts-ignore: decorator
@inline function emitGroup(
  a: v128, b: v128, c: v128, d: v128, ptr: usize, g: usize, nb: i32, ks: usize, buffer: bool,
): void {
  const t0 = i32x4.shuffle(a, b, 0, 4, 1, 5);
  const t1 = i32x4.shuffle(c, d, 0, 4, 1, 5);
  const t2 = i32x4.shuffle(a, b, 2, 6, 3, 7);
  const t3 = i32x4.shuffle(c, d, 2, 6, 3, 7);
  emit(i64x2.shuffle(t0, t1, 0, 2), ptr, 0, g, nb, ks, buffer);
  emit(i64x2.shuffle(t0, t1, 1, 3), ptr, 1, g, nb, ks, buffer);
  emit(i64x2.shuffle(t2, t3, 0, 2), ptr, 2, g, nb, ks, buffer);
  emit(i64x2.shuffle(t2, t3, 1, 3), ptr, 3, g, nb, ks, buffer);
}

const M32: u64 = 0xffffffff;

/**
 * Ordering fence: V8 (without --turbo-instruction-scheduling) emits a basic block's pure arithmetic next to
 * its first use, which would put all Poly1305 steps together and all ChaCha steps together. Stores are
 * ordered, so storing the four quarter rounds' last outputs here (and h0 after each Poly1305 step) keeps
 * the two instruction streams interleaved for the out-of-order core. The slots live in the Poly1305
 * context (wiped with it), since they hold key-dependent state.
 */
// @ts-ignore: decorator
@inline function fence(poly: usize, a: v128, b: v128, c: v128, d: v128): void {
  v128.store(poly + POLY_FENCE, a, 0);
  v128.store(poly + POLY_FENCE, b, 16);
  v128.store(poly + POLY_FENCE, c, 32);
  v128.store(poly + POLY_FENCE, d, 48);
}

// Words of r and s, read from the Poly1305 context where they are used.
// @ts-ignore: decorator
@inline function R0(p: usize): u64 { return <u64>load<u32>(p + POLY_R, 0); }
// @ts-ignore: decorator
@inline function R1(p: usize): u64 { return <u64>load<u32>(p + POLY_R, 4); }
// @ts-ignore: decorator
@inline function R2(p: usize): u64 { return <u64>load<u32>(p + POLY_R, 8); }
// @ts-ignore: decorator
@inline function R3(p: usize): u64 { return <u64>load<u32>(p + POLY_R, 12); }
// @ts-ignore: decorator
@inline function S1(p: usize): u64 { return <u64>load<u32>(p + POLY_S, 0); }
// @ts-ignore: decorator
@inline function S2(p: usize): u64 { return <u64>load<u32>(p + POLY_S, 4); }
// @ts-ignore: decorator
@inline function S3(p: usize): u64 { return <u64>load<u32>(p + POLY_S, 8); }

/**
 * One pass per 256-byte stripe at ptr (block counters from `counter`): `stripes` full stripes XORed into the
 * data, then, when `tailBlocks` >= 0, one more pass that XORs `tailBlocks` (0..3) blocks and keeps the
 * keystream of the other 4 - tailBlocks blocks at ks (the context's keystream buffer). With `hashing` (a
 * constant after inlining) every pass also absorbs 256 bytes at hp, hp + 256, ... into the Poly1305
 * context `poly`, which has nothing buffered.
 */
// @ts-ignore: decorator
@inline
function chachaStripes(
  st: usize, ptr: usize, counter: u32, stripes: i32, tailBlocks: i32, ks: usize, poly: usize, hp: usize, hashing: bool,
): void {
  let h0: u64 = 0, h1: u64 = 0, h2: u64 = 0, h3: u64 = 0, h4: u64 = 0;
  let d0: u64 = 0, d1: u64 = 0, d2: u64 = 0, d3: u64 = 0, t: u64 = 0;
  if (hashing) {
    h0 = load<u64>(poly + POLY_H, 0); h1 = load<u64>(poly + POLY_H, 8); h2 = load<u64>(poly + POLY_H, 16);
    h3 = load<u64>(poly + POLY_H, 24); h4 = load<u64>(poly + POLY_H, 32);
  }
  const passes = stripes + (tailBlocks >= 0 ? 1 : 0);
  for (let s = 0; s < passes; s++) {
    const nb = s < stripes ? 4 : tailBlocks;
    const buffer = s >= stripes;
    const ctr = i32x4.add(i32x4.splat(counter), i32x4(0, 1, 2, 3));
    let x0 = v128.load32_splat(st, 0), x1 = v128.load32_splat(st, 4);
    let x2 = v128.load32_splat(st, 8), x3 = v128.load32_splat(st, 12);
    let x4 = v128.load32_splat(st, 16), x5 = v128.load32_splat(st, 20);
    let x6 = v128.load32_splat(st, 24), x7 = v128.load32_splat(st, 28);
    let x8 = v128.load32_splat(st, 32), x9 = v128.load32_splat(st, 36);
    let x10 = v128.load32_splat(st, 40), x11 = v128.load32_splat(st, 44);
    let x12 = ctr, x13 = v128.load32_splat(st, ST_COUNTER + 4);
    let x14 = v128.load32_splat(st, ST_COUNTER + 8), x15 = v128.load32_splat(st, ST_COUNTER + 12);
    for (let i = 0; i < 5; i++) {
      // column round
      x0 = i32x4.add(x0, x4); x1 = i32x4.add(x1, x5); x2 = i32x4.add(x2, x6); x3 = i32x4.add(x3, x7);
      x12 = rot16(v128.xor(x12, x0)); x13 = rot16(v128.xor(x13, x1));
      x14 = rot16(v128.xor(x14, x2)); x15 = rot16(v128.xor(x15, x3));
      x8 = i32x4.add(x8, x12); x9 = i32x4.add(x9, x13); x10 = i32x4.add(x10, x14); x11 = i32x4.add(x11, x15);
      x4 = rot12(v128.xor(x4, x8)); x5 = rot12(v128.xor(x5, x9));
      x6 = rot12(v128.xor(x6, x10)); x7 = rot12(v128.xor(x7, x11));
      x0 = i32x4.add(x0, x4); x1 = i32x4.add(x1, x5); x2 = i32x4.add(x2, x6); x3 = i32x4.add(x3, x7);
      x12 = rot8(v128.xor(x12, x0)); x13 = rot8(v128.xor(x13, x1));
      x14 = rot8(v128.xor(x14, x2)); x15 = rot8(v128.xor(x15, x3));
      x8 = i32x4.add(x8, x12); x9 = i32x4.add(x9, x13); x10 = i32x4.add(x10, x14); x11 = i32x4.add(x11, x15);
      x4 = rot7(v128.xor(x4, x8)); x5 = rot7(v128.xor(x5, x9));
      x6 = rot7(v128.xor(x6, x10)); x7 = rot7(v128.xor(x7, x11));
      if (hashing) fence(poly, x4, x5, x6, x7);
      if (hashing) {
        // Poly1305 block at hp + 0 (the step of poly1305Blocks)
        h0 += <u64>load<u32>(hp, 0); h1 += <u64>load<u32>(hp, 4);
        h2 += <u64>load<u32>(hp, 8); h3 += <u64>load<u32>(hp, 12); h4 += 1;
        d0 = h0 * R0(poly) + h1 * S3(poly) + h2 * S2(poly) + h3 * S1(poly);
        d1 = h0 * R1(poly) + h1 * R0(poly) + h2 * S3(poly) + h3 * S2(poly) + h4 * S1(poly);
        d2 = h0 * R2(poly) + h1 * R1(poly) + h2 * R0(poly) + h3 * S3(poly) + h4 * S2(poly);
        d3 = h0 * R3(poly) + h1 * R2(poly) + h2 * R1(poly) + h3 * R0(poly) + h4 * S3(poly);
        t = h4 * R0(poly) + (d3 >> 32); h0 = d0 & M32; h1 = (d1 & M32) + (d0 >> 32);
        h2 = (d2 & M32) + (d1 >> 32); h3 = (d3 & M32) + (d2 >> 32);
        h0 += (t >> 2) + (t & ~3); h4 = t & 3;
        store<u64>(poly + POLY_H, h0); // fence: this block before what follows
      }
      // diagonal round
      x0 = i32x4.add(x0, x5); x1 = i32x4.add(x1, x6); x2 = i32x4.add(x2, x7); x3 = i32x4.add(x3, x4);
      x15 = rot16(v128.xor(x15, x0)); x12 = rot16(v128.xor(x12, x1));
      x13 = rot16(v128.xor(x13, x2)); x14 = rot16(v128.xor(x14, x3));
      x10 = i32x4.add(x10, x15); x11 = i32x4.add(x11, x12); x8 = i32x4.add(x8, x13); x9 = i32x4.add(x9, x14);
      x5 = rot12(v128.xor(x5, x10)); x6 = rot12(v128.xor(x6, x11));
      x7 = rot12(v128.xor(x7, x8)); x4 = rot12(v128.xor(x4, x9));
      x0 = i32x4.add(x0, x5); x1 = i32x4.add(x1, x6); x2 = i32x4.add(x2, x7); x3 = i32x4.add(x3, x4);
      x15 = rot8(v128.xor(x15, x0)); x12 = rot8(v128.xor(x12, x1));
      x13 = rot8(v128.xor(x13, x2)); x14 = rot8(v128.xor(x14, x3));
      x10 = i32x4.add(x10, x15); x11 = i32x4.add(x11, x12); x8 = i32x4.add(x8, x13); x9 = i32x4.add(x9, x14);
      x5 = rot7(v128.xor(x5, x10)); x6 = rot7(v128.xor(x6, x11));
      x7 = rot7(v128.xor(x7, x8)); x4 = rot7(v128.xor(x4, x9));
      if (hashing) fence(poly, x4, x5, x6, x7);
      if (hashing) {
        // Poly1305 block at hp + 16 (the step of poly1305Blocks)
        h0 += <u64>load<u32>(hp, 16); h1 += <u64>load<u32>(hp, 20);
        h2 += <u64>load<u32>(hp, 24); h3 += <u64>load<u32>(hp, 28); h4 += 1;
        d0 = h0 * R0(poly) + h1 * S3(poly) + h2 * S2(poly) + h3 * S1(poly);
        d1 = h0 * R1(poly) + h1 * R0(poly) + h2 * S3(poly) + h3 * S2(poly) + h4 * S1(poly);
        d2 = h0 * R2(poly) + h1 * R1(poly) + h2 * R0(poly) + h3 * S3(poly) + h4 * S2(poly);
        d3 = h0 * R3(poly) + h1 * R2(poly) + h2 * R1(poly) + h3 * R0(poly) + h4 * S3(poly);
        t = h4 * R0(poly) + (d3 >> 32); h0 = d0 & M32; h1 = (d1 & M32) + (d0 >> 32);
        h2 = (d2 & M32) + (d1 >> 32); h3 = (d3 & M32) + (d2 >> 32);
        h0 += (t >> 2) + (t & ~3); h4 = t & 3;
        store<u64>(poly + POLY_H, h0); // fence: this block before what follows
      }
      // column round
      x0 = i32x4.add(x0, x4); x1 = i32x4.add(x1, x5); x2 = i32x4.add(x2, x6); x3 = i32x4.add(x3, x7);
      x12 = rot16(v128.xor(x12, x0)); x13 = rot16(v128.xor(x13, x1));
      x14 = rot16(v128.xor(x14, x2)); x15 = rot16(v128.xor(x15, x3));
      x8 = i32x4.add(x8, x12); x9 = i32x4.add(x9, x13); x10 = i32x4.add(x10, x14); x11 = i32x4.add(x11, x15);
      x4 = rot12(v128.xor(x4, x8)); x5 = rot12(v128.xor(x5, x9));
      x6 = rot12(v128.xor(x6, x10)); x7 = rot12(v128.xor(x7, x11));
      x0 = i32x4.add(x0, x4); x1 = i32x4.add(x1, x5); x2 = i32x4.add(x2, x6); x3 = i32x4.add(x3, x7);
      x12 = rot8(v128.xor(x12, x0)); x13 = rot8(v128.xor(x13, x1));
      x14 = rot8(v128.xor(x14, x2)); x15 = rot8(v128.xor(x15, x3));
      x8 = i32x4.add(x8, x12); x9 = i32x4.add(x9, x13); x10 = i32x4.add(x10, x14); x11 = i32x4.add(x11, x15);
      x4 = rot7(v128.xor(x4, x8)); x5 = rot7(v128.xor(x5, x9));
      x6 = rot7(v128.xor(x6, x10)); x7 = rot7(v128.xor(x7, x11));
      if (hashing) fence(poly, x4, x5, x6, x7);
      if (hashing) {
        // Poly1305 block at hp + 32 (the step of poly1305Blocks)
        h0 += <u64>load<u32>(hp, 32); h1 += <u64>load<u32>(hp, 36);
        h2 += <u64>load<u32>(hp, 40); h3 += <u64>load<u32>(hp, 44); h4 += 1;
        d0 = h0 * R0(poly) + h1 * S3(poly) + h2 * S2(poly) + h3 * S1(poly);
        d1 = h0 * R1(poly) + h1 * R0(poly) + h2 * S3(poly) + h3 * S2(poly) + h4 * S1(poly);
        d2 = h0 * R2(poly) + h1 * R1(poly) + h2 * R0(poly) + h3 * S3(poly) + h4 * S2(poly);
        d3 = h0 * R3(poly) + h1 * R2(poly) + h2 * R1(poly) + h3 * R0(poly) + h4 * S3(poly);
        t = h4 * R0(poly) + (d3 >> 32); h0 = d0 & M32; h1 = (d1 & M32) + (d0 >> 32);
        h2 = (d2 & M32) + (d1 >> 32); h3 = (d3 & M32) + (d2 >> 32);
        h0 += (t >> 2) + (t & ~3); h4 = t & 3;
        store<u64>(poly + POLY_H, h0); // fence: this block before what follows
      }
      // diagonal round
      x0 = i32x4.add(x0, x5); x1 = i32x4.add(x1, x6); x2 = i32x4.add(x2, x7); x3 = i32x4.add(x3, x4);
      x15 = rot16(v128.xor(x15, x0)); x12 = rot16(v128.xor(x12, x1));
      x13 = rot16(v128.xor(x13, x2)); x14 = rot16(v128.xor(x14, x3));
      x10 = i32x4.add(x10, x15); x11 = i32x4.add(x11, x12); x8 = i32x4.add(x8, x13); x9 = i32x4.add(x9, x14);
      x5 = rot12(v128.xor(x5, x10)); x6 = rot12(v128.xor(x6, x11));
      x7 = rot12(v128.xor(x7, x8)); x4 = rot12(v128.xor(x4, x9));
      x0 = i32x4.add(x0, x5); x1 = i32x4.add(x1, x6); x2 = i32x4.add(x2, x7); x3 = i32x4.add(x3, x4);
      x15 = rot8(v128.xor(x15, x0)); x12 = rot8(v128.xor(x12, x1));
      x13 = rot8(v128.xor(x13, x2)); x14 = rot8(v128.xor(x14, x3));
      x10 = i32x4.add(x10, x15); x11 = i32x4.add(x11, x12); x8 = i32x4.add(x8, x13); x9 = i32x4.add(x9, x14);
      x5 = rot7(v128.xor(x5, x10)); x6 = rot7(v128.xor(x6, x11));
      x7 = rot7(v128.xor(x7, x8)); x4 = rot7(v128.xor(x4, x9));
      if (hashing) hp += 48;
    }
    if (hashing) fence(poly, x4, x5, x6, x7);
    if (hashing) {
      // Poly1305 block at hp + 0 (the step of poly1305Blocks)
      h0 += <u64>load<u32>(hp, 0); h1 += <u64>load<u32>(hp, 4);
      h2 += <u64>load<u32>(hp, 8); h3 += <u64>load<u32>(hp, 12); h4 += 1;
      d0 = h0 * R0(poly) + h1 * S3(poly) + h2 * S2(poly) + h3 * S1(poly);
      d1 = h0 * R1(poly) + h1 * R0(poly) + h2 * S3(poly) + h3 * S2(poly) + h4 * S1(poly);
      d2 = h0 * R2(poly) + h1 * R1(poly) + h2 * R0(poly) + h3 * S3(poly) + h4 * S2(poly);
      d3 = h0 * R3(poly) + h1 * R2(poly) + h2 * R1(poly) + h3 * R0(poly) + h4 * S3(poly);
      t = h4 * R0(poly) + (d3 >> 32); h0 = d0 & M32; h1 = (d1 & M32) + (d0 >> 32);
      h2 = (d2 & M32) + (d1 >> 32); h3 = (d3 & M32) + (d2 >> 32);
      h0 += (t >> 2) + (t & ~3); h4 = t & 3;
      store<u64>(poly + POLY_H, h0); // and this block before what follows
    }
    if (hashing) hp += 16;
    // feed-forward, transpose, XOR into the data (or keep as keystream)
    x0 = i32x4.add(x0, v128.load32_splat(st, 0)); x1 = i32x4.add(x1, v128.load32_splat(st, 4));
    x2 = i32x4.add(x2, v128.load32_splat(st, 8)); x3 = i32x4.add(x3, v128.load32_splat(st, 12));
    emitGroup(x0, x1, x2, x3, ptr, 0, nb, ks, buffer);
    x4 = i32x4.add(x4, v128.load32_splat(st, 16)); x5 = i32x4.add(x5, v128.load32_splat(st, 20));
    x6 = i32x4.add(x6, v128.load32_splat(st, 24)); x7 = i32x4.add(x7, v128.load32_splat(st, 28));
    emitGroup(x4, x5, x6, x7, ptr, 16, nb, ks, buffer);
    x8 = i32x4.add(x8, v128.load32_splat(st, 32)); x9 = i32x4.add(x9, v128.load32_splat(st, 36));
    x10 = i32x4.add(x10, v128.load32_splat(st, 40)); x11 = i32x4.add(x11, v128.load32_splat(st, 44));
    emitGroup(x8, x9, x10, x11, ptr, 32, nb, ks, buffer);
    x12 = i32x4.add(x12, ctr); x13 = i32x4.add(x13, v128.load32_splat(st, ST_COUNTER + 4));
    x14 = i32x4.add(x14, v128.load32_splat(st, ST_COUNTER + 8));
    x15 = i32x4.add(x15, v128.load32_splat(st, ST_COUNTER + 12));
    emitGroup(x12, x13, x14, x15, ptr, 48, nb, ks, buffer);
    counter += 4;
    ptr += 256;
  }
  if (hashing) {
    store<u64>(poly + POLY_H, h0, 0); store<u64>(poly + POLY_H, h1, 8); store<u64>(poly + POLY_H, h2, 16);
    store<u64>(poly + POLY_H, h3, 24); store<u64>(poly + POLY_H, h4, 32);
  }
}

/** Keystream XORed over `stripes` full stripes at ptr. */
export function chachaStripesPlain(st: usize, ptr: usize, counter: u32, stripes: i32): void {
  chachaStripes(st, ptr, counter, stripes, -1, 0, 0, 0, false);
}

/** One pass: XOR `blocks` (0..3) whole blocks at ptr, keep the other blocks' keystream at ks. */
export function chachaTail(st: usize, ptr: usize, counter: u32, blocks: i32, ks: usize): void {
  chachaStripes(st, ptr, counter, 0, blocks, ks, 0, 0, false);
}

/**
 * `stripes` (>= 0) full stripes at ptr, then one more pass XORing `blocks` (0..3) whole blocks and keeping the
 * rest at ks; every pass stitched with Poly1305 over 256 bytes from hp onwards.
 */
export function chachaStripesHashedTail(
  st: usize, ptr: usize, counter: u32, stripes: i32, blocks: i32, ks: usize, poly: usize, hp: usize,
): void {
  chachaStripes(st, ptr, counter, stripes, blocks, ks, poly, hp, true);
}

/** Full stripes at ptr, each stitched with Poly1305 over 256 bytes from hp onwards. */
export function chachaStripesHashed(st: usize, ptr: usize, counter: u32, stripes: i32, poly: usize, hp: usize): void {
  chachaStripes(st, ptr, counter, stripes, -1, 0, poly, hp, true);
}

