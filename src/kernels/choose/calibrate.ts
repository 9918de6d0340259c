/**
 * Start-up calibration: time every usable backend of every algorithm at each size class (types.ts SIZE_CLASSES)
 * within a total budget (default 250 ms, contract: under 300 ms), so the registry can choose the fastest backend
 * per algorithm and size.
 *   phase 1 (≤ 30 %): warm the WASM kernels that will be timed (warmAll) so optimized code is what gets timed;
 *   phase 2: each algorithm gets its share of what is left, each size its share of that; per size only the
 *   plausible backends (plausible(): native and the best WASM flavour, others only when the prior puts them
 *   within 2.5x) are timed round-robin, minimum of 5–15 batches (the minimum filters scheduler noise,
 *   round-robin spreads load bursts over all of them); the others are the prior scaled to this machine.
 * A backend ≥ 4x slower than the best AND ≥ 2x worse per extra byte from 1 KiB on is no longer timed (it cannot
 * catch up); rows left short — pruned, or the algorithm's time ran out — are completed from the prior's shape
 * scaled to what was measured (complete()).
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import type { AeadAlgorithm, Algorithm, Backend, BackendName, CostTable } from '../types.js';
import { AEAD_ALGORITHMS, ALGORITHMS, SIZE_CLASSES } from '../types.js';
import { aeadKeyLength, aeadNonceLength } from '../validate.js';
import { counterAt } from '../streams/counter.js';
import { PRIOR_COSTS } from './costs.js';

export interface Calibration {
  costs: CostTable;
  /** AEAD open / CBC decrypt costs where timed apart from seal / encrypt (close calls); else equal `costs`. */
  openCosts?: CostTable;
  /** Cost (ns) of creating a native AES-256-CTR cipher at an arbitrary stream offset (adaptive stream switch). */
  nativeCtrSwitchNs: number;
  durationMs: number;
  /** Time spent per algorithm (ms), warm-up included. */
  spentMs?: Partial<Record<Algorithm, number>>;
  /** false when the budget ran out and some points were extrapolated. */
  complete: boolean;
  /**
   * Interference seen while measuring: the median over timed points of (median batch ÷ fastest batch). Near 1 on
   * a quiet machine; a calibration above NOISY_CALIBRATION is taken again at the next start and merged (cache.ts).
   */
  noise?: number;
}

/** Above this noise a calibration is not trusted on its own (see Calibration.noise). */
export const NOISY_CALIBRATION = 1.25;

const BATCH_TARGET_NS = 30_000;
const ROUNDS = 5;
const MAX_ROUNDS = 15;
const MIN_REPS = 3;
/** A backend whose prior is this many times the best prior at a size is not timed there (cannot plausibly win). */
const IMPLAUSIBLE = 2.5;

/**
 * The backends worth timing at size class i: native and the best WASM flavour always (the prior's figures are
 * from one CPU; these two are the real contest everywhere), scalar wasm only without wasm-simd (same kernels,
 * SIMD is a superset), js when no WASM build serves, any other only within IMPLAUSIBLE of the best prior.
 */
export function plausible(alg: Algorithm, names: readonly BackendName[], i: number): BackendName[] {
  const prior = PRIOR_COSTS[alg];
  const best = Math.min(...names.map((n) => prior?.[n]?.[i] ?? Infinity));
  const hasSimd = names.includes('wasm-simd');
  return names.filter((n) => {
    if (n === 'native' || n === 'wasm-simd') return true;
    if (n === 'wasm') return !hasSimd;
    if (n === 'js' && !names.some((m) => m.startsWith('wasm'))) return true; // the only alternative to native
    const p = prior?.[n]?.[i];
    return p === undefined || p <= best * IMPLAUSIBLE;
  });
}

function now(): number {
  return Number(process.hrtime.bigint());
}

/**
 * Repetitions of `op` that take about BATCH_TARGET_NS (after one warm call); at least MIN_REPS for calls under
 * 100 µs, so a large native call is not judged on a single (possibly interrupted) run.
 */
function repsFor(op: () => void): number {
  op();
  const start = now();
  op();
  const single = now() - start;
  const reps = Math.max(1, Math.min(2000, Math.floor(BATCH_TARGET_NS / Math.max(single, 1))));
  return single < 100_000 ? Math.max(MIN_REPS, reps) : reps;
}

function timeBatch(op: () => void, reps: number): number {
  const start = now();
  for (let i = 0; i < reps; i++) op();
  return (now() - start) / reps;
}

/** ns per call of `op`: best of ROUNDS batches (used alone, e.g. for the native switch cost). */
function timeOp(op: () => void): number {
  const reps = repsFor(op);
  let best = Infinity;
  for (let r = 0; r < ROUNDS; r++) best = Math.min(best, timeBatch(op, reps));
  return best;
}

function operation(backend: Backend, alg: Algorithm, size: number, kind: 'seal' | 'open' = 'seal'): { op: () => void; done: () => void } {
  const data = new Uint8Array(size);
  if (alg === 'aes-256-ctr') {
    const stream = backend.ctr(randomBytes(32), randomBytes(16));
    return { op: () => void stream.update(data, data), done: () => stream.destroy() };
  }
  if (alg === 'aes-256-cbc') {
    const stream = backend.cbc(kind === 'open' ? 'decrypt' : 'encrypt', randomBytes(32), randomBytes(16));
    return { op: () => void stream.update(data, data), done: () => stream.destroy() };
  }
  const aeadAlg = alg as AeadAlgorithm;
  const aead = backend.aead(aeadAlg);
  const key = randomBytes(aeadKeyLength(aeadAlg));
  const nonce = randomBytes(aeadNonceLength(aeadAlg));
  if (kind === 'open') {
    const sealed = aead.seal(key, nonce, data).slice();
    return { op: () => void aead.open(key, nonce, sealed), done: () => aead.destroy() };
  }
  return { op: () => void aead.seal(key, nonce, data), done: () => aead.destroy() };
}

/**
 * Warms WASM kernels so the optimizing tier is timed, not V8's baseline compiler (Liftoff): V8 tiers a function
 * up after it has run for a while, compiling in the background. Short slices round-robin over every kernel and
 * three sizes (each size takes different code paths) give each function calls and the compiler time between them.
 */
function warmAll(list: ReadonlyArray<readonly [Algorithm, Backend]>, untilNs: number): void {
  const ops = list.flatMap(([alg, backend]) => [64, 1024, 16384].map((size) => operation(backend, alg, size)));
  try {
    while (now() < untilNs) {
      for (const { op } of ops) {
        const sliceEnd = Math.min(untilNs, now() + 400_000);
        do op();
        while (now() < sliceEnd);
      }
    }
  } finally {
    for (const { done } of ops) done();
  }
}

/**
 * Times several (backend, alg, size) points round-robin (a burst of load elsewhere hits them alike), keeping
 * the minimum per point: at least ROUNDS rounds, more until `untilNs` (at most MAX_ROUNDS). A batch holds at
 * least MIN_REPS calls, so a 64 KiB point is not judged on one call.
 */
function timeRoundRobin(points: ReadonlyArray<{ backend: Backend; alg: Algorithm; size: number; kind?: 'seal' | 'open' }>, untilNs = 0, spreads?: number[]): number[] {
  const timed = points.map((p) => {
    const { op, done } = operation(p.backend, p.alg, p.size, p.kind);
    return { op, done, reps: repsFor(op), batches: [] as number[] };
  });
  try {
    for (let r = 0; r < MAX_ROUNDS && (r < ROUNDS || now() < untilNs); r++) {
      for (const t of timed) t.batches.push(timeBatch(t.op, t.reps));
    }
  } finally {
    for (const t of timed) t.done();
  }
  return timed.map((t) => {
    const sorted = t.batches.sort((a, b) => a - b);
    spreads?.push(sorted[sorted.length >> 1]! / sorted[0]!);
    return Math.round(sorted[0]!);
  });
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

/** Median measured/prior ratio over every measured point (1 without any). */
function machineScale(rows: Partial<Record<BackendName, number[]>>, prior: Partial<Record<BackendName, number[]>> | undefined): number {
  const ratios: number[] = [];
  for (const [n, row] of Object.entries(rows) as Array<[BackendName, number[]]>) {
    row.forEach((c, j) => {
      const p = prior?.[n]?.[j];
      if (p) ratios.push(c / p);
    });
  }
  if (ratios.length === 0) return 1;
  ratios.sort((a, b) => a - b);
  return ratios[Math.floor(ratios.length / 2)]!;
}

/** ns per extra byte between size classes i-1 and i. */
function slope(row: number[], i: number): number {
  return Math.max(0, (row[i]! - row[i - 1]!) / (SIZE_CLASSES[i]! - SIZE_CLASSES[i - 1]!));
}

/**
 * Completes a row measured up to some class: the prior's shape (fixed cost vs per-byte cost differ a lot
 * between backends) scaled by the median measured/prior ratio, which one noisy point cannot swing; without a
 * prior, linear in size from the last two points.
 */
function complete(row: number[], prior: readonly number[] | undefined): void {
  if (row.length === 0) {
    row.push(...(prior ?? SIZE_CLASSES.map(() => 1e12)));
    return;
  }
  if (prior) {
    const ratios = row.map((c, j) => c / prior[j]!).sort((a, b) => a - b);
    const scale = ratios[Math.floor(ratios.length / 2)]!;
    while (row.length < SIZE_CLASSES.length) row.push(Math.round(prior[row.length]! * scale));
    return;
  }
  while (row.length < SIZE_CLASSES.length) {
    const i = row.length;
    const perByte = i >= 2 ? slope(row, i - 1) : row[0]! / SIZE_CLASSES[0]!;
    row.push(Math.round(row[i - 1]! + perByte * (SIZE_CLASSES[i]! - SIZE_CLASSES[i - 1]!)));
  }
}

export function calibrate(
  backends: ReadonlyMap<BackendName, Backend>,
  usable: (alg: Algorithm, name: BackendName) => boolean,
  budgetMs = 250,
): Calibration {
  const started = now();
  const budgetNs = budgetMs * 1e6;
  const costs: CostTable = {};
  let allMeasured = true;
  const spentMs: Partial<Record<Algorithm, number>> = {};
  const spreads: number[] = [];
  // phase 1: warm every WASM kernel first (≤ 40% of the budget), so V8's background tier-up of the early ones
  // completes while the later ones warm, and phase 2 times optimized code
  // only the WASM flavour that will be timed (plausible(): scalar wasm is not timed beside wasm-simd)
  const warmList = ALGORITHMS.flatMap((alg) => {
    const wasmNames = [...backends.keys()].filter((n) => n.startsWith('wasm') && usable(alg, n));
    const timedWasm: BackendName[] = wasmNames.includes('wasm-simd') ? ['wasm-simd'] : wasmNames;
    // native AEADs and CBC run JS around the native calls (XChaCha composes two ciphers, GCM checks tags): JIT
    // that too, or a cold process measures native too slow at the break-even sizes and picks WASM there
    const warmNative: BackendName[] = alg !== 'aes-256-ctr' && usable(alg, 'native') && backends.has('native') ? ['native'] : [];
    return [...timedWasm, ...warmNative].map((n) => [alg, backends.get(n)!] as const);
  });
  warmAll(warmList, started + budgetNs * 0.3);
  const warmedAt = now();
  const phase3At = warmedAt + (started + budgetNs - warmedAt) * 0.75;
  const measuredCount: Partial<Record<Algorithm, Partial<Record<BackendName, number>>>> = {};
  // phase 2: measure
  for (const [k, alg] of ALGORITHMS.entries()) {
    const algStarted = now();
    // each algorithm gets its share of what is left before phase 3, so a slow one cannot starve the rest
    const deadline = algStarted + (phase3At - algStarted) / (ALGORITHMS.length - k);
    const names = [...backends.keys()].filter((n) => usable(alg, n));
    const rows: Partial<Record<BackendName, number[]>> = {};
    for (const n of names) rows[n] = [];
    let active = new Set(names);
    const skipped = new Set<BackendName>();
    for (let i = 0; i < SIZE_CLASSES.length; i++) {
      const size = SIZE_CLASSES[i]!;
      if (now() > deadline) {
        // out of time: every backend of this algorithm is completed the same way, so rows stay comparable
        allMeasured = false;
        break;
      }
      // backends of one size are timed round-robin, so a burst of load elsewhere hits them alike; implausible
      // ones are skipped (completed from the prior below); more rounds while this size's share of time lasts
      const contenders = plausible(alg, names, i);
      for (const n of names) if (!contenders.includes(n)) active.delete(n), skipped.add(n);
      const timedNames = names.filter((n) => active.has(n));
      const sizeDeadline = now() + (deadline - now()) / (SIZE_CLASSES.length - i);
      const results = timeRoundRobin(timedNames.map((n) => ({ backend: backends.get(n)!, alg, size })), sizeDeadline, spreads);
      timedNames.forEach((n, j) => rows[n]!.push(results[j]!));
      if (size >= 1024) {
        // stop timing a backend that is ≥ 4x slower than the best AND whose cost per extra byte is ≥ 2x the
        // best one's: it cannot catch up at larger sizes (a high fixed cost alone, like native XChaCha, can)
        const best = Math.min(...timedNames.map((n) => rows[n]![i]!));
        const bestSlope = Math.min(...timedNames.map((n) => slope(rows[n]!, i)));
        active = new Set(timedNames.filter((n) => rows[n]![i]! < best * 4 || slope(rows[n]!, i) < bestSlope * 2));
      }
    }
    measuredCount[alg] = Object.fromEntries(names.map((n) => [n, rows[n]!.length]));
    // a skipped backend's row is its prior scaled like the measured ones (this machine's speed vs the prior's)
    const scale = machineScale(rows, PRIOR_COSTS[alg]);
    for (const n of names) {
      if (skipped.has(n) && rows[n]!.length === 0) rows[n] = (PRIOR_COSTS[alg]?.[n] ?? SIZE_CLASSES.map(() => 1e12)).map((c) => Math.round(c * scale));
    }
    for (const n of names) complete(rows[n]!, PRIOR_COSTS[alg]?.[n]);
    if (names.length > 0) costs[alg] = rows;
    spentMs[alg] = Math.round((now() - algStarted) / 1e4) / 100;
    if (process.env['MTSHIELD_CALIBRATION_DEBUG']) process.stderr.write(`${alg} measured in ${spentMs[alg]} ms (warm-up took ${((warmedAt - started) / 1e6).toFixed(1)} ms)\n`);
  }
  refineCloseCalls(costs, measuredCount, backends, started + budgetNs * 0.8);
  const openCosts = timeOpenCloseCalls(costs, backends, started + budgetNs * 0.92); // margin: the last batch and the switch timing
  return {
    costs,
    openCosts,
    nativeCtrSwitchNs: backends.has('native') ? measureNativeSwitch() : 1300,
    durationMs: (now() - started) / 1e6,
    spentMs,
    complete: allMeasured,
    noise: median(spreads),
  };
}

/**
 * Phase 3: with the time left, time again the size classes where the two cheapest backends are within 1.6x —
 * where noise can flip the choice — widest gaps first. A measured point keeps the lower of both timings, an
 * extrapolated one takes the new timing.
 */
function refineCloseCalls(
  costs: CostTable,
  measuredCount: Partial<Record<Algorithm, Partial<Record<BackendName, number>>>>,
  backends: ReadonlyMap<BackendName, Backend>,
  deadline: number,
): void {
  const calls: Array<{ alg: Algorithm; i: number; pair: BackendName[]; ratio: number }> = [];
  for (const alg of ALGORITHMS) {
    const rows = costs[alg];
    if (!rows) continue;
    for (let i = 0; i < SIZE_CLASSES.length; i++) {
      const ranked = (Object.keys(rows) as BackendName[]).sort((a, b) => rows[a]![i]! - rows[b]![i]!);
      if (ranked.length < 2) continue;
      const ratio = rows[ranked[1]!]![i]! / rows[ranked[0]!]![i]!;
      if (ratio < 1.6) calls.push({ alg, i, pair: ranked.slice(0, 2), ratio });
    }
  }
  calls.sort((a, b) => b.ratio - a.ratio);
  for (const { alg, i, pair } of calls) {
    if (now() > deadline) return;
    const results = timeRoundRobin(pair.map((n) => ({ backend: backends.get(n)!, alg, size: SIZE_CLASSES[i]! })));
    pair.forEach((n, j) => {
      const row = costs[alg]![n]!;
      row[i] = i < (measuredCount[alg]?.[n] ?? 0) ? Math.min(row[i]!, results[j]!) : results[j]!;
    });
  }
}

/**
 * Phase 4: AEAD open (and CBC decrypt, which runs blocks in parallel unlike encrypt) is timed apart from seal where the two cheapest seal backends are within 1.4x (the
 * break-even sizes, where seal and open can rank differently: native open skips nothing, WASM open runs
 * Poly1305 before ChaCha); elsewhere open costs are the seal costs.
 */
function timeOpenCloseCalls(costs: CostTable, backends: ReadonlyMap<BackendName, Backend>, deadline: number): CostTable {
  const open: CostTable = {};
  const calls: Array<{ alg: Algorithm; i: number; pair: BackendName[] }> = [];
  for (const alg of [...AEAD_ALGORITHMS, 'aes-256-cbc' as const]) {
    const rows = costs[alg];
    if (!rows) continue;
    open[alg] = Object.fromEntries(Object.entries(rows).map(([n, row]) => [n, [...row!]]));
    for (let i = 0; i < SIZE_CLASSES.length; i++) {
      const ranked = (Object.keys(rows) as BackendName[]).sort((a, b) => rows[a]![i]! - rows[b]![i]!);
      if (ranked.length >= 2 && rows[ranked[1]!]![i]! < rows[ranked[0]!]![i]! * 1.4) calls.push({ alg, i, pair: ranked.slice(0, 2) });
    }
  }
  for (const { alg, i, pair } of calls) {
    if (now() > deadline) break;
    const results = timeRoundRobin(pair.map((n) => ({ backend: backends.get(n)!, alg, size: SIZE_CLASSES[i]!, kind: 'open' as const })));
    pair.forEach((n, j) => (open[alg]![n]![i] = results[j]!));
  }
  return open;
}

function measureNativeSwitch(): number {
  const key = randomBytes(32);
  const iv = randomBytes(16);
  const skip = new Uint8Array(7);
  const counter = new Uint8Array(16);
  return Math.round(
    timeOp(() => {
      createCipheriv('aes-256-ctr', key, counterAt(iv, 12345, counter)).update(skip);
    }),
  );
}
