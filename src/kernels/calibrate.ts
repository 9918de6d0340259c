/**
 * Start-up calibration: time every usable backend of every algorithm at each size class (types.ts SIZE_CLASSES)
 * within a total budget (default 250 ms, contract: under 300 ms), so the registry can choose the fastest backend
 * per algorithm and size.
 *   phase 1 (≤ 40 %): warm every WASM kernel (warmAll) so optimized code is what gets timed;
 *   phase 2: each algorithm gets its share of what is left; per size, its backends are timed round-robin, best
 *   of ROUNDS batches (the minimum filters scheduler noise, round-robin spreads load bursts over all of them).
 * A backend ≥ 4x slower than the best AND ≥ 2x worse per extra byte from 1 KiB on is no longer timed (it cannot
 * catch up); rows left short — pruned, or the algorithm's time ran out — are completed from the prior's shape
 * scaled to what was measured (complete()).
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import type { AeadAlgorithm, Algorithm, Backend, BackendName, CostTable } from './types.js';
import { ALGORITHMS, SIZE_CLASSES } from './types.js';
import { aeadKeyLength, aeadNonceLength } from './validate.js';
import { counterAt } from './counter.js';
import { PRIOR_COSTS } from './costs.js';

export interface Calibration {
  costs: CostTable;
  /** Cost (ns) of creating a native AES-256-CTR cipher at an arbitrary stream offset (adaptive stream switch). */
  nativeCtrSwitchNs: number;
  durationMs: number;
  /** Time spent per algorithm (ms), warm-up included. */
  spentMs?: Partial<Record<Algorithm, number>>;
  /** false when the budget ran out and some points were extrapolated. */
  complete: boolean;
}

const BATCH_TARGET_NS = 30_000;
const ROUNDS = 5;

function now(): number {
  return Number(process.hrtime.bigint());
}

/** Repetitions of `op` that take about BATCH_TARGET_NS (after one warm call). */
function repsFor(op: () => void): number {
  op();
  const start = now();
  op();
  const single = now() - start;
  return Math.max(1, Math.min(2000, Math.floor(BATCH_TARGET_NS / Math.max(single, 1))));
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

function operation(backend: Backend, alg: Algorithm, size: number): { op: () => void; done: () => void } {
  const data = new Uint8Array(size);
  if (alg === 'aes-256-ctr') {
    const stream = backend.ctr(randomBytes(32), randomBytes(16));
    return { op: () => void stream.update(data, data), done: () => stream.destroy() };
  }
  if (alg === 'aes-256-cbc') {
    const stream = backend.cbc('encrypt', randomBytes(32), randomBytes(16));
    return { op: () => void stream.update(data, data), done: () => stream.destroy() };
  }
  const aeadAlg = alg as AeadAlgorithm;
  const aead = backend.aead(aeadAlg);
  const key = randomBytes(aeadKeyLength(aeadAlg));
  const nonce = randomBytes(aeadNonceLength(aeadAlg));
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

/** Times several (backend, alg, size) points round-robin, best of ROUNDS batches each. */
function timeRoundRobin(points: ReadonlyArray<{ backend: Backend; alg: Algorithm; size: number }>): number[] {
  const timed = points.map((p) => {
    const { op, done } = operation(p.backend, p.alg, p.size);
    return { op, done, reps: repsFor(op), best: Infinity };
  });
  try {
    for (let r = 0; r < ROUNDS; r++) for (const t of timed) t.best = Math.min(t.best, timeBatch(t.op, t.reps));
  } finally {
    for (const t of timed) t.done();
  }
  return timed.map((t) => Math.round(t.best));
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
  // phase 1: warm every WASM kernel first (≤ 40% of the budget), so V8's background tier-up of the early ones
  // completes while the later ones warm, and phase 2 times optimized code
  const warmList = ALGORITHMS.flatMap((alg) =>
    [...backends.entries()].filter(([n]) => n.startsWith('wasm') && usable(alg, n)).map(([, b]) => [alg, b] as const),
  );
  warmAll(warmList, started + budgetNs * 0.4);
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
    for (let i = 0; i < SIZE_CLASSES.length; i++) {
      const size = SIZE_CLASSES[i]!;
      if (now() > deadline) {
        // out of time: every backend of this algorithm is completed the same way, so rows stay comparable
        allMeasured = false;
        break;
      }
      // backends of one size are timed round-robin, so a burst of load elsewhere hits them alike
      const timedNames = names.filter((n) => active.has(n));
      const results = timeRoundRobin(timedNames.map((n) => ({ backend: backends.get(n)!, alg, size })));
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
    for (const n of names) complete(rows[n]!, PRIOR_COSTS[alg]?.[n]);
    if (names.length > 0) costs[alg] = rows;
    spentMs[alg] = Math.round((now() - algStarted) / 1e4) / 100;
    if (process.env['MTSHIELD_CALIBRATION_DEBUG']) process.stderr.write(`${alg} measured in ${spentMs[alg]} ms (warm-up took ${((warmedAt - started) / 1e6).toFixed(1)} ms)\n`);
  }
  refineCloseCalls(costs, measuredCount, backends, started + budgetNs * 0.92); // margin: the last batch and the switch timing
  return {
    costs,
    nativeCtrSwitchNs: backends.has('native') ? measureNativeSwitch() : 1300,
    durationMs: (now() - started) / 1e6,
    spentMs,
    complete: allMeasured,
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
