/**
 * `mtshield bench`: the cipher benchmark (default), with `--proxy` the proxy benchmark, with `--relay` the relay
 * tunnel's. Progress goes to stderr, the result table to stdout, and the full results to `--json` / `--svg`
 * files. Targets that fail are printed, never hidden; `--strict` turns a FAIL into exit status 1.
 *
 * The seam: this file declares what the command needs (`BenchEntry`); bench/index.ts implements it and is
 * loaded only when the command runs (docs/benchmarks.md). The product never imports bench code, and an
 * install without bench/ says so instead of failing at start-up.
 */
import type { Command } from 'commander';
import { ALGORITHMS } from '../../kernels/types.js';

/** The flags as commander parsed them; the bench entry validates the lists against its catalog. */
export interface BenchFlags {
  algorithms?: string;
  sizes?: string;
  backends?: string;
  json?: string;
  svg?: string;
  quick?: boolean;
  framing?: boolean;
  progress?: boolean;
  strict?: boolean;
  proxy?: boolean;
  relay?: boolean;
  soak?: string | boolean;
  connections?: string;
  idle?: string;
  kernel?: string;
  peerDir?: string;
  peerPython?: string;
  scenarios?: string;
  runs?: string;
  idleConnections?: string;
  upstreams?: string;
  floors?: string;
  baseDir?: string;
}

export interface BenchOutcome {
  /** The result table for stdout. */
  text: string;
  /** A target failed (`--strict` turns this into exit status 1). */
  failed: boolean;
}

/** What bench/index.ts exports as `benchEntry`. */
export interface BenchEntry {
  run(flags: BenchFlags): Promise<BenchOutcome>;
}

/** bench/index.ts beside src/ in the checkout and in dist/ alike (tsconfig.build.json compiles both, rootDir "."). */
const BENCH_ENTRY = new URL('../../../bench/index.js', import.meta.url);

export async function loadBenchEntry(): Promise<BenchEntry> {
  let module: { benchEntry?: BenchEntry };
  try {
    module = (await import(BENCH_ENTRY.href)) as { benchEntry?: BenchEntry };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String((err as Error).message).includes(BENCH_ENTRY.pathname)) {
      throw new Error('the benchmark is not part of this install (bench/ is missing); run it from a source checkout');
    }
    throw err;
  }
  if (typeof module.benchEntry?.run !== 'function') throw new Error(`${BENCH_ENTRY.pathname} does not export benchEntry`);
  return module.benchEntry;
}

export function register(program: Command): void {
  program
    .command('bench')
    .description('benchmark the cipher kernels per backend and size (or, with --proxy, the proxy end to end)')
    .option('--algorithms <list>', `comma-separated subset of ${ALGORITHMS.join(', ')}`)
    .option('--sizes <list>', 'message sizes in bytes, e.g. 64,1024,16KiB (default 64 B … 64 KiB)')
    .option('--backends <list>', 'subset of wasm-simd, wasm, native, js, auto')
    .option('--json <file>', 'write the full results as JSON')
    .option('--svg <file>', 'write a throughput chart (SVG)')
    .option('--quick', 'short timing budget (about 30 s for everything)')
    .option('--no-framing', 'skip the framing-scanner cases')
    .option('--no-progress', 'no progress bar on stderr')
    .option('--strict', 'exit with status 1 when a target fails')
    .option('--proxy', 'benchmark the proxy end to end (fake DC and load generator on loopback)')
    .option('--relay', 'benchmark the relay tunnel per suite: registry choice, native only, wasm-simd only (loopback)')
    .option('--soak [seconds]', 'with --proxy: hold steady load and watch resident memory (default 300 s)')
    .option('--connections <n>', 'with --proxy: idle handshaken connections for the memory figure')
    .option('--idle <n>', 'alias of --connections')
    .option('--kernel <backend>', "with --proxy: force the proxy's AES-256-CTR backend (wasm-simd, wasm, native, js)")
    .option('--peer-dir <dir>', 'with --proxy: peer mode, side by side with alexbers/mtprotoproxy from this checkout')
    .option('--peer-python <path>', 'with --peer-dir: the python3 to run the peer with (default /usr/bin/python3)')
    .option('--scenarios <list>', 'with --proxy: peer-mode scenarios, subset of admission, rtt, throughput, idle, junk, flood')
    .option('--runs <n>', 'with --proxy: peer-mode runs per side, in alternating order (default 5); with --relay: runs (default 5)')
    .option('--idle-connections <n>', 'with --proxy: peer mode, idle connections held at the end of the idle scenario')
    .option('--base-dir <dir>', 'with --proxy --scenarios idle-ab: the other build (a checkout with dist/ built) to compare idle memory with')
    .option('--upstreams <list>', 'with --proxy: peer mode through direct, middle (a local echo middle proxy) or both, e.g. direct,middle')
    .option('--floors <list>', 'with --peer-dir: plain Node floor subjects beside mtshield and the peer, subset of pipe, crypto, crypto-echo')
    .action(async (flags: BenchFlags) => {
      const outcome = await (await loadBenchEntry()).run(flags);
      process.stdout.write(outcome.text);
      if (flags.json) process.stdout.write(`\nJSON: ${flags.json}\n`);
      if (flags.svg) process.stdout.write(`SVG: ${flags.svg}\n`);
      if (flags.strict && outcome.failed) process.exitCode = 1;
    });
}
