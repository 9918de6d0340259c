/** The shape of one benchmark case's outcome, shared by the runner, the targets, the table and the chart. */
export type CaseStatus = 'measured' | 'refused' | 'unavailable' | 'error';

export interface CaseResult {
  group: 'cipher' | 'framing';
  /** A cipher algorithm, or a framing kind for the framing group. */
  algorithm: string;
  operation: string;
  backend: string;
  /** Message size; for framing, the payload size of each frame or record. */
  size: number;
  /** Bytes processed per timed call (the message, or the whole buffer a framing scan walks). */
  bytesPerOp?: number;
  status: CaseStatus;
  reason?: string;
  /** For `auto`: the backend the registry says it picks at this size. */
  chosen?: string;
  /** Operations per second from the fastest sample of all rounds (see bench/cipher/measure.ts). */
  opsPerSec?: number;
  mbPerSec?: number;
  /** From the median sample of the best round. */
  medianOpsPerSec?: number;
  /** benchmark.js's own mean-based rate for the same round. */
  meanOpsPerSec?: number;
  /** Relative margin of error, percent (benchmark.js, 95 % confidence). */
  rme?: number;
  samples?: number;
  medianMicros?: number;
  rounds?: number;
  /** MB/s over native's MB/s for the same algorithm, operation and size in this run. */
  ratioToNative?: number;
}

export function caseKey(r: Pick<CaseResult, 'algorithm' | 'operation' | 'backend' | 'size'>): string {
  return `${r.algorithm}|${r.operation}|${r.backend}|${r.size}`;
}

export function indexResults(results: CaseResult[]): Map<string, CaseResult> {
  return new Map(results.map((r) => [caseKey(r), r]));
}

/** Fills `ratioToNative` wherever native was measured for the same algorithm, operation and size. */
export function addNativeRatios(results: CaseResult[]): void {
  const index = indexResults(results);
  for (const r of results) {
    if (r.status !== 'measured' || r.mbPerSec === undefined) continue;
    const native = index.get(caseKey({ ...r, backend: 'native' }));
    if (native?.status === 'measured' && native.mbPerSec) r.ratioToNative = r.mbPerSec / native.mbPerSec;
  }
}
