/**
 * `mtshield bench --proxy` in peer mode (any of --peer-dir, --scenarios, --runs, --idle-connections, --upstreams): parses
 * those flags, runs compare.ts and prints its table (docs/benchmarks.md, "Peer mode").
 */
import { BENCH_UPSTREAMS, isPeerScenario, runPeerBench, PEER_SCENARIOS, type BenchUpstream, type PeerScenario } from './compare.js';
import { renderPeerTable } from './compare-report.js';
import type { BenchOutcome } from '../../src/cli/commands/bench.js';

export interface PeerBenchFlags {
  peerDir?: string;
  peerPython?: string;
  scenarios?: string;
  runs?: string;
  idleConnections?: string;
  upstreams?: string;
  quick?: boolean;
  progress?: boolean;
  kernel?: string;
  json?: string;
}

export function parseScenarios(text: string): PeerScenario[] {
  return text.split(',').map((raw) => {
    const name = raw.trim();
    if (!isPeerScenario(name)) throw new Error(`unknown scenario "${name}": expected some of ${PEER_SCENARIOS.join(', ')}`);
    return name;
  });
}

export function parseUpstreams(text: string): BenchUpstream[] {
  return text.split(',').map((raw) => {
    const name = raw.trim();
    if (!(BENCH_UPSTREAMS as readonly string[]).includes(name)) throw new Error(`unknown upstream "${name}": expected some of ${BENCH_UPSTREAMS.join(', ')}`);
    return name as BenchUpstream;
  });
}

function positiveInteger(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} expects a positive integer, got "${text}"`);
  return n;
}

/** Peer mode's table and whether a target failed (the CLI prints the JSON path and applies --strict). */
export async function runPeerBenchCommand(flags: PeerBenchFlags): Promise<BenchOutcome> {
  const report = await runPeerBench({
    peerDir: flags.peerDir,
    peerPython: flags.peerPython,
    scenarios: flags.scenarios ? parseScenarios(flags.scenarios) : undefined,
    runs: positiveInteger(flags.runs, '--runs'),
    idleConnections: positiveInteger(flags.idleConnections, '--idle-connections'),
    upstreams: flags.upstreams ? parseUpstreams(flags.upstreams) : undefined,
    quick: flags.quick,
    progress: flags.progress,
    kernel: flags.kernel,
    jsonPath: flags.json,
  });
  return { text: renderPeerTable(report), failed: report.targets.some((t) => t.status === 'FAIL') };
}
