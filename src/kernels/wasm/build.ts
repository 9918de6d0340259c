/**
 * A kernel build: the bytes of one .wasm file (docs/kernel-abi.md), its SHA-256, the compiled module and which
 * algorithms it exports. Compiling is the only asynchronous step; instances are created synchronously.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Algorithm } from '../types.js';
import { Wasm, type WasmModule } from './api.js';

/** Export names an algorithm needs (the ABI's prefixes per folder). */
export const REQUIRED_EXPORTS: Record<Algorithm, readonly string[]> = {
  'aes-256-ctr': ['aesCtxSize', 'aesInit', 'aesCtrInit', 'aesCtrXor'],
  'aes-256-cbc': ['aesCtxSize', 'aesInit', 'aesCbcInit', 'aesCbcEncrypt', 'aesCbcDecrypt'],
  'chacha20-poly1305': ['aeadCtxSize', 'aeadInit', 'aeadAad', 'aeadEncrypt', 'aeadDecrypt', 'aeadFinal'],
  'xchacha20-poly1305': ['aeadCtxSize', 'aeadInit', 'aeadAad', 'aeadEncrypt', 'aeadDecrypt', 'aeadFinal'],
  'aes-128-gcm': ['gcmCtxSize', 'gcmInit', 'gcmAad', 'gcmEncrypt', 'gcmDecrypt', 'gcmFinal'],
  'aes-256-gcm': ['gcmCtxSize', 'gcmInit', 'gcmAad', 'gcmEncrypt', 'gcmDecrypt', 'gcmFinal'],
};

export const UTIL_EXPORTS = ['memory', 'abiVersion', 'simdBuild', 'heapBase', 'ioPtr', 'ioSize'] as const;
export const ABI_VERSION = 1;

export interface KernelBuild {
  path: string;
  sha256: string;
  module: WasmModule;
  exportNames: ReadonlySet<string>;
  /** Algorithms whose exports are all present (self-tests still decide whether they are usable). */
  exported: Algorithm[];
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** What a build lacks for an algorithm (empty when complete). */
export function missingExports(exportNames: ReadonlySet<string>, alg: Algorithm): string[] {
  return REQUIRED_EXPORTS[alg].filter((name) => !exportNames.has(name));
}

export async function compileBuild(path: string, bytes?: Uint8Array): Promise<KernelBuild> {
  const data = bytes ?? new Uint8Array(await readFile(path));
  const module = await Wasm.compile(data);
  const exportNames = new Set(Wasm.Module.exports(module).map((e) => e.name));
  const exported = (Object.keys(REQUIRED_EXPORTS) as Algorithm[]).filter((alg) => missingExports(exportNames, alg).length === 0);
  return { path, sha256: sha256Hex(data), module, exportNames, exported };
}

/** True when this engine validates a module using a v128 instruction (the SIMD build needs it). */
export function wasmSimdSupported(): boolean {
  // (module (func (result v128) v128.const i32x4 0 0 0 0))
  const probe = new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, 0x03, 0x02, 0x01, 0x00,
    0x0a, 0x16, 0x01, 0x14, 0x00, 0xfd, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x0b,
  ]);
  try {
    return Wasm.validate(probe);
  } catch {
    return false;
  }
}
