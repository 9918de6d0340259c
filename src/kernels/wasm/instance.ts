/**
 * One instance of a kernel build and its context arena (docs/kernel-abi.md "Contexts").
 *
 *   0 ─ static data, I/O buffer (ioPtr, ioSize) ─ heapBase ─┬─ param slot (128 B: key ‖ nonce ‖ tag) ─┬─ contexts … ─ 16 MiB
 *                                                          (64-byte aligned slots, bump + free lists per size)
 *
 * Memory never grows (initial = maximum), so the Uint8Array view taken once stays valid.
 * Freed slots are wiped (fill 0) before they return to the free list.
 */
import { KernelInternalError } from '../errors.js';
import type { KernelBuild } from './build.js';
import { Wasm, type WasmImports, type WasmMemory, type WasmModule } from './api.js';
import { MemoryWindow } from './output.js';

export type KernelFn = (...args: number[]) => number;

export interface KernelExports {
  memory: WasmMemory;
  [name: string]: KernelFn | WasmMemory;
}

const SLOT_ALIGN = 64;
export const PARAM_SIZE = 128;
/** Offsets inside the param slot. */
export const PARAM_KEY = 0; // 32 bytes
export const PARAM_NONCE = 32; // up to 24 bytes
export const PARAM_TAG = 64; // 16 bytes (tag written by the kernel); 80…127 unused
/** Offset of the CBC chaining value (16 bytes) inside an AES context (assembly/aes/core.ts AES_CHAIN). */
export const AES_CTX_CHAIN = 16;

function roundUp(n: number): number {
  return Math.ceil(n / SLOT_ALIGN) * SLOT_ALIGN;
}

function importsFor(module: WasmModule): WasmImports {
  const imports: WasmImports = {};
  for (const imp of Wasm.Module.imports(module)) {
    if (imp.kind !== 'function') continue;
    imports[imp.module] ??= {};
    imports[imp.module]![imp.name] = () => {
      throw new KernelInternalError('ERR_KERNEL_ABORT', `kernel called ${imp.module}.${imp.name}`);
    };
  }
  return imports;
}

/**
 * Zeroes `bytes` (a multiple of 4) at the 4-byte aligned `ptr` with word stores: for the few words of a key or
 * nonce this is ≈3x cheaper than a `fill()` call on the 16 MiB view.
 */
export function zeroWords(mem32: Int32Array, ptr: number, bytes: number): void {
  const end = (ptr + bytes) >> 2;
  for (let w = ptr >> 2; w < end; w++) mem32[w] = 0;
}

export class KernelInstance {
  readonly exports: KernelExports;
  readonly mem: Uint8Array;
  /** The same memory as 32-bit words: wiping a few aligned words with stores is cheaper than a fill() call. */
  readonly mem32: Int32Array;
  readonly ioPtr: number;
  readonly ioSize: number;
  /** The I/O buffer as a view cached per length (a subarray() per call costs more than a 64-byte kernel's copy). */
  readonly ioWindow: MemoryWindow;
  readonly param: number;
  private next: number;
  private readonly end: number;
  private readonly free = new Map<number, number[]>();
  private live = 0;

  constructor(readonly build: KernelBuild) {
    const instance = new Wasm.Instance(build.module, importsFor(build.module));
    this.exports = instance.exports as unknown as KernelExports;
    this.mem = new Uint8Array(this.exports.memory.buffer);
    this.mem32 = new Int32Array(this.exports.memory.buffer);
    this.ioPtr = this.fn('ioPtr')();
    this.ioSize = this.fn('ioSize')();
    this.ioWindow = new MemoryWindow(this.mem, this.ioPtr);
    const heapBase = roundUp(this.fn('heapBase')());
    this.end = this.mem.length;
    this.param = heapBase;
    this.next = heapBase + PARAM_SIZE;
  }

  /** An exported kernel function (throws when the build lacks it). */
  fn(name: string): KernelFn {
    const f = this.exports[name];
    if (typeof f !== 'function') throw new KernelInternalError('ERR_KERNEL_MISSING_EXPORT', `kernel build lacks ${name}`);
    return f as KernelFn;
  }

  /** A 64-byte aligned slot of `size` bytes, or -1 when this arena is full. */
  alloc(size: number): number {
    const slotSize = roundUp(size);
    const list = this.free.get(slotSize);
    if (list !== undefined && list.length > 0) {
      this.live++;
      return list.pop()!;
    }
    if (this.next + slotSize > this.end) return -1;
    const ptr = this.next;
    this.next += slotSize;
    this.live++;
    return ptr;
  }

  /** Wipes and releases a slot. */
  release(ptr: number, size: number): void {
    const slotSize = roundUp(size);
    this.mem.fill(0, ptr, ptr + slotSize);
    let list = this.free.get(slotSize);
    if (list === undefined) this.free.set(slotSize, (list = []));
    list.push(ptr);
    this.live--;
  }

  /** Wipes the param slot (keys and nonces are copied there only for the duration of one call). */
  wipeParam(): void {
    this.mem.fill(0, this.param, this.param + PARAM_SIZE);
  }

  get liveSlots(): number {
    return this.live;
  }
}

/** A slot in some instance; contexts keep the instance they were born in for life. */
export interface Slot {
  inst: KernelInstance;
  ptr: number;
  size: number;
}

/**
 * All instances of one build; grows by one instance when every arena is full. Slots of owners that were
 * garbage-collected without destroy() are wiped and released by a FinalizationRegistry (a safety net: the arena
 * must not leak when a caller forgets destroy(); destroy() stays the way to wipe keys promptly).
 */
export class KernelPool {
  private readonly instances: KernelInstance[] = [];
  private readonly orphans = new FinalizationRegistry<Slot>((slot) => this.release(slot));

  constructor(readonly build: KernelBuild) {
    this.instances.push(new KernelInstance(build));
  }

  /** The first instance: used for stateless work (self-tests) and size queries. */
  get primary(): KernelInstance {
    return this.instances[0]!;
  }

  get instanceCount(): number {
    return this.instances.length;
  }

  alloc(size: number): Slot {
    for (let i = this.instances.length - 1; i >= 0; i--) {
      const inst = this.instances[i]!;
      const ptr = inst.alloc(size);
      if (ptr >= 0) return { inst, ptr, size };
    }
    const inst = new KernelInstance(this.build);
    this.instances.push(inst);
    const ptr = inst.alloc(size);
    if (ptr < 0) throw new KernelInternalError('ERR_KERNEL_ARENA', `context of ${size} bytes does not fit an empty arena`);
    return { inst, ptr, size };
  }

  release(slot: Slot): void {
    slot.inst.release(slot.ptr, slot.size);
  }

  /** Releases `slot` if `owner` is collected before calling untrack(owner). */
  track(owner: object, slot: Slot): void {
    this.orphans.register(owner, slot, owner);
  }

  untrack(owner: object): void {
    this.orphans.unregister(owner);
  }

  /** Every instance's linear memory (tests search it for key bytes). */
  memories(): Uint8Array[] {
    return this.instances.map((i) => i.mem);
  }
}
