// Small fixed-size memory helpers for the ChaCha kernels: inline stores instead of memory.fill/copy, whose
// runtime calls cost more than the work for the 16..512-byte regions handled here. Not secret-dependent:
// sizes and addresses are public.

/** Zeroes n bytes (n a multiple of 16). */
// @ts-ignore: decorator
@inline export function zero16s(p: usize, n: usize): void {
  for (let i: usize = 0; i < n; i += 16) {
    if (ASC_FEATURE_SIMD) {
      v128.store(p + i, i64x2.splat(0));
    } else {
      store<u64>(p + i, 0);
      store<u64>(p + i, 0, 8);
    }
  }
}

/** Copies n bytes (n a multiple of 4, regions do not overlap). */
// @ts-ignore: decorator
@inline export function copyWords(dst: usize, src: usize, n: usize): void {
  for (let i: usize = 0; i < n; i += 4) store<u32>(dst + i, load<u32>(src + i));
}

/** dst[i] ^= src[i] for i < n: 16 bytes at a time, then 4, then single bytes. */
export function xorInto(dst: usize, src: usize, n: usize): void {
  let i: usize = 0;
  for (; i + 16 <= n; i += 16) {
    if (ASC_FEATURE_SIMD) {
      v128.store(dst + i, v128.xor(v128.load(dst + i), v128.load(src + i)));
    } else {
      store<u64>(dst + i, load<u64>(dst + i) ^ load<u64>(src + i));
      store<u64>(dst + i, load<u64>(dst + i, 8) ^ load<u64>(src + i, 8), 8);
    }
  }
  for (; i + 4 <= n; i += 4) store<u32>(dst + i, load<u32>(dst + i) ^ load<u32>(src + i));
  for (; i < n; i++) store<u8>(dst + i, load<u8>(dst + i) ^ load<u8>(src + i));
}
