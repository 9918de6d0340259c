/**
 * Feeding data through an instance's I/O buffer (docs/kernel-abi.md "Data is processed in place"): copy a chunk
 * of at most ioSize bytes in, run the kernel in place, copy it out. One code path for every streaming kernel.
 * A message that fits the buffer costs `mem.set` in, one `set(subarray)` out (measured cheaper than
 * `Buffer#copy`, which goes through two JS layers into C++) and, when the caller passes no output, one takeOutput.
 */
import type { KernelFn, KernelInstance } from './instance.js';
import { check } from './status.js';
import { takeOutput } from './output.js';

/** Runs `kernel(ctx, io, n)` over `src` chunk by chunk, writing the result to `dst` (may be `src`). */
export function pump(inst: KernelInstance, kernel: KernelFn, ctx: number, src: Uint8Array, dst: Uint8Array, what: string): void {
  const { mem, ioPtr, ioSize } = inst;
  const length = src.length;
  if (length <= ioSize) {
    runInIo(inst, kernel, ctx, src, what);
    dst.set(inst.ioWindow.view(length));
    return;
  }
  for (let pos = 0; pos < length; pos += ioSize) {
    const n = Math.min(ioSize, length - pos);
    mem.set(src.subarray(pos, pos + n), ioPtr);
    const status = kernel(ctx, ioPtr, n);
    if (status < 0) check(status, what);
    dst.set(mem.subarray(ioPtr, ioPtr + n), pos);
  }
}

/** Like pump, allocating the output (takeOutput: from a slab for small sizes). */
export function pumpNew(inst: KernelInstance, kernel: KernelFn, ctx: number, src: Uint8Array, what: string): Uint8Array {
  const length = src.length;
  if (length <= inst.ioSize) {
    runInIo(inst, kernel, ctx, src, what);
    return inst.ioWindow.copy(length);
  }
  const dst = takeOutput(length);
  pump(inst, kernel, ctx, src, dst, what);
  return dst;
}

/** One chunk that fits the I/O buffer: copy in, run the kernel in place; the result is read by the caller. */
function runInIo(inst: KernelInstance, kernel: KernelFn, ctx: number, src: Uint8Array, what: string): void {
  inst.mem.set(src, inst.ioPtr);
  const status = kernel(ctx, inst.ioPtr, src.length);
  if (status < 0) check(status, what);
}
