/**
 * `mtshield bench --proxy` in peer mode (any of --peer-dir, --scenarios, --runs, --idle-connections, --upstreams): parses
 * those flags, runs compare.ts and prints its table (docs/benchmarks.md, "Peer mode"). Floor subjects
 * (docs/benchmarks.md, "Floor subjects") come from `--floors` or from
 * MTSHIELD_BENCH_FLOORS (e.g. `pipe,crypto,crypto-echo`).
 */
import { BENCH_UPSTREAMS, isPeerScenario, runPeerBench, PEER_SCENARIOS, type BenchUpstream, type PeerScenario } from './compare.js';
import { renderPeerTable } from './compare-report.js';
import { FLOOR_KINDS, type FloorKind } from './floor/start.js';
import { renderFloorTable } from './floor/report.js';
import type { BenchOutcome } from '../../src/cli/commands/bench.js';

export interface PeerBenchFlags {
  peerDir?: string;
  peerPython?: string;
  scenarios?: string;
  runs?: string;
  idleConnections?: string;
  upstreams?: string;
  /** Floor subjects, comma-separated: pipe, crypto, crypto-echo. */
  floors?: string;
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

export function parseFloors(text: string): FloorKind[] {
  return text.split(',').map((raw) => {
    const name = raw.trim();
    if (!(FLOOR_KINDS as readonly string[]).includes(name)) throw new Error(`unknown floor subject "${name}": expected some of ${FLOOR_KINDS.join(', ')}`);
    return name as FloorKind;
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
  const floorsText = flags.floors ?? process.env['MTSHIELD_BENCH_FLOORS'];
  const report = await runPeerBench({
    peerDir: flags.peerDir,
    peerPython: flags.peerPython,
    scenarios: flags.scenarios ? parseScenarios(flags.scenarios) : undefined,
    runs: positiveInteger(flags.runs, '--runs'),
    idleConnections: positiveInteger(flags.idleConnections, '--idle-connections'),
    upstreams: flags.upstreams ? parseUpstreams(flags.upstreams) : undefined,
    floors: floorsText ? parseFloors(floorsText) : undefined,
    quick: flags.quick,
    progress: flags.progress,
    kernel: flags.kernel,
    jsonPath: flags.json,
  });
  const floors = report.floors ? renderFloorTable(report.floors) : '';
  return { text: renderPeerTable(report) + floors, failed: report.targets.some((t) => t.status === 'FAIL') };
}
