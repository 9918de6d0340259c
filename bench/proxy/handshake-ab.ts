/**
 * Handshake CPU, checkout against checkout (issues 10 and 17; docs/benchmarks.md "Handshake A/B"): the
 * `handshakes` scenario of the proxy benchmark alone (scenarios.ts: handshake, DC dial, one echoed frame, close),
 * against proxies started from two or more built checkouts, so that a change on the handshake path can be
 * measured without the rest of the matrix and bisected along the history.
 *
 * Each run starts one proxy per side (every side gets the same config, child.ts, and the installed bin's launch
 * settings; the load generator is this checkout's), warms them up taking turns, then measures in rounds: each side in turn
 * takes `count` handshakes of each kind, the order rotating per round, so that a busy phase of a shared machine
 * falls on every side alike. CPU comes from /proc schedstat (ns) summed over the rounds; the split between the
 * main thread and the others (libuv pool, V8 compiler and GC threads) from /proc stat. `--cpu-prof` profiles
 * (profileDir) or `perf record` samples (perfDir) of every proxy can be kept.
 *
 *   node dist/bench/proxy/handshake-ab-main.js --side base=/path/to/checkout --side main=. [--runs 3]
 *        [--rounds 10] [--count 300] [--warmup 200] [--kinds ee,dd] [--profile-dir DIR] [--perf-dir DIR] [--json FILE]
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { formatSecret, generateSecret, type ParsedSecret } from '../../src/protocol/secrets.js';
import { RUN_ENV, RUN_NODE_FLAGS } from '../../src/util/launch.js';
import { proxyConfig, type ProxyUser } from './child.js';
import { startEchoDc } from './fake-dc.js';
import { freePort, launchListening, type ListeningProcess } from './launch.js';
import { handshakes, type HandshakeResult, type Target } from './scenarios.js';
import { alternationOrder, summarize, type RunSummary } from './stats.js';
import type { SecretKind } from './run.js';

export interface HandshakeSide {
  label: string;
  /** A built checkout: its bin/mtshield.js and dist/ are what runs. */
  checkout: string;
  /** Extra environment for this side's proxy (e.g. MTSHIELD_FRONTING_PROFILE=off). */
  env?: Record<string, string>;
}

export interface HandshakeAbOptions {
  sides: HandshakeSide[];
  runs: number;
  /** Rounds per run: each side measures `count` handshakes of each kind per round, taking turns. */
  rounds: number;
  count: number;
  concurrency: number;
  warmup: number;
  /** Which secrets to measure, in this order; default ee then dd. */
  kinds?: readonly SecretKind[];
  /** Write a V8 CPU profile of every proxy process here (node --cpu-prof). */
  profileDir?: string;
  /**
   * Record every proxy's on-CPU samples here during the rounds (`perf record -e cpu-clock`, JavaScript
   * frames named through node --perf-basic-prof): unlike --cpu-prof, it counts time on the CPU only, GC,
   * libuv and the kernel included.
   */
  perfDir?: string;
  log?: (line: string) => void;
}

export interface HandshakeSideRun {
  side: string;
  run: number;
  results: Partial<Record<SecretKind, HandshakeResult>>;
  /** Proxy CPU milliseconds per handshake on the main thread and on the others (libuv pool, V8 helpers). */
  threads: Partial<Record<SecretKind, Record<string, number>>>;
  errors: string[];
}

export interface HandshakeAbReport {
  schema: 'mtshield.bench.handshake-ab/1';
  settings: Omit<HandshakeAbOptions, 'log'>;
  order: string[][];
  runs: HandshakeSideRun[];
  /** Handshakes per proxy CPU-second per side and secret: every run, median and worst. */
  summary: Record<string, Partial<Record<SecretKind, RunSummary>>>;
}

const KINDS: readonly SecretKind[] = ['ee', 'dd'];
const FRONT_DOMAIN = 'www.example.com';

export async function runHandshakeAb(options: HandshakeAbOptions): Promise<HandshakeAbReport> {
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const kinds = options.kinds ?? KINDS;
  const secrets: Record<SecretKind, ParsedSecret> = { dd: generateSecret('dd'), ee: generateSecret('ee', FRONT_DOMAIN) };
  const users: ProxyUser[] = KINDS.map((kind) => ({ name: `bench_${kind}`, secret: formatSecret(secrets[kind], 'hex') }));
  const order = alternationOrder(options.runs, options.sides);
  const runs: HandshakeSideRun[] = [];
  const dc = await startEchoDc();
  try {
    for (let run = 0; run < options.runs; run++) {
      // Every side's proxy runs for the whole run and takes its turn in each round, so a busy phase of the
      // machine falls on every side alike (rounds of `count` handshakes, the order rotating per round).
      const entries = order[run]!.map((side): SideInRun => ({ side, run: { side: side.label, run, results: {}, threads: {}, errors: [] }, totals: {} }));
      runs.push(...entries.map((e) => e.run));
      try {
        for (const entry of entries) entry.proxy = await attemptFor(entry, () => startCheckout(entry.side, run, dc.port, users, options));
        // The warm-up takes turns too: a proxy left idle for a while (another side's long warm-up) had code to
        // compile again when its turn came (V8's idle-time memory reducer), and that landed on whichever side
        // the order put first.
        for (let done = 0; done < options.warmup; done += options.count) {
          const chunk = Math.min(options.count, options.warmup - done);
          for (const entry of entries) {
            for (const kind of kinds) if (entry.proxy) await attemptFor(entry, () => handshakes(targetOf(entry.proxy!, secrets[kind]), { count: chunk, concurrency: options.concurrency }));
          }
        }
        for (const entry of entries) if (entry.proxy && options.perfDir) entry.perf = startPerf(entry.proxy.pid, join(options.perfDir, `${entry.side.label}-${run + 1}.data`));
        for (let round = 0; round < options.rounds; round++) {
          for (let i = 0; i < entries.length; i++) {
            const entry = entries[(i + round) % entries.length]!;
            if (!entry.proxy || entry.run.errors.length > 0) continue;
            for (const kind of kinds) await attemptFor(entry, () => measureRound(entry, kind, targetOf(entry.proxy!, secrets[kind]), options));
          }
        }
      } finally {
        await Promise.all(entries.map((e) => e.perf?.()));
        await Promise.all(entries.map((e) => e.proxy?.stop()));
      }
      for (const entry of entries) {
        for (const kind of kinds) finish(entry, kind);
        log(`run ${run + 1}/${options.runs} ${entry.side.label}: ${kinds.map((k) => `${k} ${perCpu(entry.run, k).toFixed(0)}/CPU-s`).join(', ')}${entry.run.errors.length ? ` (${entry.run.errors[0]})` : ''}`);
      }
    }
  } finally {
    await dc.close();
  }
  const summary: HandshakeAbReport['summary'] = {};
  for (const side of options.sides) {
    summary[side.label] = {};
    for (const kind of kinds) {
      summary[side.label]![kind] = summarize(runs.filter((r) => r.side === side.label).map((r) => perCpu(r, kind)), 'higher');
    }
  }
  const { log: _log, ...settings } = options;
  return { schema: 'mtshield.bench.handshake-ab/1', settings, order: order.map((o) => o.map((s) => s.label)), runs, summary };
}

/** One side within a run: its process and what its rounds added up to. */
interface SideInRun {
  side: HandshakeSide;
  run: HandshakeSideRun;
  proxy?: ListeningProcess;
  /** Stops the side's `perf record` and resolves when it has written its file. */
  perf?: () => Promise<void>;
  totals: Partial<Record<SecretKind, { ok: number; failed: number; cpuSeconds: number; wallSeconds: number; threads: Map<string, number> }>>;
}

async function attemptFor<T>(entry: SideInRun, fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    entry.run.errors.push(`${(err as Error).message}${entry.proxy ? `\n${entry.proxy.output()}` : ''}`);
    return undefined;
  }
}

function targetOf(proxy: ListeningProcess, secret: ParsedSecret): Target {
  // CPU from schedstat (nanoseconds), not /proc stat's 10 ms ticks: a round is short.
  return { host: '127.0.0.1', port: proxy.port, pid: proxy.pid, secret, dc: 2, cpuSeconds: () => schedCpuSeconds(proxy.pid) };
}

async function measureRound(entry: SideInRun, kind: SecretKind, target: Target, options: HandshakeAbOptions): Promise<void> {
  const before = threadCpu(target.pid);
  const result = await handshakes(target, { count: options.count, concurrency: options.concurrency });
  const after = threadCpu(target.pid);
  const total = (entry.totals[kind] ??= { ok: 0, failed: 0, cpuSeconds: 0, wallSeconds: 0, threads: new Map() });
  total.ok += result.count;
  total.failed += result.failed;
  total.cpuSeconds += result.proxyCpuSeconds;
  total.wallSeconds += result.seconds;
  for (const [name, t] of after) total.threads.set(name, (total.threads.get(name) ?? 0) + t - (before.get(name) ?? 0));
}

function finish(entry: SideInRun, kind: SecretKind): void {
  const t = entry.totals[kind];
  if (!t) return;
  entry.run.results[kind] = {
    count: t.ok,
    failed: t.failed,
    seconds: t.wallSeconds,
    proxyCpuSeconds: t.cpuSeconds,
    handshakesPerCpuSecond: t.cpuSeconds > 0 ? t.ok / t.cpuSeconds : Number.POSITIVE_INFINITY,
    handshakesPerSecond: t.ok / t.wallSeconds,
  };
  const threads: Record<string, number> = {};
  for (const [name, ticks] of t.threads) threads[name] = Math.round(((ticks * 10) / Math.max(1, t.ok)) * 1000) / 1000;
  entry.run.threads[kind] = threads;
}

/** `perf record` of one process until the returned function is called (perf(1) must be installed). */
function startPerf(pid: number, file: string): () => Promise<void> {
  const perf = spawn('perf', ['record', '-q', '-e', 'cpu-clock', '-F', '1999', '-g', '-p', String(pid), '-o', file], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => {
    perf.once('exit', () => resolve());
    perf.once('error', () => resolve());
  });
  return () => {
    perf.kill('SIGINT');
    return exited;
  };
}

/** CPU seconds of every thread of the process, from /proc/<pid>/task/<tid>/schedstat (time on CPU, ns). */
function schedCpuSeconds(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended
    }
  }
  return ns / 1e9;
}

function perCpu(run: HandshakeSideRun, kind: SecretKind): number {
  return run.results[kind]?.handshakesPerCpuSecond ?? Number.NaN;
}

/** CPU ticks of the main thread (user and system) and of all the others (libuv pool, V8 helpers) (proc(5): /proc/<pid>/task/<tid>/stat). */
function threadCpu(pid: number): Map<string, number> {
  const ticks = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended
    }
    // Node 20 leaves every thread named "node": the main thread is the one whose id is the process id.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const add = (name: string, t: number) => ticks.set(name, (ticks.get(name) ?? 0) + t);
    if (tid === String(pid)) {
      add('main user', Number(fields[11]));
      add('main system', Number(fields[12]));
    } else {
      add('helpers', Number(fields[11]) + Number(fields[12]));
    }
  }
  return ticks;
}

/** `node <launch flags> <checkout>/bin/mtshield.js run --config FILE`, as child.ts starts this checkout. */
async function startCheckout(side: HandshakeSide, run: number, dcPort: number, users: ProxyUser[], options: HandshakeAbOptions): Promise<ListeningProcess> {
  const { profileDir, perfDir } = options;
  const dir = mkdtempSync(join(tmpdir(), 'mtshield-hs-ab-'));
  const port = await freePort();
  const configPath = join(dir, 'proxy.toml');
  // `workers` is newer than some checkouts worth comparing (6073e74 rejects it); 1 is its default.
  writeFileSync(configPath, proxyConfig(port, join(dir, 'state'), { dcPort, users, fastMode: false }).replace(/^workers = 1\n/m, ''));
  const profiling = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${resolve(profileDir)}`, `--cpu-prof-name=${side.label}-${run + 1}.cpuprofile`] : [];
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  if (perfDir) {
    mkdirSync(perfDir, { recursive: true });
    profiling.push('--perf-basic-prof');
  }
  return launchListening({
    command: process.execPath,
    args: [...RUN_NODE_FLAGS, ...profiling, join(resolve(side.checkout), 'bin/mtshield.js'), 'run', '--config', configPath],
    env: { ...process.env, NODE_ENV: 'production', ...RUN_ENV, ...side.env },
    port,
    dir,
  });
}

export function renderHandshakeAb(report: HandshakeAbReport): string {
  const lines = ['handshakes per proxy CPU-second (every run in order; median / worst)'];
  for (const [side, kinds] of Object.entries(report.summary)) {
    for (const kind of KINDS) {
      const s = kinds[kind];
      if (!s) continue;
      lines.push(`  ${side.padEnd(12)} ${kind}: ${s.runs.map((v) => v.toFixed(0)).join(', ')}  (${s.median.toFixed(0)} / ${s.worst.toFixed(0)})`);
      const threads = report.runs.filter((r) => r.side === side).map((r) => r.threads[kind]).at(-1);
      if (threads) lines.push(`  ${''.padEnd(12)}     ms per handshake by thread (last run): ${Object.entries(threads).filter(([, ms]) => ms > 0).map(([n, ms]) => `${n} ${ms}`).join(', ')}`);
    }
  }
  return lines.join('\n') + '\n';
}

export function writeReport(path: string, report: HandshakeAbReport): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(report, null, 2) + '\n');
}
