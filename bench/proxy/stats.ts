/**
 * Small statistics for the side-by-side proxy benchmark (docs/benchmarks.md, "Peer mode"): percentiles of
 * latency samples, the median and worst of repeated runs, and the alternating order in which the proxy
 * and its peer take turns, so that slow phases of a shared machine fall on both sides alike.
 */

/** Nearest-rank percentile (p in 0..100) of unsorted values; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile expects 0..100, got ${p}`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** The middle value (the mean of the two middle ones for an even count); NaN when there are none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Which way a figure is better: CPU and latency are better lower, nothing here is better higher yet. */
export type Better = 'lower' | 'higher';

/** The worst of the runs: the highest of a lower-is-better figure, the lowest of a higher-is-better one. */
export function worst(values: readonly number[], better: Better = 'lower'): number {
  const finite = values.filter((v) => !Number.isNaN(v));
  if (finite.length === 0) return Number.NaN;
  return better === 'lower' ? Math.max(...finite) : Math.min(...finite);
}

/** A figure over repeated runs: every run kept, with the median and the worst. */
export interface RunSummary {
  runs: number[];
  median: number;
  worst: number;
}

export function summarize(runs: readonly number[], better: Better = 'lower'): RunSummary {
  const kept = runs.filter((v) => !Number.isNaN(v));
  return { runs: [...runs], median: median(kept), worst: worst(kept, better) };
}

/**
 * The order of sides in each run: run 0 goes a, b; run 1 goes b, a; and so on, so neither side always
 * runs first (on a warm or a freshly busy machine).
 */
export function alternationOrder<S>(runs: number, sides: readonly S[]): S[][] {
  const order: S[][] = [];
  for (let r = 0; r < runs; r++) order.push(r % 2 === 0 ? [...sides] : [...sides].reverse());
  return order;
}

/** mtshield's figure over the peer's; NaN when either is missing or the peer's is zero. */
export function ratio(ours: number, peer: number): number {
  return Number.isFinite(ours) && Number.isFinite(peer) && peer !== 0 ? ours / peer : Number.NaN;
}
