// Internal helpers shared by the kernels (not exported from the module). See docs/kernel-abi.md.

/** The I/O buffer: JS copies data in, a kernel works in place, JS copies it out. */
export const IO_SIZE: i32 = 65536 + 64;
export const IO_BUFFER: usize = memory.data(IO_SIZE, 64);

/** Status codes returned by every export (mirrored in src/kernels/wasm/status.ts). */
export const OK: i32 = 0;
export const BAD_KEY_LENGTH: i32 = -1;
export const BAD_NONCE_LENGTH: i32 = -2;
export const BAD_LENGTH: i32 = -3;
export const OUT_OF_BOUNDS: i32 = -4;
export const BAD_STATE: i32 = -5;
export const FRAME_TOO_LARGE: i32 = -6;
export const BAD_FRAME: i32 = -7;

/** True when [ptr, ptr + len) lies inside linear memory; kernels return OUT_OF_BOUNDS otherwise. */
@inline
export function inBounds(ptr: usize, len: i32): bool {
  return len >= 0 && ptr + <usize>len >= ptr && ptr + <usize>len <= (<usize>memory.size() << 16);
}

/** Overwrites `len` bytes at `ptr` with zeros (wipes scratch that held key-dependent data). */
@inline
export function wipe(ptr: usize, len: usize): void {
  memory.fill(ptr, 0, len);
}
