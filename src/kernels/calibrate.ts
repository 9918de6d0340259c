/**
 * Start-up calibration: time every usable backend of every algorithm at each size class (types.ts SIZE_CLASSES)
 * within a total budget (default 250 ms, contract: under 300 ms), so the registry can choose the fastest backend
 * per algorithm and size. Each point is the best of a few short batches (the minimum filters scheduler noise).
 * Backends that are already ≥ 4x slower than the best at 1 KiB and above are not timed at larger sizes: their
 * cost is extrapolated by throughput (they cannot win there, and timing them would blow the budget).
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
 * Warms a wasm backend so the optimizing tier is measured, not V8's baseline compiler (Liftoff): V8 tiers a
 * function up after it has run for a while (≈5–10 ms of small calls here), so run small and large calls.
 */
function warm(backend: Backend, alg: Algorithm, untilNs: number): void {
  for (const [size, share] of [[64, 0.7], [4096, 0.3]] as const) {
    const { op, done } = operation(backend, alg, size);
    const end = now() + untilNs * share;
    while (now() < end) op();
    done();
  }
}

/** ns per extra byte between size classes i-1 and i. */
function slope(row: number[], i: number): number {
  return Math.max(0, (row[i]! - row[i - 1]!) / (SIZE_CLASSES[i]! - SIZE_CLASSES[i - 1]!));
}

/**
 * Cost at class i of a row measured up to i-1: linear in size from the last two classes; with one class only,
 * the prior's shape scaled to it (a per-byte guess would make high-fixed-cost backends look terrible).
 */
function extrapolate(row: number[], i: number, prior?: readonly number[]): number {
  const last = row[i - 1]!;
  if (i < 2) return prior ? Math.round((prior[i]! * last) / prior[i - 1]!) : Math.round((last * SIZE_CLASSES[i]!) / SIZE_CLASSES[i - 1]!);
  return Math.round(last + slope(row, i - 1) * (SIZE_CLASSES[i]! - SIZE_CLASSES[i - 1]!));
}

export function calibrate(
  backends: ReadonlyMap<BackendName, Backend>,
  usable: (alg: Algorithm, name: BackendName) => boolean,
  budgetMs = 250,
): Calibration {
  const started = now();
  const budgetNs = budgetMs * 1e6;
  const costs: CostTable = {};
  let complete = true;
  const spentMs: Partial<Record<Algorithm, number>> = {};
  // phase 1: warm every WASM kernel first (≤ 40% of the budget), so V8's background tier-up of the early ones
  // completes while the later ones warm, and phase 2 times optimized code
  const warmList = ALGORITHMS.flatMap((alg) => [...backends.keys()].filter((n) => n.startsWith('wasm') && usable(alg, n)).map((n) => [alg, n] as const));
  const warmNs = (budgetNs * 0.4) / Math.max(1, warmList.length);
  const warmEnd = started + budgetNs * 0.4;
  for (const [alg, n] of warmList) if (now() < warmEnd) warm(backends.get(n)!, alg, Math.min(warmNs, warmEnd - now()));
  const warmedAt = now();
  // phase 2: measure
  for (const [k, alg] of ALGORITHMS.entries()) {
    const algStarted = now();
    // each algorithm gets its share of what is left, so a slow one cannot starve the rest
    const deadline = algStarted + (started + budgetNs - algStarted) / (ALGORITHMS.length - k);
    const names = [...backends.keys()].filter((n) => usable(alg, n));
    const rows: Partial<Record<BackendName, number[]>> = {};
    for (const n of names) rows[n] = [];
    let active = new Set(names);
    for (let i = 0; i < SIZE_CLASSES.length; i++) {
      const size = SIZE_CLASSES[i]!;
      if (now() > deadline) {
        // out of time: every backend of this algorithm is filled the same way, so rows stay comparable
        complete = false;
        for (const n of names) {
          const row = rows[n]!;
          const prior = PRIOR_COSTS[alg]?.[n];
          while (row.length < SIZE_CLASSES.length) row.push(row.length > 0 ? extrapolate(row, row.length, prior) : (prior?.[row.length] ?? 1e12));
        }
        break;
      }
      // backends of one size are timed round-robin, so a burst of load elsewhere hits them alike
      const timed: Array<{ n: BackendName; op: () => void; done: () => void; reps: number; best: number }> = [];
      for (const n of names) {
        if (!active.has(n)) {
          rows[n]!.push(extrapolate(rows[n]!, i, PRIOR_COSTS[alg]?.[n]));
          continue;
        }
        const { op, done } = operation(backends.get(n)!, alg, size);
        timed.push({ n, op, done, reps: repsFor(op), best: Infinity });
      }
      try {
        for (let r = 0; r < ROUNDS; r++) for (const t of timed) t.best = Math.min(t.best, timeBatch(t.op, t.reps));
      } finally {
        for (const t of timed) t.done();
      }
      for (const t of timed) rows[t.n]!.push(Math.round(t.best));
      if (size >= 1024) {
        // stop timing a backend that is ≥ 4x slower than the best AND whose cost per extra byte is ≥ 2x the
        // best one's: it cannot catch up at larger sizes (a high fixed cost alone, like native XChaCha, can)
        const best = Math.min(...names.map((n) => rows[n]![i]!));
        const bestSlope = Math.min(...names.map((n) => slope(rows[n]!, i)));
        active = new Set([...active].filter((n) => rows[n]![i]! < best * 4 || slope(rows[n]!, i) < bestSlope * 2));
      }
    }
    if (names.length > 0) costs[alg] = rows;
    spentMs[alg] = Math.round((now() - algStarted) / 1e4) / 100;
    if (process.env['MTSHIELD_CALIBRATION_DEBUG']) process.stderr.write(`${alg} measured in ${spentMs[alg]} ms (warm-up took ${((warmedAt - started) / 1e6).toFixed(1)} ms)\n`);
  }
  return {
    costs,
    nativeCtrSwitchNs: backends.has('native') ? measureNativeSwitch() : 1300,
    durationMs: (now() - started) / 1e6,
    spentMs,
    complete,
  };
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
