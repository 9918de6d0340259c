/**
 * `mtshield kernels [--json] [--no-calibrate]`: what the kernel registry sees and chooses on this machine —
 * CPU model and features (/proc/cpuinfo), WebAssembly SIMD support, every backend with its self-test result per
 * algorithm, and the chosen backend per algorithm and message-size class (docs/kernels.md).
 */
import type { Command } from 'commander';
import { loadKernels, SIZE_CLASSES, type KernelStatus } from '../../kernels/index.js';

function sizeLabel(size: number): string {
  return size >= 1024 ? `${size / 1024}K` : `${size}B`;
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

export function renderStatus(s: KernelStatus): string {
  const lines: string[] = [];
  const features = Object.entries(s.cpu.features).filter(([, on]) => on).map(([f]) => f);
  lines.push(`CPU        ${s.cpu.model} (${s.cpu.cores} cores, ${s.cpu.arch})`);
  lines.push(`features   ${features.length > 0 ? features.join(' ') : '(none of aes/avx2/avx512/vaes/pclmulqdq seen)'}`);
  lines.push(`wasm SIMD  ${s.wasmSimd ? 'supported' : 'not supported'}`);
  const cal = s.calibration;
  lines.push(`calibration ${cal.source}${cal.durationMs !== undefined ? ` (${cal.durationMs.toFixed(0)} ms)` : ''}${cal.file ? ` ${cal.file}` : ''}`);
  if (s.adaptiveCtr) {
    lines.push(`aes-256-ctr streams adapt: ${s.adaptiveCtr.wasm} for small updates, native for large (switch ≈${(s.adaptiveCtr.nativeSwitchNs / 1000).toFixed(1)} µs)`);
  }
  lines.push('', 'Self-tests');
  const algs = Object.keys(s.chosen);
  const width = Math.max(...algs.map((a) => a.length)) + 2;
  lines.push(pad('backend', 11) + algs.map((a) => pad(a, width)).join(''));
  for (const b of s.backends) {
    lines.push(pad(b.name, 11) + algs.map((a) => pad(b.algorithms[a as keyof typeof b.algorithms].state, width)).join(''));
  }
  for (const b of s.backends) {
    for (const [alg, r] of Object.entries(b.algorithms)) {
      if (r.state === 'failed') lines.push(`  ${b.name} ${alg}: FAILED ${r.detail ?? ''}`);
    }
    const unavailable = Object.values(b.algorithms).find((r) => r.state === 'unavailable');
    if (unavailable?.detail) lines.push(`  ${b.name}: unavailable for some algorithms (${unavailable.detail})`);
    if (b.sha256) lines.push(`  ${b.name} build sha256 ${b.sha256}`);
  }
  lines.push('', 'Chosen backend per message size');
  lines.push(pad('algorithm', width) + SIZE_CLASSES.map((n) => pad(sizeLabel(n), 11)).join(''));
  for (const alg of algs) {
    const row = s.chosen[alg as keyof KernelStatus['chosen']];
    const forced = s.forced[alg as keyof KernelStatus['forced']];
    lines.push(pad(alg, width) + SIZE_CLASSES.map((n) => pad(row[String(n)] ?? '-', 11)).join('') + (forced ? ` (forced: ${forced})` : ''));
  }
  return lines.join('\n');
}

export function register(program: Command): void {
  program
    .command('kernels')
    .description('show CPU features, kernel backends with their self-test results, and the backend chosen per algorithm and size')
    .option('--json', 'print the status as JSON')
    .option('--no-calibrate', 'skip the start-up calibration (use the cached or built-in cost table)')
    .option('--recalibrate [ms]', 'measure again with a longer budget (default 1000 ms) and rewrite the cache')
    .action(async (opts: { json?: boolean; calibrate?: boolean; recalibrate?: boolean | string }) => {
      const registry = await loadKernels({ calibrate: opts.calibrate !== false });
      if (opts.recalibrate !== undefined) {
        const ms = typeof opts.recalibrate === 'string' ? Number(opts.recalibrate) : 1000;
        if (!Number.isFinite(ms) || ms < 50 || ms > 60_000) throw new Error('--recalibrate takes a budget between 50 and 60000 ms');
        registry.recalibrate(ms);
      }
      const status = registry.status();
      if (opts.json) process.stdout.write(JSON.stringify(status, null, 2) + '\n');
      else process.stdout.write(renderStatus(status) + '\n');
    });
}
