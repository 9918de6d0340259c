/**
 * The benchmark's one entry point (docs/benchmarks.md): what `mtshield bench` runs. The CLI declares the
 * contract (`BenchEntry`, src/cli/commands/bench.ts) and loads this module only when the command runs, so the
 * product never imports bench code and other commands start without it. Flags arrive as the operator typed
 * them; this module knows the catalog (bench/cipher/catalog.ts) and turns them into options.
 *
 *   cipher (default): bench/cipher/run.ts — verify every backend against the oracle, then time it
 *   proxy (--proxy):  bench/proxy/run.ts  — fake DC and load generator on loopback, loaded lazily
 *   peer (--proxy with --peer-dir/--scenarios/--runs/--idle-connections): bench/proxy/compare.ts, side by side
 *                     with alexbers/mtprotoproxy
 *   relay (--relay):  bench/relay/run.ts — the relay tunnel per suite: registry choice, native, wasm-simd
 *   profile (--proxy --scenarios profile [--runs N]): bench/proxy/profile-ab.ts, template answer vs profiled
 *   idle-ab (--proxy --scenarios idle-ab --base-dir DIR [--runs N] [--idle-connections N]): bench/proxy/idle-ab.ts,
 *                     idle memory per connection of this build against another, with the heap breakdown
 */
import type { BenchEntry, BenchFlags, BenchOutcome } from '../src/cli/commands/bench.js';
import { isAlgorithm, isBenchBackend, parseSizes, type BenchBackend } from './cipher/catalog.js';
import { renderCipherReport, runCipherBench } from './cipher/run.js';

export const benchEntry: BenchEntry = {
  async run(flags: BenchFlags): Promise<BenchOutcome> {
    if (flags.relay) return runRelay(flags);
    return flags.proxy ? runProxy(flags) : runCipher(flags);
  },
};

async function runCipher(flags: BenchFlags): Promise<BenchOutcome> {
  const report = await runCipherBench({
    algorithms: flags.algorithms ? parseList(flags.algorithms, isAlgorithm, 'algorithm') : undefined,
    sizes: flags.sizes ? parseSizes(flags.sizes) : undefined,
    backends: flags.backends ? parseList<BenchBackend>(flags.backends, isBenchBackend, 'backend') : undefined,
    quick: flags.quick,
    framing: flags.framing,
    progress: flags.progress,
    jsonPath: flags.json,
    svgPath: flags.svg,
  });
  return { text: renderCipherReport(report), failed: report.targets.some((t) => t.status === 'FAIL') };
}

async function runProxy(flags: BenchFlags): Promise<BenchOutcome> {
  // The fronting-profile A/B (docs/benchmarks.md "Fronting-profile A/B"): template answer vs the site's profile.
  if (flags.scenarios === 'profile') {
    const { runProfileAbCommand } = await import('./proxy/profile-ab-command.js');
    return runProfileAbCommand(flags);
  }
  // Idle memory against another build (docs/benchmarks.md "Idle-memory A/B"), with the heap breakdown.
  if (flags.scenarios === 'idle-ab') {
    const { runIdleAbCommand } = await import('./proxy/idle-ab-command.js');
    return runIdleAbCommand(flags);
  }
  // Peer mode (docs/benchmarks.md "Peer mode"): side by side with alexbers/mtprotoproxy, per-connection scenarios.
  if (flags.peerDir !== undefined || flags.scenarios !== undefined || flags.runs !== undefined || flags.idleConnections !== undefined || flags.upstreams !== undefined || flags.floors !== undefined) {
    const { runPeerBenchCommand } = await import('./proxy/peer-command.js');
    return runPeerBenchCommand(flags);
  }
  const { runProxyBench, renderProxyReport } = await import('./proxy/run.js');
  const soakSeconds = flags.soak === undefined || flags.soak === false ? undefined : flags.soak === true ? 300 : Number(flags.soak);
  if (soakSeconds !== undefined && !(soakSeconds > 0)) throw new Error(`--soak expects seconds, got ${String(flags.soak)}`);
  const idle = flags.connections ?? flags.idle;
  if (flags.kernel !== undefined && (!isBenchBackend(flags.kernel) || flags.kernel === 'auto')) {
    throw new Error(`--kernel expects one of wasm-simd, wasm, native, js; got "${flags.kernel}"`);
  }
  const report = await runProxyBench({
    jsonPath: flags.json,
    svgPath: flags.svg,
    soakSeconds,
    idleConnections: idle ? Number(idle) : undefined,
    quick: flags.quick,
    progress: flags.progress,
    kernel: flags.kernel,
  });
  return { text: renderProxyReport(report), failed: report.targets.some((t) => t.status === 'FAIL') };
}

async function runRelay(flags: BenchFlags): Promise<BenchOutcome> {
  const { runRelayBench, renderRelayReport } = await import('./relay/run.js');
  const runs = flags.runs === undefined ? undefined : Number(flags.runs);
  if (runs !== undefined && !(Number.isInteger(runs) && runs > 0)) throw new Error(`--runs expects a positive integer, got ${flags.runs}`);
  const report = await runRelayBench({ quick: flags.quick, runs, progress: flags.progress, jsonPath: flags.json });
  return { text: renderRelayReport(report), failed: false };
}

function parseList<T extends string>(text: string, valid: (s: string) => s is T, what: string): T[] {
  return text.split(',').map((raw) => {
    const item = raw.trim();
    if (!valid(item)) throw new Error(`unknown ${what} "${item}"`);
    return item;
  });
}
