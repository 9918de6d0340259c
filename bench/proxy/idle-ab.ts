/**
 * The idle-memory A/B of the proxy benchmark (issue 10, "Done when": memory per idle connection not worse than
 * before; docs/benchmarks.md "Idle-memory A/B"): this build against another build of mtshield (a checkout with
 * dist/ built, e.g. the code before wave 2), on the same harness in one run.
 *
 * For each secret kind and fast mode, each run starts a fresh proxy per side, the sides in alternating order
 * (this build first in run 1, the other first in run 2, …), and runs the idle-memory scenario (scenarios.ts: two
 * batches of N handshaken idle connections) with the memory probe inside the proxy (memory-probe.ts), so every
 * RSS figure comes with its breakdown: JS heap used, each V8 heap space's resident bytes, external memory and
 * array buffers, per connection of each batch, and the live heap after a full collection at the end. Each
 * reading point is also read after a full collection (`collect`): those figures are what the idle connections
 * keep; the uncollected ones add the handshakes' garbage V8 had not collected yet, which single runs spread widely.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { formatSecret, generateSecret, type ParsedSecret } from '../../src/protocol/secrets.js';
import { applyGcMode } from '../../src/util/gc-mode.js';
import { collectEnvironment, type Environment } from '../report/environment.js';
import { createProgress } from '../report/progress.js';
import { startProxy } from './child.js';
import { startEchoDc } from './fake-dc.js';
import { attempt, withProcess } from './guard.js';
import { idleBreakdownFigures, type IdleAbFigure } from './idle-ab-report.js';
import { procAvailable } from './proc.js';
import { idleMemory, type IdleMemoryResult } from './scenarios.js';
import { alternationOrder } from './stats.js';

export type IdleAbSide = 'base' | 'this';
export const IDLE_AB_SIDES: readonly IdleAbSide[] = ['base', 'this'];
export type IdleAbKind = 'dd' | 'ee';

export interface IdleAbOptions {
  /** The other build: a checkout with bin/ and dist/ built. */
  baseDir: string;
  /** 'pre-wave2' for builds whose config schema predates `workers` and `[fronting]` (child.ts). */
  baseDialect?: 'current' | 'pre-wave2';
  runs?: number;
  connections?: number;
  /** Also sample allocation sites per batch (the sampling itself costs memory: for diagnosis, not figures). */
  sampleAllocations?: boolean;
  /** Read every point after a full collection too (scenarios.ts idleMemory `collect`); default true. */
  collect?: boolean;
  kinds?: IdleAbKind[];
  fastModes?: boolean[];
  progress?: boolean;
  jsonPath?: string;
}

export interface IdleAbRun {
  side: IdleAbSide;
  run: number;
  secret: IdleAbKind;
  fastMode: boolean;
  idle?: IdleMemoryResult;
  errors: string[];
}

export interface IdleAbReport {
  schema: 'mtshield.bench.idle-ab/1';
  environment: Environment;
  baseDir: string;
  settings: { runs: number; connections: number; concurrency: number; sampleAllocations: boolean; collect: boolean };
  order: IdleAbSide[][];
  runs: IdleAbRun[];
  figures: IdleAbFigure[];
  durationSeconds: number;
}

const CONCURRENCY = 32;
const DOMAIN = 'www.example.com';

export async function runIdleAb(options: IdleAbOptions): Promise<IdleAbReport> {
  if (!procAvailable()) throw new Error('the proxy benchmark reads /proc/<pid>/stat and /status: Linux only');
  applyGcMode('single-threaded'); // as the default matrix (run.ts)
  const started = Date.now();
  const runs = Math.max(1, options.runs ?? 3);
  const connections = options.connections ?? 1000;
  const kinds = options.kinds ?? ['dd', 'ee'];
  const fastModes = options.fastModes ?? [false, true];
  const secrets: Record<IdleAbKind, ParsedSecret> = { dd: generateSecret('dd'), ee: generateSecret('ee', DOMAIN) };
  const users = kinds.map((kind) => ({ name: `bench_${kind}`, secret: formatSecret(secrets[kind], 'hex') }));
  const environment = collectEnvironment();
  const order = alternationOrder(runs, IDLE_AB_SIDES);
  const results: IdleAbRun[] = [];
  const dc = await startEchoDc();
  const progress = createProgress(runs * kinds.length * fastModes.length * 2, options.progress ?? true);
  try {
    for (let run = 0; run < runs; run++) {
      for (const fastMode of fastModes) {
        for (const secret of kinds) {
          for (const side of order[run]!) {
            progress.tick(`run ${run + 1}/${runs}: ${secret} fast_mode=${fastMode} ${side}`);
            const result: IdleAbRun = { side, run, secret, fastMode, errors: [] };
            results.push(result);
            const base = side === 'base' ? { packageDir: options.baseDir, configDialect: options.baseDialect ?? 'pre-wave2' } : {};
            await withProcess(() => startProxy({ dcPort: dc.port, users, fastMode, memoryProbe: true, ...base }), async (proxy) => {
              const target = { host: '127.0.0.1', port: proxy.port, pid: proxy.pid, secret: secrets[secret], dc: 2, probe: proxy.probe };
              result.idle = await attempt(result, 'idle memory', () =>
                idleMemory(target, { connections, concurrency: CONCURRENCY, sampleAllocations: options.sampleAllocations, collect: options.collect ?? true }),
              );
            }, (err) => result.errors.push(err));
          }
        }
      }
    }
  } finally {
    progress.stop();
    await dc.close();
  }
  const report: IdleAbReport = {
    schema: 'mtshield.bench.idle-ab/1',
    environment,
    baseDir: options.baseDir,
    settings: { runs, connections, concurrency: CONCURRENCY, sampleAllocations: options.sampleAllocations === true, collect: options.collect ?? true },
    order,
    runs: results,
    figures: idleBreakdownFigures(results),
    durationSeconds: (Date.now() - started) / 1000,
  };
  if (options.jsonPath) {
    mkdirSync(dirname(options.jsonPath), { recursive: true });
    writeFileSync(options.jsonPath, JSON.stringify(report, null, 2) + '\n');
  }
  return report;
}
