/**
 * Times groups of cases that are compared with each other (every backend of one algorithm, operation and
 * size): within a round, the cases of a group run back to back, so they share the machine's state; the
 * whole run is repeated `rounds` times and each case keeps its best round. Rounds sweep all groups
 * before the next begins, so a case's rounds lie far apart in time and a burst of load from elsewhere
 * (seconds long on a shared 2-core machine) slows at most one of them.
 */
import { better, measure, warmUp, type Measurement, type Timing } from './measure.js';
import type { CaseResult } from './results.js';
import type { Progress } from '../report/progress.js';

export type CaseIdentity = Pick<CaseResult, 'group' | 'algorithm' | 'operation' | 'backend' | 'size' | 'chosen'>;

export interface Slot {
  identity: CaseIdentity;
  bytesPerOp: number;
  /** Builds the timed call (may throw: the case is then reported as an error). */
  prepare(): { run(): void; dispose(): void };
}

interface Tally {
  best?: Measurement;
  error?: string;
}

/** Later rounds only re-measure the cost of one call (the code is already warm). */
const REWARM_SECONDS = 0.002;

export async function timeGroups(groups: Slot[][], timing: Timing, progress: Progress): Promise<CaseResult[][]> {
  const tallies = groups.map((group) => group.map((): Tally => ({})));
  for (let round = 0; round < timing.rounds; round++) {
    for (let g = 0; g < groups.length; g++) {
      await timeGroupOnce(groups[g]!, tallies[g]!, timing, round === 0 ? timing.warmup : REWARM_SECONDS, progress);
    }
  }
  return groups.map((group, g) =>
    group.map((slot, i): CaseResult => {
      const { best, error } = tallies[g]![i]!;
      return error !== undefined || !best
        ? { ...slot.identity, status: 'error', reason: error ?? 'not measured' }
        : { ...slot.identity, bytesPerOp: slot.bytesPerOp, status: 'measured', ...best, rounds: timing.rounds };
    }),
  );
}

async function timeGroupOnce(group: Slot[], tallies: Tally[], timing: Timing, warmupSeconds: number, progress: Progress): Promise<void> {
  const prepared = group.map((slot, i) => {
    if (tallies[i]!.error !== undefined) return undefined;
    try {
      const p = slot.prepare();
      return { ...p, secondsPerCall: warmUp(p.run, warmupSeconds) };
    } catch (err) {
      tallies[i]!.error = describe(err);
      return undefined;
    }
  });
  try {
    for (let i = 0; i < group.length; i++) {
      const { algorithm, operation, backend, size } = group[i]!.identity;
      progress.tick(`${algorithm} ${operation} ${size} B ${backend}`);
      const p = prepared[i];
      if (p && tallies[i]!.error === undefined) {
        try {
          const m = measure(`${algorithm} ${operation} ${backend} ${size}`, group[i]!.bytesPerOp, p.run, timing, p.secondsPerCall);
          tallies[i]!.best = better(tallies[i]!.best, m);
        } catch (err) {
          tallies[i]!.error = describe(err);
        }
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    for (const p of prepared) p?.dispose();
  }
}

export function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
