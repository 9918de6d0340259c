/**
 * `mtshield bench --proxy --scenarios profile [--runs N] [--quick] [--json FILE]`: the fronting-profile A/B
 * (profile-ab.ts; docs/benchmarks.md "Fronting-profile A/B"). It has no target that can fail: it reports.
 */
import type { BenchOutcome } from '../../src/cli/commands/bench.js';
import { runProfileAb } from './profile-ab.js';
import { renderProfileAb } from './profile-ab-report.js';

export interface ProfileAbFlags {
  runs?: string;
  quick?: boolean;
  progress?: boolean;
  kernel?: string;
  json?: string;
}

export async function runProfileAbCommand(flags: ProfileAbFlags): Promise<BenchOutcome> {
  const runs = flags.runs === undefined ? 3 : Number(flags.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs expects a positive integer, got "${flags.runs}"`);
  const report = await runProfileAb({ runs, quick: flags.quick, progress: flags.progress, kernel: flags.kernel, jsonPath: flags.json });
  return { text: renderProfileAb(report), failed: false };
}
