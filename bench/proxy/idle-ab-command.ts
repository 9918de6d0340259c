/**
 * `mtshield bench --proxy --scenarios idle-ab --base-dir DIR [--runs N] [--idle-connections N] [--json FILE]`:
 * the idle-memory A/B against another build (idle-ab.ts; docs/benchmarks.md "Idle-memory A/B"). It reports;
 * it has no target that can fail. MTSHIELD_BENCH_SAMPLE_ALLOCATIONS=1 adds the allocation sites per batch.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BenchOutcome } from '../../src/cli/commands/bench.js';
import { runIdleAb } from './idle-ab.js';
import { renderIdleAb } from './idle-ab-report.js';

export interface IdleAbFlags {
  baseDir?: string;
  runs?: string;
  idleConnections?: string;
  quick?: boolean;
  progress?: boolean;
  json?: string;
}

export async function runIdleAbCommand(flags: IdleAbFlags): Promise<BenchOutcome> {
  if (flags.baseDir === undefined) throw new Error('--scenarios idle-ab needs --base-dir: a checkout of the other build with dist/ built');
  const baseDir = resolve(flags.baseDir);
  if (!existsSync(join(baseDir, 'bin/mtshield.js'))) throw new Error(`no bin/mtshield.js under ${baseDir}`);
  const runs = flags.runs === undefined ? 3 : Number(flags.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs expects a positive integer, got "${flags.runs}"`);
  const connections = flags.idleConnections === undefined ? (flags.quick ? 200 : 1000) : Number(flags.idleConnections);
  if (!Number.isInteger(connections) || connections < 1) throw new Error(`--idle-connections expects a positive integer, got "${flags.idleConnections}"`);
  // The base's config dialect: builds with the `[fronting]` section accept the current config.
  const current = existsSync(join(baseDir, 'dist/src/fronting'));
  const report = await runIdleAb({
    baseDir,
    baseDialect: current ? 'current' : 'pre-wave2',
    runs,
    connections,
    sampleAllocations: process.env['MTSHIELD_BENCH_SAMPLE_ALLOCATIONS'] === '1',
    progress: flags.progress,
    jsonPath: flags.json,
  });
  return { text: renderIdleAb(report.figures, report.runs), failed: false };
}
