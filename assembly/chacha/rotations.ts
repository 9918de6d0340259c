// ChaCha20's left rotations of each 32-bit lane of a v128 (RFC 8439 2.1), shared by the column pass
// (chacha20-simd.ts) and the row pass (chacha20-rows.ts). Inlined at every use.
//
// Rotate by 16 is a 16-bit lane shuffle (V8 emits pshuflw + pshufhw); 8, 12 and 7 are shift/or pairs, because
// V8 rebuilds a constant byte-shuffle mask with four instructions at every use (masks loaded from memory or
// swizzles measured no faster).

// @ts-ignore: decorator
@inline export function rot16(x: v128): v128 {
  return i8x16.shuffle(x, x, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
}
// @ts-ignore: decorator
@inline export function rot8(x: v128): v128 {
  return v128.or(i32x4.shl(x, 8), i32x4.shr_u(x, 24));
}
// @ts-ignore: decorator
@inline export function rot12(x: v128): v128 {
  return v128.or(i32x4.shl(x, 12), i32x4.shr_u(x, 20));
}
// @ts-ignore: decorator
@inline export function rot7(x: v128): v128 {
  return v128.or(i32x4.shl(x, 7), i32x4.shr_u(x, 25));
}
