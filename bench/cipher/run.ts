/**
 * The cipher benchmark (issue 2, "The benchmark"): for each algorithm, verify every requested backend
 * against the oracle, then time algorithm × operation × size × backend side by side in one process
 * (backends of one size run back to back, so drift in clock or load hits them alike), then derive
 * ratios to native, evaluate the targets and write the JSON and SVG.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  ALGORITHM_SPECS,
  ALGORITHMS,
  BENCH_BACKENDS,
  DEFAULT_SIZES,
  type Algorithm,
  type BenchBackend,
} from './catalog.js';
import { makeFixture, prepareCase, type Fixture } from './cases.js';
import { FULL_TIMING, QUICK_TIMING, type Timing } from './measure.js';
import { timeGroups, type Slot } from './timer.js';
import { loadProjectRegistry, type BenchRegistry } from './registry.js';
import type { AeadAlgorithm } from '../../src/kernels/index.js';
import { addNativeRatios, type CaseResult } from './results.js';
import { evaluateTargets, type TargetResult } from './targets.js';
import { verifyBackend, type Verdict } from './verify.js';
import { collectEnvironment, type Environment } from '../report/environment.js';
import { throughputChart } from '../report/chart.js';
import { renderTable } from '../report/table.js';
import { createProgress, type Progress } from '../report/progress.js';
import { framingGroups } from './framing.js';

export interface CipherBenchOptions {
  algorithms?: Algorithm[];
  sizes?: number[];
  backends?: BenchBackend[];
  quick?: boolean;
  timing?: Timing;
  framing?: boolean;
  jsonPath?: string;
  svgPath?: string;
  /** Defaults to the project's registry with calibration on. */
  registry?: BenchRegistry;
  progress?: boolean;
  log?: (line: string) => void;
}

export interface CipherBenchReport {
  schema: 'mtshield.bench.cipher/1';
  environment: Environment;
  options: { algorithms: Algorithm[]; sizes: number[]; backends: BenchBackend[]; timing: Timing; quick: boolean };
  registryStatus?: unknown;
  verification: Verdict[];
  cases: CaseResult[];
  targets: TargetResult[];
  durationSeconds: number;
}

interface PlannedCase {
  algorithm: Algorithm;
  backend: BenchBackend;
  fixture: Fixture;
}

export async function runCipherBench(options: CipherBenchOptions = {}): Promise<CipherBenchReport> {
  const started = Date.now();
  const algorithms = options.algorithms ?? [...ALGORITHMS];
  const sizes = [...(options.sizes ?? DEFAULT_SIZES)].sort((a, b) => a - b);
  const backends = options.backends ?? [...BENCH_BACKENDS];
  const timing = options.timing ?? (options.quick ? QUICK_TIMING : FULL_TIMING);
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const registry = options.registry ?? (await loadProjectRegistry());
  const environment = collectEnvironment();

  const verification: Verdict[] = [];
  const cases: CaseResult[] = [];
  const planned: PlannedCase[] = [];
  for (const algorithm of algorithms) {
    const spec = ALGORITHM_SPECS[algorithm];
    const usable = safeBackends(registry, algorithm);
    const fixtures = spec.operations.flatMap((operation) =>
      sizes.filter((size) => spec.kind !== 'cbc' || size % 16 === 0).map((size) => makeFixture(algorithm, operation, size)),
    );
    for (const backend of backends) {
      const available = backend === 'auto' ? usable.length > 0 : usable.includes(backend);
      if (!available) {
        const reason = backend === 'auto' ? 'no usable backend' : `not among the registry's usable backends (${usable.join(', ') || 'none'})`;
        cases.push(...fixtures.map((f) => skipped(algorithm, backend, f, 'unavailable', reason)));
        continue;
      }
      const verdict = verifyBackend(registry, algorithm, backend, fixtures);
      verification.push(verdict);
      if (!verdict.ok) {
        log(`refusing to time ${algorithm} on ${backend}: ${verdict.reason}`);
        cases.push(...fixtures.map((f) => skipped(algorithm, backend, f, 'refused', verdict.reason)));
        continue;
      }
      planned.push(...fixtures.map((fixture) => ({ algorithm, backend, fixture })));
    }
  }
  // Side by side: every backend of one algorithm, operation and size runs back to back.
  const resultOrder = (r: Pick<CaseResult, 'group' | 'algorithm' | 'operation' | 'size' | 'backend'>) => {
    const algorithm = r.algorithm as Algorithm;
    return r.group === 'framing'
      ? [1, r.algorithm, r.operation, r.size, BENCH_BACKENDS.indexOf(r.backend as BenchBackend)]
      : [0, algorithms.indexOf(algorithm), ALGORITHM_SPECS[algorithm].operations.indexOf(r.operation as never), r.size, backends.indexOf(r.backend as BenchBackend)];
  };
  const planOrder = (p: PlannedCase) =>
    resultOrder({ group: 'cipher', algorithm: p.algorithm, operation: p.fixture.operation, size: p.fixture.size, backend: p.backend });
  planned.sort((a, b) => compareTuples(planOrder(a), planOrder(b)));

  const groups: Slot[][] = groupBy(planned, (p) => `${p.algorithm}|${p.fixture.operation}|${p.fixture.size}`).map((group) =>
    group.map((plan) => cipherSlot(registry, plan)),
  );
  if (options.framing !== false) {
    const framing = await framingGroups(sizes, log);
    cases.push(...framing.refused);
    groups.push(...framing.groups);
  }
  const progress: Progress = createProgress(groups.reduce((n, g) => n + g.length, 0) * timing.rounds, options.progress ?? true);
  try {
    for (const results of await timeGroups(groups, timing, progress)) cases.push(...results);
  } finally {
    progress.stop();
  }

  cases.sort((a, b) => compareTuples(resultOrder(a), resultOrder(b)));
  addNativeRatios(cases);
  const cipherCases = cases.filter((c) => c.group === 'cipher');
  const targets = evaluateTargets(cipherCases, sizes);
  const report: CipherBenchReport = {
    schema: 'mtshield.bench.cipher/1',
    environment,
    options: { algorithms, sizes, backends, timing, quick: options.quick ?? false },
    registryStatus: safeStatus(registry),
    verification,
    cases,
    targets,
    durationSeconds: (Date.now() - started) / 1000,
  };
  if (options.jsonPath) writeFile(options.jsonPath, JSON.stringify(report, null, 2) + '\n');
  if (options.svgPath) {
    const subtitle = `${environment.cpuModel} · Node ${environment.node} · OpenSSL ${environment.openssl} · ${environment.timestamp}`;
    writeFile(options.svgPath, throughputChart(cases, { title: 'mtshield cipher throughput', subtitle }));
  }
  return report;
}

export function renderCipherReport(report: CipherBenchReport): string {
  return renderTable(report.cases, report.targets);
}

function cipherSlot(registry: BenchRegistry, plan: PlannedCase): Slot {
  const { algorithm, backend, fixture } = plan;
  return {
    identity: {
      group: 'cipher',
      algorithm,
      operation: fixture.operation,
      backend,
      size: fixture.size,
      chosen: backend === 'auto' ? safeChosen(registry, algorithm, fixture.size, fixture.operation) : undefined,
    },
    bytesPerOp: fixture.size,
    prepare: () => prepareCase(registry, backend, fixture),
  };
}

function groupBy<T>(items: T[], key: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return [...groups.values()];
}

function skipped(algorithm: Algorithm, backend: BenchBackend, f: Fixture, status: 'unavailable' | 'refused', reason?: string): CaseResult {
  return { group: 'cipher', algorithm, operation: f.operation, backend, size: f.size, status, reason };
}

function safeBackends(registry: BenchRegistry, algorithm: Algorithm): string[] {
  try {
    return registry.backends(algorithm);
  } catch {
    return [];
  }
}

/** What the registry serves this case with: open and decrypt have a choice of their own (chosenOpen). */
function safeChosen(registry: BenchRegistry, algorithm: Algorithm, size: number, operation: string): string | undefined {
  try {
    const reverse = (operation === 'open' || operation === 'decrypt') && algorithm !== 'aes-256-ctr';
    return reverse ? registry.chosenOpen(algorithm as AeadAlgorithm | 'aes-256-cbc', size) : registry.chosen(algorithm, size);
  } catch {
    return undefined;
  }
}

function safeStatus(registry: BenchRegistry): unknown {
  try {
    return registry.status ? JSON.parse(JSON.stringify(registry.status())) : undefined;
  } catch {
    return undefined;
  }
}

function compareTuples(a: Array<string | number>, b: Array<string | number>): number {
  for (let i = 0; i < a.length; i++) {
    if (a[i]! < b[i]!) return -1;
    if (a[i]! > b[i]!) return 1;
  }
  return 0;
}

function writeFile(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

