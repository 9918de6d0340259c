/**
 * Run-time kernel swap ("updating the crypto library"): load a .wasm build, verify, self-test, switch, or leave
 * everything as it was.
 *   1. read the file                         → refused 'read'
 *   2. SHA-256 in the pinned list            → refused 'hash'  (default list: the shipped builds' hashes)
 *   3. compiles, util exports, ABI version   → refused 'invalid' / 'abi'
 *   4. every exported algorithm passes its known-answer tests → refused 'selftest'
 *   5. serves at least what the current build of that flavour serves → refused 'coverage'
 *   6. install atomically (one Map.set): new streams and AEAD calls use it; live streams keep their instance.
 * Swaps are serialised. A refusal throws KernelSwapRefusedError (ERR_KERNEL_SWAP_REFUSED) and is logged.
 */
import { readFile } from 'node:fs/promises';
import type { Algorithm, CostTable, SwapResult } from '../types.js';
import { ALGORITHMS } from '../types.js';
import { KernelSwapRefusedError } from '../errors.js';
import { loadWasm, testedEntry, type WasmName } from './load.js';
import { sha256Hex, wasmSimdSupported } from '../wasm/build.js';
import type { Registry, Swapper } from '../registry.js';

export interface SwapHooks {
  /** Re-measures costs after a swap (the new build's speed is unknown); undefined keeps the current table. */
  recalibrate?: (registry: Registry) => { costs: CostTable; nativeCtrSwitchNs: number } | undefined;
}

export function createSwapper(hooks: SwapHooks = {}): Swapper {
  let queue: Promise<unknown> = Promise.resolve();
  return (registry, wasmPath, pinned) => {
    const run = queue.then(() => swapOnce(registry, wasmPath, pinned, hooks));
    queue = run.catch(() => undefined);
    return run;
  };
}

async function swapOnce(registry: Registry, wasmPath: string, pinned: string[], hooks: SwapHooks): Promise<SwapResult> {
  const logger = registry.state.logger;
  const refuse = (reason: ConstructorParameters<typeof KernelSwapRefusedError>[0], message: string, cause?: unknown): never => {
    logger.warn({ path: wasmPath, reason }, `kernel swap refused: ${message}`);
    throw new KernelSwapRefusedError(reason, message, cause === undefined ? undefined : { cause });
  };

  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(wasmPath));
  } catch (err) {
    return refuse('read', `cannot read ${wasmPath}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, err);
  }
  const sha256 = sha256Hex(bytes);
  const allowed = new Set(pinned.map((h) => h.toLowerCase()));
  if (!allowed.has(sha256)) refuse('hash', `SHA-256 ${sha256} is not in the pinned list (${allowed.size} entries)`);

  const loaded = await loadWasm(undefined, wasmPath, bytes);
  if (!loaded.ok) refuse(loaded.detail.startsWith('ABI') ? 'abi' : 'invalid', loaded.detail);
  if (!loaded.ok) throw new Error('unreachable');
  const name = loaded.backend.name as WasmName;
  if (name === 'wasm-simd' && !wasmSimdSupported()) refuse('invalid', 'SIMD build but this engine lacks WebAssembly SIMD');

  const entry = testedEntry(loaded.backend, loaded.build, wasmPath);
  const failed = ALGORITHMS.filter((alg) => entry.results[alg].state === 'failed');
  if (failed.length > 0) {
    refuse('selftest', `self-test failed: ${failed.map((a) => `${a} (${entry.results[a].detail})`).join('; ')}`);
  }
  const current = registry.state.entries.get(name);
  const lost: Algorithm[] = ALGORITHMS.filter((alg) => current?.results[alg].state === 'ok' && entry.results[alg].state !== 'ok');
  if (lost.length > 0) refuse('coverage', `the new build would drop ${lost.join(', ')}`);

  const previousSha256 = current?.build?.sha256;
  registry.install(entry);
  const measured = hooks.recalibrate?.(registry);
  if (measured !== undefined) {
    registry.state.nativeCtrSwitchNs = measured.nativeCtrSwitchNs;
    registry.install(entry, measured.costs);
  }
  const algorithms = ALGORITHMS.filter((alg) => entry.results[alg].state === 'ok');
  logger.info({ backend: name, sha256, previousSha256, algorithms }, 'kernel build swapped in');
  return { ok: true, backend: name, sha256, previousSha256, path: wasmPath, algorithms };
}
