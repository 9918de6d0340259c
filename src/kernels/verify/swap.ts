/**
 * Run-time kernel swap ("updating the crypto library"): load a .wasm build, verify, self-test, switch, or leave
 * everything as it was.
 *   1. read the file: a regular file (no device, no FIFO), at most MAX_KERNEL_BYTES, and, given a root
 *      directory, resolved (symlinks followed) inside it → refused 'read' / 'size' / 'path'
 *   2. SHA-256 in the pinned list            → refused 'hash'  (the configured pins, default the shipped
 *      builds' hashes; a caller can narrow the list, never widen it: Registry.swap)
 *   3. compiles, util exports, ABI version   → refused 'invalid' / 'abi'
 *   4. every exported algorithm passes its known-answer tests → refused 'selftest'
 *   5. serves at least what the current build of that flavour serves → refused 'coverage'
 *   6. install atomically (one Map.set): new streams and AEAD calls use it; live streams keep their instance.
 * Swaps are serialised. A refusal throws KernelSwapRefusedError (ERR_KERNEL_SWAP_REFUSED) and is logged.
 */
import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { sep } from 'node:path';
import type { Algorithm, CostTable, SwapResult } from '../types.js';
import { ALGORITHMS } from '../types.js';
import { KernelSwapRefusedError } from '../errors.js';
import { loadWasm, testedEntry, type WasmName } from './load.js';
import { releaseCrossCheckVectors } from './crosscheck.js';
import { sha256Hex, wasmSimdSupported } from '../wasm/build.js';
import type { Registry, Swapper } from '../registry.js';

export interface SwapHooks {
  /** Re-measures costs after a swap (the new build's speed is unknown); undefined keeps the current table. */
  recalibrate?: (registry: Registry) => { costs: CostTable; nativeCtrSwitchNs: number } | undefined;
}

/** A WASM build is well under 1 MiB; anything past this is not one (and /dev/zero never ends). */
export const MAX_KERNEL_BYTES = 4 * 1024 * 1024;

type Refuse = (reason: ConstructorParameters<typeof KernelSwapRefusedError>[0], message: string, cause?: unknown) => never;

/** The path resolved with every symlink followed, refused unless it stays inside the resolved `root`. */
async function confined(wasmPath: string, root: string, refuse: Refuse): Promise<string> {
  let realRoot: string;
  let real: string;
  try {
    realRoot = await realpath(root);
    real = await realpath(wasmPath);
  } catch (err) {
    return refuse('read', `cannot resolve ${wasmPath} in ${root}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, err);
  }
  if (!real.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep)) refuse('path', `${wasmPath} is outside the kernels directory ${root}`);
  return real;
}

/**
 * Reads a regular file of at most MAX_KERNEL_BYTES. O_NONBLOCK so a FIFO cannot hang the open, O_NOFOLLOW so
 * the last component cannot be swapped for a symlink after `confined` resolved it.
 */
async function readBounded(path: string, refuse: Refuse): Promise<Uint8Array> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    return refuse('read', `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, err);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) refuse('read', `${path} is not a regular file`);
    if (info.size > MAX_KERNEL_BYTES) refuse('size', `${path} is ${info.size} bytes; a kernel build is at most ${MAX_KERNEL_BYTES}`);
    // One byte of room past the size fstat gave: a file that grows while read is refused, not truncated.
    const buffer = new Uint8Array(info.size + 1);
    let total = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, total, buffer.length - total, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > info.size) refuse('size', `${path} grew while it was read`);
    }
    return buffer.subarray(0, total);
  } catch (err) {
    if (err instanceof KernelSwapRefusedError) throw err;
    return refuse('read', `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, err);
  } finally {
    await handle.close();
  }
}

export function createSwapper(hooks: SwapHooks = {}): Swapper {
  let queue: Promise<unknown> = Promise.resolve();
  return (registry, wasmPath, pinned, root) => {
    const run = queue.then(() => swapOnce(registry, wasmPath, pinned, hooks, root));
    queue = run.catch(() => undefined);
    return run;
  };
}

async function swapOnce(registry: Registry, wasmPath: string, pinned: string[], hooks: SwapHooks, root?: string): Promise<SwapResult> {
  const logger = registry.state.logger;
  const refuse: Refuse = (reason, message, cause) => {
    logger.warn({ path: wasmPath, reason }, `kernel swap refused: ${message}`);
    throw new KernelSwapRefusedError(reason, message, cause === undefined ? undefined : { cause });
  };

  const bytes = await readBounded(root === undefined ? wasmPath : await confined(wasmPath, root, refuse), refuse);
  const sha256 = sha256Hex(bytes);
  const allowed = new Set(pinned.map((h) => h.toLowerCase()));
  if (!allowed.has(sha256)) refuse('hash', `SHA-256 ${sha256} is not in the pinned list (${allowed.size} entries)`);

  const loaded = await loadWasm(undefined, wasmPath, bytes);
  if (!loaded.ok) refuse(loaded.detail.startsWith('ABI') ? 'abi' : 'invalid', loaded.detail);
  if (!loaded.ok) throw new Error('unreachable');
  const name = loaded.backend.name as WasmName;
  if (name === 'wasm-simd' && !wasmSimdSupported()) refuse('invalid', 'SIMD build but this engine lacks WebAssembly SIMD');

  const entry = testedEntry(loaded.backend, loaded.build, wasmPath);
  releaseCrossCheckVectors();
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
