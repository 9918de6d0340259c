/**
 * The targets of issue 2 ("The benchmark"), evaluated from one run's side-by-side figures. Every target is
 * reported: PASS, FAIL (including "should have been measured but was refused or unavailable"), or N/A
 * when the run did not include the algorithm or size at all (for example `--sizes 64`).
 */
import { formatSize } from './catalog.js';
import { caseKey, indexResults, type CaseResult } from './results.js';

export type TargetStatus = 'PASS' | 'FAIL' | 'N/A';

export interface TargetCheck {
  size: number;
  value?: number;
  ok: boolean;
  note?: string;
}

export interface TargetResult {
  id: string;
  description: string;
  status: TargetStatus;
  detail: string;
  checks: TargetCheck[];
}

type Metric = { kind: 'ratio'; against: string; min: number } | { kind: 'mbps'; min: number };

interface TargetSpec {
  id: string;
  description: string;
  algorithm: string;
  operation: string;
  backend: string;
  sizes: number[] | 'every';
  metric: Metric;
}

export const CIPHER_TARGETS: TargetSpec[] = [
  ratio('chacha-seal-64', 'chacha20-poly1305', 'seal', 'native', 64, 8),
  ratio('chacha-seal-1k', 'chacha20-poly1305', 'seal', 'native', 1024, 3),
  ratio('chacha-seal-64k', 'chacha20-poly1305', 'seal', 'native', 65536, 0.5),
  {
    id: 'xchacha-seal-vs-js',
    description: 'xchacha20-poly1305 seal, wasm-simd >= 5x js at every size',
    algorithm: 'xchacha20-poly1305',
    operation: 'seal',
    backend: 'wasm-simd',
    sizes: 'every',
    metric: { kind: 'ratio', against: 'js', min: 5 },
  },
  ratio('ctr-64', 'aes-256-ctr', 'update', 'native', 64, 1.3),
  {
    id: 'ctr-64k-mbps',
    description: 'aes-256-ctr update, wasm-simd >= 250 MB/s at 64 KiB',
    algorithm: 'aes-256-ctr',
    operation: 'update',
    backend: 'wasm-simd',
    sizes: [65536],
    metric: { kind: 'mbps', min: 250 },
  },
  ratio('gcm-seal-64', 'aes-256-gcm', 'seal', 'native', 64, 2.5),
  ratio('gcm-seal-16k-vs-js', 'aes-256-gcm', 'seal', 'js', 16384, 3),
];

function ratio(id: string, algorithm: string, operation: string, against: string, size: number, min: number): TargetSpec {
  return {
    id,
    description: `${algorithm} ${operation}, wasm-simd >= ${min}x ${against} at ${formatSize(size)}`,
    algorithm,
    operation,
    backend: 'wasm-simd',
    sizes: [size],
    metric: { kind: 'ratio', against, min },
  };
}

export function evaluateTargets(results: CaseResult[], measuredSizes: number[]): TargetResult[] {
  const index = indexResults(results);
  const out: TargetResult[] = CIPHER_TARGETS.map((spec) => evaluateOne(spec, index, results, measuredSizes));
  out.push(...evaluateAuto(results));
  return out;
}

function evaluateOne(spec: TargetSpec, index: Map<string, CaseResult>, results: CaseResult[], measuredSizes: number[]): TargetResult {
  const inRun = results.some((r) => r.group === 'cipher' && r.algorithm === spec.algorithm && r.operation === spec.operation);
  const sizes = spec.sizes === 'every' ? measuredSizes : spec.sizes.filter((s) => measuredSizes.includes(s));
  if (!inRun || sizes.length === 0) {
    return { id: spec.id, description: spec.description, status: 'N/A', detail: 'not in this run', checks: [] };
  }
  const checks = sizes.map((size): TargetCheck => {
    const mine = index.get(caseKey({ algorithm: spec.algorithm, operation: spec.operation, backend: spec.backend, size }));
    if (mine?.status !== 'measured') return { size, ok: false, note: `${spec.backend} ${mine?.status ?? 'missing'}${mine?.reason ? `: ${mine.reason}` : ''}` };
    if (spec.metric.kind === 'mbps') return { size, value: mine.mbPerSec, ok: mine.mbPerSec! >= spec.metric.min };
    const other = index.get(caseKey({ algorithm: spec.algorithm, operation: spec.operation, backend: spec.metric.against, size }));
    if (other?.status !== 'measured') return { size, ok: false, note: `${spec.metric.against} ${other?.status ?? 'missing'}` };
    const value = mine.mbPerSec! / other.mbPerSec!;
    return { size, value, ok: value >= spec.metric.min };
  });
  const unit = spec.metric.kind === 'mbps' ? ' MB/s' : 'x';
  const worst = pickWorst(checks);
  const detail = worst.value === undefined ? worst.note ?? 'not measured' : `${spec.sizes === 'every' ? 'min ' : ''}${fmt(worst.value)}${unit}${spec.sizes === 'every' ? ` at ${formatSize(worst.size)}` : ''}`;
  return { id: spec.id, description: spec.description, status: checks.every((c) => c.ok) ? 'PASS' : 'FAIL', detail, checks };
}

/** `auto` must reach 90 % of the fastest measured backend at every size, per algorithm and operation. */
function evaluateAuto(results: CaseResult[]): TargetResult[] {
  const groups = new Map<string, CaseResult[]>();
  for (const r of results) {
    if (r.group !== 'cipher' || r.backend !== 'auto') continue;
    const key = `${r.algorithm} ${r.operation}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.entries()].map(([key, autos]) => {
    const checks = autos.map((auto): TargetCheck => {
      const rivals = results.filter(
        (r) => r.group === 'cipher' && r.algorithm === auto.algorithm && r.operation === auto.operation && r.size === auto.size && r.backend !== 'auto' && r.status === 'measured',
      );
      if (auto.status !== 'measured') return { size: auto.size, ok: false, note: `auto ${auto.status}` };
      if (rivals.length === 0) return { size: auto.size, ok: false, note: 'no backend measured' };
      const best = rivals.reduce((a, b) => (b.mbPerSec! > a.mbPerSec! ? b : a));
      const value = auto.mbPerSec! / best.mbPerSec!;
      return { size: auto.size, value, ok: value >= 0.9, note: `best ${best.backend}, auto chose ${auto.chosen ?? '?'}` };
    });
    const worst = pickWorst(checks);
    const detail = worst.value === undefined ? worst.note ?? '' : `min ${(worst.value * 100).toFixed(0)}% of best at ${formatSize(worst.size)} (${worst.note})`;
    return {
      id: `auto-${key.replace(' ', '-')}`,
      description: `${key}, auto within 10% of the best backend at every size`,
      status: checks.every((c) => c.ok) ? 'PASS' : 'FAIL',
      detail,
      checks,
    };
  });
}

function pickWorst(checks: TargetCheck[]): TargetCheck {
  const failed = checks.find((c) => c.value === undefined);
  if (failed) return failed;
  return checks.reduce((a, b) => (b.value! < a.value! ? b : a));
}

function fmt(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}
