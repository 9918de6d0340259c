// Raw harness for the AES and GCM kernel tests: instantiates build/mtshield.wasm (scalar) and
// build/mtshield-simd.wasm directly, with a bump allocator over the context arena (docs/kernel-abi.md).
import { readFileSync } from 'node:fs';
import { packagePath } from '../../src/util/paths.js';

export const OK = 0, BAD_KEY_LENGTH = -1, BAD_NONCE_LENGTH = -2, BAD_LENGTH = -3, OUT_OF_BOUNDS = -4, BAD_STATE = -5;

export const BUILDS = [
  { name: 'scalar', file: 'build/mtshield.wasm' },
  { name: 'simd', file: 'build/mtshield-simd.wasm' },
] as const;

type Fn = (...args: number[]) => number;
/** The project's lib settings do not declare WebAssembly; type the two members used here. */
interface MemoryLike { buffer: ArrayBuffer }
const wasm = (globalThis as unknown as {
  WebAssembly: { instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: Record<string, unknown> } }> };
}).WebAssembly;

export class RawKernel {
  private next: number;
  readonly io: number;
  readonly ioSize: number;
  constructor(readonly name: string, private readonly exports: Record<string, unknown>) {
    this.next = this.fn('heapBase')();
    this.io = this.fn('ioPtr')();
    this.ioSize = this.fn('ioSize')();
  }

  fn(name: string): Fn {
    const f = this.exports[name];
    if (typeof f !== 'function') throw new Error(`export ${name} missing`);
    return f as Fn;
  }

  has(name: string): boolean {
    return typeof this.exports[name] === 'function';
  }

  get mem(): Uint8Array {
    return new Uint8Array((this.exports.memory as MemoryLike).buffer);
  }

  get memSize(): number {
    return (this.exports.memory as MemoryLike).buffer.byteLength;
  }

  /** 64-byte aligned block in the arena (never freed: tests are short-lived). */
  alloc(size: number): number {
    const at = (this.next + 63) & ~63;
    this.next = at + size;
    if (this.next > this.memSize) throw new Error('arena exhausted');
    return at;
  }

  put(ptr: number, bytes: Uint8Array): number {
    this.mem.set(bytes, ptr);
    return ptr;
  }

  get(ptr: number, len: number): Uint8Array {
    return this.mem.slice(ptr, ptr + len);
  }

  /** Copies bytes into a fresh arena block and returns its pointer. */
  place(bytes: Uint8Array): number {
    return this.put(this.alloc(Math.max(bytes.length, 1)), bytes);
  }
}

export async function loadRaw(build: (typeof BUILDS)[number]): Promise<RawKernel> {
  const bytes = readFileSync(packagePath(build.file));
  const { instance } = await wasm.instantiate(bytes, {
    env: { abort: () => { throw new Error('wasm abort'); } },
  });
  return new RawKernel(build.name, instance.exports);
}

export const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
export const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Splits n into chunk lengths taken cyclically from `sizes` (0 sizes allowed: empty calls). */
export function chunking(n: number, sizes: number[]): number[] {
  const out: number[] = [];
  let left = n;
  if (sizes.every((s) => s <= 0)) sizes = [...sizes, n];
  for (let i = 0; left > 0; i++) {
    const s = Math.min(left, sizes.length ? sizes[i % sizes.length] : left);
    out.push(s);
    left -= s;
    if (out.length > 100_000) throw new Error('chunking runaway');
  }
  if (out.length === 0) out.push(0);
  return out;
}

/** Byte ranges [from, to) that differ between two snapshots outside the allowed ranges. */
export function changedOutside(before: Uint8Array, after: Uint8Array, allowed: Array<[number, number]>): number[] {
  const changed: number[] = [];
  for (let i = 0; i < before.length; i++) {
    if (before[i] === after[i]) continue;
    if (allowed.some(([a, b]) => i >= a && i < b)) continue;
    changed.push(i);
    if (changed.length > 16) break;
  }
  return changed;
}
