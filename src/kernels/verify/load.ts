/**
 * Building backends: the shipped .wasm builds (build/mtshield.wasm scalar, build/mtshield-simd.wasm SIMD, see
 * docs/kernel-abi.md), node:crypto and @noble/ciphers, each self-tested (selftest.ts) before it can serve.
 * A build that is missing, fails to compile, has the wrong ABI version or needs SIMD the engine lacks is
 * "unavailable"; a build that computes wrong answers is "failed".
 */
import { readFile } from 'node:fs/promises';
import type { Algorithm, Backend, BackendName, SelfTestResult } from '../types.js';
import { ALGORITHMS } from '../types.js';
import { ABI_VERSION, compileBuild, missingExports, sha256Hex, UTIL_EXPORTS, wasmSimdSupported, type KernelBuild } from '../wasm/build.js';
import { createWasmBackend, type WasmBackend } from '../wasm/backend.js';
import { selfTestBackend } from './selftest.js';
import { packagePath } from '../../util/paths.js';

export type WasmName = Extract<BackendName, 'wasm' | 'wasm-simd'>;

export interface BackendEntry {
  name: BackendName;
  backend?: Backend;
  build?: KernelBuild;
  path?: string;
  results: Record<Algorithm, SelfTestResult>;
}

export function shippedBuildPath(name: WasmName): string {
  return packagePath('build', name === 'wasm' ? 'mtshield.wasm' : 'mtshield-simd.wasm');
}

function allResults(result: SelfTestResult): Record<Algorithm, SelfTestResult> {
  const out = {} as Record<Algorithm, SelfTestResult>;
  for (const alg of ALGORITHMS) out[alg] = result;
  return out;
}

/** Self-tests a backend; algorithms whose exports a wasm build lacks are marked unavailable with the names. */
export function testedEntry(backend: Backend, build?: KernelBuild, path?: string): BackendEntry {
  const results = selfTestBackend(backend);
  if (build) {
    for (const alg of ALGORITHMS) {
      if (results[alg].state === 'unavailable') results[alg] = { state: 'unavailable', detail: `build lacks ${missingExports(build.exportNames, alg).join(', ')}` };
    }
  }
  return { name: backend.name, backend, build, path, results };
}

export type WasmLoad = { ok: true; backend: WasmBackend; build: KernelBuild } | { ok: false; detail: string; build?: KernelBuild };

/** Compiles and instantiates a build for `name`, checking the ABI; never throws. */
export async function loadWasm(name: WasmName | undefined, path: string, bytes?: Uint8Array): Promise<WasmLoad> {
  let build: KernelBuild;
  try {
    build = await compileBuild(path, bytes);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { ok: false, detail: code === 'ENOENT' ? `build not found: ${path}` : `build does not compile: ${(err as Error).message}` };
  }
  const missing = UTIL_EXPORTS.filter((e) => !build.exportNames.has(e));
  if (missing.length > 0) return { ok: false, build, detail: `build lacks ${missing.join(', ')}` };
  let backend: WasmBackend;
  try {
    const probe = createWasmBackend(name ?? 'wasm', build);
    const inst = probe.pool.primary;
    const abi = inst.fn('abiVersion')();
    if (abi !== ABI_VERSION) return { ok: false, build, detail: `ABI version ${abi}, expected ${ABI_VERSION}` };
    const simd = inst.fn('simdBuild')() === 1;
    const actual: WasmName = simd ? 'wasm-simd' : 'wasm';
    if (name !== undefined && actual !== name) return { ok: false, build, detail: `${path} is a ${actual} build, expected ${name}` };
    backend = name === undefined ? createWasmBackend(actual, build, probe.pool) : probe;
  } catch (err) {
    return { ok: false, build, detail: `build does not instantiate: ${(err as Error).message}` };
  }
  return { ok: true, backend, build };
}

export async function loadWasmEntry(name: WasmName, path: string): Promise<BackendEntry> {
  if (name === 'wasm-simd' && !wasmSimdSupported()) {
    return { name, path, results: allResults({ state: 'unavailable', detail: 'this engine does not validate WebAssembly SIMD' }) };
  }
  const loaded = await loadWasm(name, path);
  if (!loaded.ok) return { name, path, build: loaded.build, results: allResults({ state: 'unavailable', detail: loaded.detail }) };
  return testedEntry(loaded.backend, loaded.build, path);
}

/** SHA-256 of the shipped builds that exist (the default pinned list for swap). */
export async function shippedHashes(): Promise<string[]> {
  const out: string[] = [];
  for (const name of ['wasm', 'wasm-simd'] as const) {
    try {
      out.push(sha256Hex(new Uint8Array(await readFile(shippedBuildPath(name)))));
    } catch {
      // not built
    }
  }
  return out;
}
