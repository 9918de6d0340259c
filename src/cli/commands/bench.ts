/**
 * `mtshield bench`: the cipher benchmark (default) or, with `--proxy`, the proxy benchmark. Progress goes
 * to stderr, the result table to stdout, and the full results to `--json` / `--svg` files. Targets that
 * fail are printed, never hidden; `--strict` turns a FAIL into exit status 1.
 */
import type { Command } from 'commander';
import { ALGORITHMS, isAlgorithm, isBenchBackend, parseSizes, type BenchBackend } from '../../../bench/cipher/catalog.js';
import { renderCipherReport, runCipherBench } from '../../../bench/cipher/run.js';

interface BenchFlags {
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
  soak?: string | boolean;
  connections?: string;
  idle?: string;
  kernel?: string;
  peerDir?: string;
  peerPython?: string;
  scenarios?: string;
  runs?: string;
  idleConnections?: string;
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
    .option('--soak [seconds]', 'with --proxy: hold steady load and watch resident memory (default 300 s)')
    .option('--connections <n>', 'with --proxy: idle handshaken connections for the memory figure')
    .option('--idle <n>', 'alias of --connections')
    .option('--kernel <backend>', "with --proxy: force the proxy's AES-256-CTR backend (wasm-simd, wasm, native, js)")
    .option('--peer-dir <dir>', 'with --proxy: peer mode, side by side with alexbers/mtprotoproxy from this checkout')
    .option('--peer-python <path>', 'with --peer-dir: the python3 to run the peer with (default /usr/bin/python3)')
    .option('--scenarios <list>', 'with --proxy: peer-mode scenarios, subset of admission, rtt, throughput, idle, junk, flood')
    .option('--runs <n>', 'with --proxy: peer-mode runs per side, in alternating order (default 5)')
    .option('--idle-connections <n>', 'with --proxy: peer mode, idle connections held at the end of the idle scenario')
    .action(async (flags: BenchFlags) => {
      if (flags.proxy) {
        await runProxy(flags);
        return;
      }
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
      process.stdout.write(renderCipherReport(report));
      if (flags.json) process.stdout.write(`\nJSON: ${flags.json}\n`);
      if (flags.svg) process.stdout.write(`SVG: ${flags.svg}\n`);
      if (flags.strict && report.targets.some((t) => t.status === 'FAIL')) process.exitCode = 1;
    });
}

async function runProxy(flags: BenchFlags): Promise<void> {
  if (flags.peerDir !== undefined || flags.scenarios !== undefined || flags.runs !== undefined || flags.idleConnections !== undefined) {
    const { runPeerBenchCommand } = await import('../../../bench/proxy/peer-command.js');
    await runPeerBenchCommand(flags);
    return;
  }
  const { runProxyBench, renderProxyReport } = await import('../../../bench/proxy/run.js');
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
  process.stdout.write(renderProxyReport(report));
  if (flags.json) process.stdout.write(`\nJSON: ${flags.json}\n`);
  if (flags.svg) process.stdout.write(`SVG: ${flags.svg}\n`);
  if (flags.strict && report.targets.some((t) => t.status === 'FAIL')) process.exitCode = 1;
}

function parseList<T extends string>(text: string, valid: (s: string) => s is T, what: string): T[] {
  return text.split(',').map((raw) => {
    const item = raw.trim();
    if (!valid(item)) throw new Error(`unknown ${what} "${item}"`);
    return item;
  });
}
