/**
 * Times a prepared call with benchmark.js, synchronously (no timers inside a sample), and turns its
 * statistics into the figures the report needs. The speed is taken from the fastest sample (each sample
 * is a loop of many calls lasting `minTime`): on a shared machine, interference only ever adds time, so
 * the fastest sample is the least disturbed estimate. Samples are short (2 ms, below a scheduler time
 * slice, so some run undisturbed even on a busy 2-core box) and capped by count rather than time
 * (`maxTime` tiny): benchmark.js spends about 5 ms of its own per sample, so the count sets the budget.
 * The median sample, benchmark.js's own mean-based rate and its relative margin of error are kept
 * alongside. The heap is collected before each measurement, so one backend's garbage is not paid for by
 * the next.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import Benchmark from 'benchmark';

export interface Timing {
  /** Seconds one measurement may run before it stops collecting samples (once it has minSamples). */
  maxTime: number;
  /** Seconds per sample; benchmark.js repeats the call until a sample lasts this long. */
  minTime: number;
  /** Samples per measurement (with a small maxTime this is what bounds a measurement). */
  minSamples: number;
  /** Rounds of every backend in turn; the best round counts (interference only ever slows a round). */
  rounds: number;
  /** Seconds of untimed calls before the first round (JIT tiers, caches, allocator). */
  warmup: number;
}

export const FULL_TIMING: Timing = { maxTime: 0.001, minTime: 0.002, minSamples: 10, rounds: 5, warmup: 0.02 };
export const QUICK_TIMING: Timing = { maxTime: 0.001, minTime: 0.002, minSamples: 3, rounds: 2, warmup: 0.005 };

export interface Measurement {
  /** Operations per second from the fastest sample. */
  opsPerSec: number;
  /** Operations per second from the median sample. */
  medianOpsPerSec: number;
  /** Message bytes per second / 10^6, from `opsPerSec`. */
  mbPerSec: number;
  /** benchmark.js's rate (from the mean of the samples). */
  meanOpsPerSec: number;
  /** Relative margin of error of the mean, percent (benchmark.js `stats.rme`, 95 % confidence). */
  rme: number;
  samples: number;
  medianMicros: number;
}

/** Calls `fn` untimed for about `seconds`; returns the seconds one call took, for sizing the samples. */
export function warmUp(fn: () => void, seconds: number): number {
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let calls = 0;
  while (calls < 3 || performance.now() < deadline) {
    fn();
    calls++;
  }
  return (performance.now() - started) / 1000 / calls;
}

/**
 * `secondsPerCall` (from warmUp) lets the first sample start at the right loop count, so benchmark.js
 * does not spend a measurement's budget finding it.
 */
export function measure(name: string, bytesPerOp: number, fn: () => void, timing: Timing, secondsPerCall?: number): Measurement {
  const initCount = secondsPerCall && secondsPerCall > 0 ? Math.max(1, Math.ceil((timing.minTime / secondsPerCall) * 1.1)) : 1;
  const bench = new Benchmark(name, fn, {
    async: false,
    defer: false,
    maxTime: timing.maxTime,
    minTime: timing.minTime,
    minSamples: timing.minSamples,
    initCount,
  });
  collectGarbage();
  bench.run({ async: false });
  const error = (bench as unknown as { error?: unknown }).error;
  if (error) throw error instanceof Error ? error : new Error(String(error));
  const samples = bench.stats.sample;
  const median = medianOf(samples);
  const fastest = Math.min(...samples);
  const opsPerSec = fastest > 0 && Number.isFinite(fastest) ? 1 / fastest : bench.hz;
  return {
    opsPerSec,
    medianOpsPerSec: median > 0 ? 1 / median : bench.hz,
    mbPerSec: (opsPerSec * bytesPerOp) / 1e6,
    meanOpsPerSec: bench.hz,
    rme: bench.stats.rme,
    samples: bench.stats.sample.length,
    medianMicros: median * 1e6,
  };
}

/** Keeps the faster of two measurements of the same case. */
export function better(a: Measurement | undefined, b: Measurement): Measurement {
  return a === undefined || b.opsPerSec > a.opsPerSec ? b : a;
}

let gc: (() => void) | undefined | null;

/** `gc()` without starting node with --expose-gc: V8 hands it to a fresh context once the flag is set. */
function collectGarbage(): void {
  if (gc === undefined) {
    try {
      setFlagsFromString('--expose_gc');
      gc = runInNewContext('gc') as () => void;
    } catch {
      gc = null;
    }
  }
  gc?.();
}

function medianOf(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
