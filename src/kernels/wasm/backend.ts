/**
 * The `wasm` and `wasm-simd` backends: one KernelPool per build (docs/kernel-abi.md). An algorithm is offered
 * only when the build exports every function it needs (build.ts REQUIRED_EXPORTS); self-tests decide the rest.
 */
import type { Algorithm, Backend, BackendName } from '../types.js';
import { KernelUnsupportedError } from '../errors.js';
import type { KernelBuild } from './build.js';
import { KernelPool } from './instance.js';
import { WasmCtr } from './ctr.js';
import { WasmCbc } from './cbc.js';
import { WasmAead } from './aead.js';

export interface WasmBackend extends Backend {
  readonly build: KernelBuild;
  readonly pool: KernelPool;
  ctr(key: Uint8Array, iv: Uint8Array): WasmCtr;
}

export function createWasmBackend(name: Extract<BackendName, 'wasm' | 'wasm-simd'>, build: KernelBuild, pool = new KernelPool(build)): WasmBackend {
  const exported = new Set<Algorithm>(build.exported);
  const need = (alg: Algorithm): void => {
    if (!exported.has(alg)) throw new KernelUnsupportedError(`${name} build ${build.sha256.slice(0, 12)} lacks ${alg}`);
  };
  return {
    name,
    build,
    pool,
    supports: (alg) => exported.has(alg),
    ctr(key, iv) {
      need('aes-256-ctr');
      return new WasmCtr(pool, key, iv);
    },
    cbc(direction, key, iv) {
      need('aes-256-cbc');
      return new WasmCbc(pool, direction, key, iv);
    },
    aead(alg) {
      need(alg);
      return new WasmAead(pool, alg);
    },
  };
}
