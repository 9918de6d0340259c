// ABI-level exports: version, build flavour and the fixed memory map. See docs/kernel-abi.md.
import { IO_BUFFER, IO_SIZE } from './memory';

/** ABI version: bump when any export's signature or meaning changes. */
export function abiVersion(): i32 {
  return 1;
}

/** 1 when this build was compiled with v128 SIMD, 0 for the scalar build. */
export function simdBuild(): i32 {
  return ASC_FEATURE_SIMD ? 1 : 0;
}

/** Start of the context arena that JS manages: everything from here to the end of memory. */
export function heapBase(): usize {
  return (__heap_base + 63) & ~(<usize>63);
}

/** The I/O buffer: JS copies data in, a kernel works in place, JS copies it out. */
export function ioPtr(): usize {
  return IO_BUFFER;
}

export function ioSize(): i32 {
  return IO_SIZE;
}
