/**
 * Times a group of cases that are compared with each other (every backend of one algorithm, operation
 * and size) side by side: each is prepared and warmed, then the group is measured `rounds` times in
 * turn and each case keeps its best round, so a burst of load from elsewhere slows one round of one
 * case rather than skewing a ratio.
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

interface Live {
  slot: Slot;
  prepared?: { run(): void; dispose(): void };
  secondsPerCall?: number;
  best?: Measurement;
  error?: string;
}

export async function timeGroup(slots: Slot[], timing: Timing, progress: Progress): Promise<CaseResult[]> {
  const live: Live[] = slots.map((slot) => {
    const entry: Live = { slot };
    try {
      entry.prepared = slot.prepare();
      entry.secondsPerCall = warmUp(entry.prepared.run, timing.warmup);
    } catch (err) {
      entry.error = describe(err);
    }
    return entry;
  });
  try {
    for (let round = 0; round < timing.rounds; round++) {
      for (const entry of live) {
        const { algorithm, operation, backend, size } = entry.slot.identity;
        progress.tick(`${algorithm} ${operation} ${size} B ${backend}`);
        if (entry.prepared && entry.error === undefined) {
          try {
            const m = measure(`${algorithm} ${operation} ${backend} ${size}`, entry.slot.bytesPerOp, entry.prepared.run, timing, entry.secondsPerCall);
            entry.best = better(entry.best, m);
          } catch (err) {
            entry.error = describe(err);
          }
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  } finally {
    for (const entry of live) entry.prepared?.dispose();
  }
  return live.map(({ slot, best, error }): CaseResult =>
    error !== undefined || !best
      ? { ...slot.identity, status: 'error', reason: error ?? 'not measured' }
      : { ...slot.identity, bytesPerOp: slot.bytesPerOp, status: 'measured', ...best, rounds: timing.rounds },
  );
}

export function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
