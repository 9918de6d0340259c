/**
 * `mtshield bench --relay` (docs/benchmarks.md "Relay tunnel"): for every suite, the registry's choice, native
 * only and wasm-simd only, side by side in one run. Each run measures every (suite, variant) once, in an order
 * that rotates between runs (A B C, B C A, …) so a burst of load from elsewhere does not always hit the same
 * variant; every run is kept, and the report gives each one's median and worst. Figures: tunnel CPU seconds per
 * GB on the MTProto-like size mix (bench/relay/mix.ts) and round-trip latency of a small message.
 */
import { writeFileSync } from 'node:fs';
import { loadKernels, type KernelRegistry } from '../../src/kernels/index.js';
import { ALL_SUITES, type RelaySuite } from '../../src/upstream/relay/index.js';
import { collectEnvironment, type Environment } from '../report/environment.js';
import { createProgress } from '../report/progress.js';
import { cpuPerGb, roundTrips, type CpuFigure, type LatencyFigure } from './measure.js';
import { mtprotoSizes, shareUnder1KiB } from './mix.js';
import { RELAY_VARIANTS, aeadSource, openPair, type RelayVariant } from './pair.js';

export interface RelayBenchOptions {
  quick?: boolean;
  runs?: number;
  progress?: boolean;
  jsonPath?: string;
  /** Overrides (tests): payload bytes per CPU measurement, round trips per latency measurement, suites. */
  bytesPerRun?: number;
  latencySamples?: number;
  suites?: RelaySuite[];
}

export interface RelayRun {
  run: number;
  suite: RelaySuite;
  variant: RelayVariant;
  cpu: CpuFigure;
  latency: LatencyFigure;
}

export interface RelaySummary {
  suite: RelaySuite;
  variant: RelayVariant;
  /** Median and worst (highest) over the runs. */
  cpuSecondsPerGB: { median: number; worst: number; runs: number[] };
  latencyMedianUs: { median: number; worst: number; runs: number[] };
  /** This variant's median CPU per GB over native-only's (< 1: cheaper than native). */
  cpuVsNative: number;
}

export interface RelayBenchReport {
  environment: Environment;
  settings: { runs: number; bytesPerRun: number; latencySamples: number; latencyBytes: number; mixMessages: number; mixUnder1KiB: number; chosenBackends: Record<string, Record<number, string>> };
  runs: RelayRun[];
  summary: RelaySummary[];
}

const LATENCY_BYTES = 256;

export async function runRelayBench(options: RelayBenchOptions = {}): Promise<RelayBenchReport> {
  const registry = await loadKernels({ calibrate: true });
  const runs = options.runs ?? (options.quick ? 3 : 5);
  const bytesPerRun = options.bytesPerRun ?? (options.quick ? 24e6 : 96e6);
  const latencySamples = options.latencySamples ?? (options.quick ? 300 : 1500);
  const sizes = mtprotoSizes(4096);
  const suites = (options.suites ?? ALL_SUITES).filter((s) => registry.backends(s).length > 0);
  const variants = RELAY_VARIANTS.filter((v) => v === 'choice' || suites.every((s) => registry.backends(s).includes(v)));
  const progress = createProgress(runs * suites.length * variants.length, options.progress ?? true);
  const results: RelayRun[] = [];
  try {
    // Warm-up, not recorded: every (suite, variant) once on a short transfer, so no run pays for JIT and kernel set-up.
    for (const suite of suites) for (const variant of variants) await measureOne(registry, suite, variant, sizes, Math.min(2e6, bytesPerRun), 50);
    for (let run = 0; run < runs; run++) {
      for (const suite of suites) {
        // rotate the variants' order per run: A B C, B C A, C A B, …
        const order = variants.map((_, i) => variants[(i + run) % variants.length]!);
        for (const variant of order) {
          progress.tick(`run ${run + 1} ${suite} ${variant}`);
          results.push({ run: run + 1, suite, variant, ...(await measureOne(registry, suite, variant, sizes, bytesPerRun, latencySamples)) });
        }
      }
    }
  } finally {
    progress.stop();
  }
  const report: RelayBenchReport = {
    environment: collectEnvironment(),
    settings: {
      runs,
      bytesPerRun,
      latencySamples,
      latencyBytes: LATENCY_BYTES,
      mixMessages: sizes.length,
      mixUnder1KiB: shareUnder1KiB(sizes),
      chosenBackends: Object.fromEntries(suites.map((s) => [s, Object.fromEntries([64, 256, 1024, 4096, 16_384, 65_536].map((n) => [n, registry.chosen(s, n)]))])),
    },
    runs: results,
    summary: summarize(results, suites, variants),
  };
  if (options.jsonPath) writeFileSync(options.jsonPath, JSON.stringify(report, null, 2) + '\n');
  return report;
}

async function measureOne(registry: KernelRegistry, suite: RelaySuite, variant: RelayVariant, sizes: number[], bytes: number, samples: number) {
  const source = aeadSource(registry, variant);
  const counting = await openPair(source, suite, 'count');
  let cpu: CpuFigure;
  try {
    cpu = await cpuPerGb(counting.tunnel, sizes, bytes);
  } finally {
    await counting.close();
  }
  const echoing = await openPair(source, suite, 'echo');
  try {
    return { cpu, latency: await roundTrips(echoing.tunnel, LATENCY_BYTES, samples) };
  } finally {
    await echoing.close();
  }
}

function summarize(results: RelayRun[], suites: RelaySuite[], variants: RelayVariant[]): RelaySummary[] {
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const out: RelaySummary[] = [];
  for (const suite of suites) {
    const of = (v: RelayVariant) => results.filter((r) => r.suite === suite && r.variant === v);
    const nativeMedian = median(of('native').map((r) => r.cpu.cpuSecondsPerGB));
    for (const variant of variants) {
      const cpu = of(variant).map((r) => r.cpu.cpuSecondsPerGB);
      const lat = of(variant).map((r) => r.latency.medianUs);
      out.push({
        suite,
        variant,
        cpuSecondsPerGB: { median: median(cpu), worst: Math.max(...cpu), runs: cpu },
        latencyMedianUs: { median: median(lat), worst: Math.max(...lat), runs: lat },
        cpuVsNative: median(cpu) / nativeMedian,
      });
    }
  }
  return out;
}

export function renderRelayReport(report: RelayBenchReport): string {
  const { settings } = report;
  const lines = [
    `relay tunnel, ${settings.runs} runs alternating, ${(settings.bytesPerRun / 1e6).toFixed(0)} MB per run on the MTProto-like mix (${(settings.mixUnder1KiB * 100).toFixed(0)}% of messages < 1 KiB); latency: ${settings.latencyBytes} B round trips x ${settings.latencySamples}`,
    '',
    'suite                variant     CPU s/GB median (worst)   vs native   RTT µs median (worst)   runs (CPU s/GB)',
  ];
  for (const s of report.summary) {
    lines.push(
      [
        s.suite.padEnd(20),
        s.variant.padEnd(11),
        `${s.cpuSecondsPerGB.median.toFixed(2)} (${s.cpuSecondsPerGB.worst.toFixed(2)})`.padEnd(25),
        `${s.cpuVsNative.toFixed(2)}x`.padEnd(11),
        `${s.latencyMedianUs.median.toFixed(0)} (${s.latencyMedianUs.worst.toFixed(0)})`.padEnd(23),
        s.cpuSecondsPerGB.runs.map((x) => x.toFixed(2)).join(' '),
      ].join(' '),
    );
  }
  return lines.join('\n') + '\n';
}
