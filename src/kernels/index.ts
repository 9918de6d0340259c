/**
 * `mtshield/kernels`: the JS face of the crypto kernels (docs/kernels.md, docs/contracts.md "Kernel registry").
 *
 *   const kernels = await loadKernels();
 *   const s = kernels.stream('aes-256-ctr', key, iv); s.update(chunk, chunk); s.destroy();
 *   const a = kernels.aead('chacha20-poly1305'); const sealed = a.seal(key, nonce, pt, aad);
 *
 * loadKernels: build backends (wasm-simd, wasm, native, js) → self-tests → costs (cache, calibration or prior)
 * → forced choices (config, env) → registry.
 */
import { pino, type Logger } from 'pino';
import type { Algorithm, BackendName } from './types.js';
import { createNativeBackend } from './backends/native.js';
import { createJsBackend } from './backends/js.js';
import { loadWasmEntry, shippedBuildPath, shippedHashes, testedEntry, type BackendEntry } from './verify/load.js';
import { releaseCrossCheckVectors } from './verify/crosscheck.js';
import { Registry, type KernelRegistry } from './registry.js';
import { createSwapper } from './verify/swap.js';
import { forcedBackends } from './choose/config.js';
import { calibrate, type Calibration } from './choose/calibrate.js';
import { cacheFile, cacheKey, defaultCacheDir, needsRemeasure, quieterCalibration, readCalibration, writeCalibration } from './choose/cache.js';
import { cpuInfo } from './choose/cpu.js';

export * from './types.js';
export * from './errors.js';
export type { KernelRegistry } from './registry.js';
export type { KernelBytesRow } from './streams/cbc-bytes.js';
export { constantTimeEqual } from './validate.js';
export { cpuInfo } from './choose/cpu.js';
export { wasmSimdSupported } from './wasm/build.js';
export { envName } from './choose/config.js';

export interface LoadKernelsOptions {
  /** Force a backend per algorithm (config `kernels.backend`); env MTSHIELD_KERNEL[_<ALG>] also forces. */
  backend?: Partial<Record<Algorithm, BackendName>>;
  /** Measure backends at start-up (default true; results cached on disk). false: a cached result or the prior. */
  calibrate?: boolean;
  /** Calibration cache dir (default $MTSHIELD_CACHE_DIR or ~/.cache/mtshield). */
  cacheDir?: string;
  logger?: Logger;
  /** Override the .wasm builds (tests, operators trying a build before pinning it). */
  wasmPaths?: Partial<Record<'wasm' | 'wasm-simd', string>>;
  /** SHA-256 list swap() accepts (default: the hashes of the shipped builds). */
  pinnedSha256?: string[];
  /** Total calibration budget in ms (default 250; the contract caps start-up calibration under 300 ms). */
  calibrationBudgetMs?: number;
  /** Environment to read MTSHIELD_KERNEL* from (default process.env). */
  env?: NodeJS.ProcessEnv;
}

function defaultLogger(): Logger {
  return pino({ name: 'mtshield-kernels', level: process.env['MTSHIELD_LOG_LEVEL'] ?? 'warn', redact: ['key', '*.key', 'secret', '*.secret'] }, pino.destination(2));
}

export async function loadKernels(options: LoadKernelsOptions = {}): Promise<KernelRegistry> {
  const logger = options.logger ?? defaultLogger();
  const entries = new Map<BackendName, BackendEntry>();
  for (const name of ['wasm-simd', 'wasm'] as const) {
    entries.set(name, await loadWasmEntry(name, options.wasmPaths?.[name] ?? shippedBuildPath(name)));
  }
  entries.set('native', testedEntry(createNativeBackend()));
  entries.set('js', testedEntry(createJsBackend()));
  releaseCrossCheckVectors();
  for (const entry of entries.values()) {
    for (const [alg, r] of Object.entries(entry.results)) {
      if (r.state === 'failed') logger.error({ backend: entry.name, alg, detail: r.detail, sha256: entry.build?.sha256 }, 'kernel self-test failed; backend disabled');
      else if (r.state === 'unavailable' && entry.name.startsWith('wasm')) logger.debug({ backend: entry.name, alg, detail: r.detail }, 'kernel unavailable');
    }
  }

  const { forced, invalid } = forcedBackends(options.backend, options.env ?? process.env);
  for (const item of invalid) logger.warn({ setting: item }, 'unknown kernel backend name ignored');

  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const budget = options.calibrationBudgetMs ?? 250;
  const keyFor = (es: Map<BackendName, BackendEntry>): string =>
    cacheKey({ cpuModel: cpuInfo().model, node: process.version, builds: ['wasm', 'wasm-simd'].map((n) => es.get(n as BackendName)?.build?.sha256 ?? 'none') });

  const shouldCalibrate = options.calibrate !== false;
  /** `keepQuieter`: at start-up a noisy cached calibration gives way only to a quieter one; recalibrate() replaces. */
  const measure = (registry: Registry, budgetMs: number, keepQuieter = false): Calibration => {
    const fresh = calibrate(backendMap(registry.state.entries), (alg, n) => registry.usable(alg, n), budgetMs);
    // a noisy cached calibration from this CPU, Node and build gives way only to a quieter one
    const previous = readCalibration(cacheDir, keyFor(registry.state.entries));
    const measured = keepQuieter && previous && needsRemeasure(previous) ? quieterCalibration(previous, fresh) : fresh;
    registry.state.openCosts = measured.openCosts;
    const written = writeCalibration(cacheDir, keyFor(registry.state.entries), measured);
    registry.state.calibration = { source: 'measured', file: written ? cacheFile(cacheDir) : undefined, durationMs: measured.durationMs };
    logger.debug({ durationMs: measured.durationMs, complete: measured.complete, spentMs: measured.spentMs }, 'kernel calibration done');
    return measured;
  };
  const swapper = createSwapper({ recalibrate: shouldCalibrate ? (registry) => measure(registry, budget) : undefined });
  const registry = new Registry(
    {
      entries,
      costs: {},
      nativeCtrSwitchNs: 1300,
      calibration: { source: 'prior' },
      forced,
      pinned: options.pinnedSha256 ?? (await shippedHashes()),
      logger,
    },
    swapper,
    measure,
  );
  // a cached measurement is used even with calibrate: false (it costs nothing); only calibrate: true measures
  // one taken under load is measured again (the quieter is kept) while calibration is allowed
  const stored = readCalibration(cacheDir, keyFor(entries));
  const cached = stored !== undefined && shouldCalibrate && needsRemeasure(stored) ? undefined : stored;
  const measured = cached ?? (shouldCalibrate ? measure(registry, budget, true) : undefined);
  if (cached) {
    registry.state.calibration = { source: 'cache', file: cacheFile(cacheDir), durationMs: cached.durationMs };
    registry.state.openCosts = cached.openCosts;
  }
  if (measured) {
    registry.state.nativeCtrSwitchNs = measured.nativeCtrSwitchNs;
    registry.install(entries.get('native')!, measured.costs);
  }
  return registry;
}

function backendMap(entries: Map<BackendName, BackendEntry>) {
  const map = new Map<BackendName, NonNullable<BackendEntry['backend']>>();
  for (const [name, e] of entries) if (e.backend) map.set(name, e.backend);
  return map;
}
