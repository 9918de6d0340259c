/**
 * CPU per GB relayed, two checkouts side by side (issue 10: "CPU per GB must not be worse"): a throughput-only
 * A/B driver. Each side is a checkout with a build (dist/, build/*.wasm); its proxy is started as an operator
 * would (`node --max-semi-space-size=2 <checkout>/bin/mtshield.js run`, MALLOC_TRIM_THRESHOLD_ set, src/util/launch.ts)
 * against this process's echo DC and load generator (scenarios.ts `throughput`), for dd and ee secrets with fast
 * mode off and on. Runs alternate (a b, b a, …) so slow phases of a shared machine fall on both sides alike.
 *
 * Besides CPU-s per GB (from /proc/<pid>/stat) it reads /proc/<pid>/io: write and read system calls per MB
 * relayed, so a change in how the proxy chunks its reads and writes (TLS records, read sizes) shows at once; and,
 * through a preload in the proxy (gc-observer.ts), mark-compacts and GC time per GB (issue 17's bad mode).
 *
 *   npx tsx bench/proxy/gb-ab.ts --side base=../baseline --side main=.[,VAR=VALUE…] [--runs 3] [--seconds 3]
 *     [--rounds 3] [--cases dd-off,ee-off,dd-on,ee-on] [--node-arg --cpu-prof …] [--json FILE]
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { formatSecret, generateSecret, type ParsedSecret } from '../../src/protocol/secrets.js';
import { applyGcMode } from '../../src/util/gc-mode.js';
import { RUN_ENV, RUN_NODE_FLAGS } from '../../src/util/launch.js';
import { proxyConfig } from './child.js';
import { startEchoDc } from './fake-dc.js';
import { freePort, launchListening, type ListeningProcess } from './launch.js';
import { cpuSeconds } from './proc.js';
import type { GcTotals } from './gc-observer.js';
import { throughput, type ThroughputRound } from './scenarios.js';
import { alternationOrder, summarize, type RunSummary } from './stats.js';

export interface GbSide {
  name: string;
  checkout: string;
  /** Extra environment for this side's proxy (e.g. MTSHIELD_GC_PACE=off). */
  env?: Record<string, string>;
}

export interface GbCase {
  secret: 'dd' | 'ee';
  fastMode: boolean;
}

/** One side's throughput in one run of one case, with the proxy's system calls per MB relayed. */
export interface GbMeasurement {
  side: string;
  run: number;
  case: string;
  rounds: (ThroughputRound & { writesPerMB: number; readsPerMB: number; majorGcPerGB: number; majorExternalPerGB: number; minorGcPerGB: number; gcMsPerGB: number })[];
  /** The median round by CPU-s per GB. */
  cpuSecondsPerGB: number;
  writesPerMB: number;
  readsPerMB: number;
  /** Mark-compacts per GB relayed in the median round (gc-observer.ts; NaN without it). */
  majorGcPerGB: number;
  error?: string;
}

export interface GbReport {
  schema: 'mtshield.bench.gb-ab/1';
  sides: GbSide[];
  settings: { runs: number; seconds: number; rounds: number; connections: number; frameBytes: number; nodeArgs: string[] };
  measurements: GbMeasurement[];
  /** Per case and side: CPU-s per GB (median rounds of every run), median and worst over runs. */
  summary: Record<string, Record<string, { cpuSecondsPerGB: RunSummary; writesPerMB: RunSummary; readsPerMB: RunSummary; majorGcPerGB: RunSummary }>>;
}

const caseName = (c: GbCase) => `${c.secret}-${c.fastMode ? 'on' : 'off'}`;

interface Mark {
  writes: number;
  reads: number;
  gc: GcTotals | undefined;
}

/** write(2)/read(2)-family calls so far (proc(5) /proc/<pid>/io syscw, syscr) and the GC totals the preload wrote. */
function mark(pid: number, gcFile: string): Mark {
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  let gc: GcTotals | undefined;
  try {
    gc = JSON.parse(readFileSync(gcFile, 'utf8')) as GcTotals;
  } catch {
    gc = undefined; // not written yet, or no preload
  }
  return { writes: Number(/^syscw:\s+(\d+)/m.exec(io)?.[1]), reads: Number(/^syscr:\s+(\d+)/m.exec(io)?.[1]), gc };
}

/** The GC counter preload, built beside this module (dist/bench/proxy/gc-observer.js); undefined when not built. */
function gcObserverUrl(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [join(here, 'gc-observer.js'), resolve(here, '../../dist/bench/proxy/gc-observer.js')]) {
    if (existsSync(candidate)) return pathToFileURL(candidate).href;
  }
  return undefined;
}

async function startSide(side: GbSide, dcPort: number, secret: string, fastMode: boolean, nodeArgs: string[]): Promise<ListeningProcess & { gcFile: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'mtshield-gb-'));
  const gcFile = join(dir, 'gc.json');
  const observer = gcObserverUrl();
  const port = await freePort();
  // `workers` is left out: checkouts from before workers reject no key but need none (one process either way).
  const config = proxyConfig(port, join(dir, 'state'), { dcPort, fastMode, users: [{ name: 'bench', secret }] }).replace(/^workers = .*\n/m, '');
  writeFileSync(join(dir, 'proxy.toml'), config);
  const proc = await launchListening({
    command: process.execPath,
    args: [...RUN_NODE_FLAGS, ...(observer ? ['--import', observer] : []), ...nodeArgs, join(side.checkout, 'bin/mtshield.js'), 'run', '--config', join(dir, 'proxy.toml')],
    env: { ...process.env, NODE_ENV: 'production', ...RUN_ENV, MTSHIELD_NO_REEXEC: '1', MTSHIELD_BENCH_GC_FILE: gcFile, ...side.env },
    port,
    dir,
  });
  return { ...proc, gcFile };
}

export async function runGbAb(options: {
  sides: GbSide[];
  cases: GbCase[];
  runs: number;
  seconds: number;
  rounds: number;
  nodeArgs: string[];
  log: (line: string) => void;
}): Promise<GbReport> {
  applyGcMode('single-threaded');
  const settings = { runs: options.runs, seconds: options.seconds, rounds: options.rounds, connections: 4, frameBytes: 65_536, nodeArgs: options.nodeArgs };
  const secrets = new Map<string, ParsedSecret>([
    ['dd', generateSecret('dd')],
    ['ee', generateSecret('ee', 'www.example.com')],
  ]);
  const dc = await startEchoDc();
  const measurements: GbMeasurement[] = [];
  try {
    for (let run = 0; run < options.runs; run++) {
      for (const c of options.cases) {
        for (const side of alternationOrder(options.runs, options.sides)[run]!) {
          const parsed = secrets.get(c.secret)!;
          const m: GbMeasurement = { side: side.name, run, case: caseName(c), rounds: [], cpuSecondsPerGB: NaN, writesPerMB: NaN, readsPerMB: NaN, majorGcPerGB: NaN };
          measurements.push(m);
          let proxy: (ListeningProcess & { gcFile: string }) | undefined;
          try {
            proxy = await startSide(side, dc.port, formatSecret(parsed, 'hex'), c.fastMode, options.nodeArgs);
            const { pid, gcFile } = proxy;
            const result = await throughput(
              {
                host: '127.0.0.1',
                port: proxy.port,
                pid,
                secret: parsed,
                dc: 2,
                // Each round reads CPU twice (start, end); the system calls are read alongside at the end.
                cpuSeconds: () => cpuAndMark(pid, gcFile),
              },
              { connections: settings.connections, frameBytes: settings.frameBytes, seconds: options.seconds, warmupSeconds: 1, rounds: options.rounds },
            );
            // The throughput scenario reads CPU at the start and end of each round: cpuAndMark took the system
            // call and GC counts with each reading.
            const marks = takeMarks();
            m.rounds = result.rounds.map((r, i) => {
              const a = marks[2 * i]!;
              const b = marks[2 * i + 1]!;
              const mb = r.bytesRelayed / 1e6;
              const gb = mb / 1e3;
              const gcDelta = (key: keyof GcTotals) => (a.gc && b.gc ? (b.gc[key] - a.gc[key]) / gb : NaN);
              return {
                ...r,
                writesPerMB: (b.writes - a.writes) / mb,
                readsPerMB: (b.reads - a.reads) / mb,
                majorGcPerGB: gcDelta('major'),
                majorExternalPerGB: gcDelta('majorExternal'),
                minorGcPerGB: gcDelta('minor'),
                gcMsPerGB: gcDelta('majorMs') + gcDelta('minorMs'),
              };
            });
            const median = [...m.rounds].sort((x, y) => x.cpuSecondsPerGB - y.cpuSecondsPerGB)[m.rounds.length >> 1]!;
            m.cpuSecondsPerGB = median.cpuSecondsPerGB;
            m.writesPerMB = median.writesPerMB;
            m.readsPerMB = median.readsPerMB;
            m.majorGcPerGB = median.majorGcPerGB;
            if (!result.echoVerified) m.error = 'echo mismatch';
          } catch (err) {
            m.error = (err as Error).message;
          } finally {
            takeMarks();
            await proxy?.stop();
          }
          options.log(
            `run ${run + 1} ${m.case.padEnd(6)} ${side.name.padEnd(8)} CPU-s/GB ${m.rounds.map((r) => r.cpuSecondsPerGB.toFixed(2)).join(' ')}` +
              ` (median ${m.cpuSecondsPerGB.toFixed(2)})  writes/MB ${m.writesPerMB.toFixed(1)}  reads/MB ${m.readsPerMB.toFixed(1)}` +
              `  mark-compacts/GB ${m.rounds.map((r) => r.majorGcPerGB.toFixed(0)).join(' ')} (external ${m.rounds.map((r) => r.majorExternalPerGB.toFixed(0)).join(' ')})` +
              `  scavenges/GB ${m.rounds.map((r) => r.minorGcPerGB.toFixed(0)).join(' ')}  GC ms/GB ${m.rounds.map((r) => r.gcMsPerGB.toFixed(0)).join(' ')}` +
              `  MB/s ${m.rounds.map((r) => r.mbPerSec.toFixed(0)).join(' ')}  cpu share ${m.rounds.map((r) => r.proxyCpuShare.toFixed(2)).join(' ')}${m.error ? `  ERROR ${m.error}` : ''}`,
          );
        }
      }
    }
  } finally {
    await dc.close();
  }
  const summary: GbReport['summary'] = {};
  for (const c of options.cases) {
    const name = caseName(c);
    summary[name] = {};
    for (const side of options.sides) {
      const of = measurements.filter((m) => m.case === name && m.side === side.name && !m.error);
      summary[name]![side.name] = {
        cpuSecondsPerGB: summarize(of.map((m) => m.cpuSecondsPerGB)),
        writesPerMB: summarize(of.map((m) => m.writesPerMB)),
        readsPerMB: summarize(of.map((m) => m.readsPerMB)),
        majorGcPerGB: summarize(of.map((m) => m.majorGcPerGB)),
      };
    }
  }
  return { schema: 'mtshield.bench.gb-ab/1', sides: options.sides, settings, measurements, summary };
}

let marks: Mark[] = [];
function cpuAndMark(pid: number, gcFile: string): number {
  marks.push(mark(pid, gcFile));
  return cpuSeconds(pid);
}
function takeMarks(): Mark[] {
  const taken = marks;
  marks = [];
  return taken;
}

function parseArgs(argv: string[]) {
  const sides: GbSide[] = [];
  const nodeArgs: string[] = [];
  let runs = 3;
  let seconds = 3;
  let rounds = 3;
  let json: string | undefined;
  let cases: GbCase[] = [
    { secret: 'dd', fastMode: false },
    { secret: 'ee', fastMode: false },
    { secret: 'dd', fastMode: true },
    { secret: 'ee', fastMode: true },
  ];
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`${flag} expects a value`);
    i++;
    if (flag === '--side') {
      // NAME=CHECKOUT[,VAR=VALUE…]: the proxy of this side also gets those environment variables
      const [spec, ...vars] = value.split(',');
      const eq = spec!.indexOf('=');
      if (eq < 1) throw new Error(`--side expects NAME=CHECKOUT[,VAR=VALUE…], got "${value}"`);
      const env = Object.fromEntries(vars.map((v) => [v.slice(0, v.indexOf('=')), v.slice(v.indexOf('=') + 1)]));
      sides.push({ name: spec!.slice(0, eq), checkout: resolve(spec!.slice(eq + 1)), env });
    } else if (flag === '--runs') runs = Number(value);
    else if (flag === '--seconds') seconds = Number(value);
    else if (flag === '--rounds') rounds = Number(value);
    else if (flag === '--json') json = value;
    else if (flag === '--node-arg') nodeArgs.push(value);
    else if (flag === '--cases')
      cases = value.split(',').map((name) => {
        const [secret, fast] = name.split('-');
        if ((secret !== 'dd' && secret !== 'ee') || (fast !== 'on' && fast !== 'off')) throw new Error(`unknown case "${name}"`);
        return { secret, fastMode: fast === 'on' };
      });
    else throw new Error(`unknown flag ${flag}`);
  }
  if (sides.length === 0) throw new Error('give at least one --side NAME=CHECKOUT');
  return { sides, nodeArgs, runs, seconds, rounds, json, cases };
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  const args = parseArgs(process.argv.slice(2));
  const report = await runGbAb({ ...args, log: (line) => console.log(line) });
  for (const [name, bySide] of Object.entries(report.summary)) {
    console.log(
      `${name.padEnd(6)} ` +
        Object.entries(bySide)
          .map(([side, s]) => `${side}: ${s.cpuSecondsPerGB.runs.map((v) => v.toFixed(2)).join(', ')} (median ${s.cpuSecondsPerGB.median.toFixed(2)}, worst ${s.cpuSecondsPerGB.worst.toFixed(2)}; writes/MB ${s.writesPerMB.median.toFixed(1)}; mark-compacts/GB ${s.majorGcPerGB.median.toFixed(0)})`)
          .join('  |  '),
    );
  }
  if (args.json) {
    mkdirSync(dirname(args.json), { recursive: true });
    writeFileSync(args.json, JSON.stringify(report, null, 2) + '\n');
  }
}
