/**
 * Feeding data through an instance's I/O buffer (docs/kernel-abi.md "Data is processed in place"): copy a chunk
 * of at most ioSize bytes in, run the kernel in place, copy it out. One code path for every streaming kernel.
 * A message that fits the buffer creates no views: `mem.set` in, `Buffer#copy` out (only the output, when the
 * caller passes none, is allocated).
 */
import type { KernelFn, KernelInstance } from './instance.js';
import { check } from './status.js';
import { allocOutput } from '../validate.js';

/** Runs `kernel(ctx, io, n)` over `src` chunk by chunk, writing the result to `dst` (may be `src`). */
export function pump(inst: KernelInstance, kernel: KernelFn, ctx: number, src: Uint8Array, dst: Uint8Array, what: string): void {
  const { mem, ioPtr, ioSize } = inst;
  const length = src.length;
  if (length <= ioSize) {
    mem.set(src, ioPtr);
    const status = kernel(ctx, ioPtr, length);
    if (status < 0) check(status, what);
    inst.memBuf.copy(dst, 0, ioPtr, ioPtr + length);
    return;
  }
  for (let pos = 0; pos < length; pos += ioSize) {
    const n = Math.min(ioSize, length - pos);
    mem.set(src.subarray(pos, pos + n), ioPtr);
    const status = kernel(ctx, ioPtr, n);
    if (status < 0) check(status, what);
    inst.memBuf.copy(dst, pos, ioPtr, ioPtr + n);
  }
}

/** Like pump, allocating the output (allocOutput: pooled for small sizes). */
export function pumpNew(inst: KernelInstance, kernel: KernelFn, ctx: number, src: Uint8Array, what: string): Uint8Array {
  const { mem, ioPtr, ioSize } = inst;
  const length = src.length;
  if (length <= ioSize) {
    mem.set(src, ioPtr);
    const status = kernel(ctx, ioPtr, length);
    if (status < 0) check(status, what);
    const out = allocOutput(length);
    inst.memBuf.copy(out, 0, ioPtr, ioPtr + length);
    return out;
  }
  const dst = allocOutput(length);
  pump(inst, kernel, ctx, src, dst, what);
  return dst;
}

/** Runs `kernel(ctx, io, n)` over `src` only for its side effect on the context (AAD, Poly1305 input). */
export function absorb(inst: KernelInstance, kernel: KernelFn, ctx: number, src: Uint8Array, what: string): void {
  const { mem, ioPtr, ioSize } = inst;
  for (let pos = 0; pos < src.length; pos += ioSize) {
    const n = Math.min(ioSize, src.length - pos);
    mem.set(src.subarray(pos, pos + n), ioPtr);
    check(kernel(ctx, ioPtr, n), what);
  }
}
