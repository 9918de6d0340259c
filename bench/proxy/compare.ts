/**
 * The proxy benchmark's peer mode (issue 17; docs/benchmarks.md, "Peer mode"): mtshield and the peer,
 * alexbers/mtprotoproxy with FAST_MODE off, on the same harness, load and secrets, in one run. Each run
 * measures both sides, in alternating order (run 0 mtshield first, run 1 the peer first, …), and every figure
 * is reported per run with its median and worst; compare-report.ts turns them into ratios and PASS/FAIL
 * lines. Without a peer checkout, mtshield is measured alone and the peer is reported skipped.
 *
 * `upstreams` (issue 12): direct mode (the fake DC), middle mode (both sides through one local echo middle
 * proxy, fake-middle.ts, with the same ad tag; the peer's downloads from core.telegram.org replaced in its
 * launcher, peer/config.ts), or both — then every side runs in each mode, all alternating in one run, and
 * mtshield's middle mode is also set against its own direct mode.
 *
 * `floors` (docs/benchmarks.md, "Floor subjects"): small plain Node programs (floor/) run beside both in the same
 * alternating order, in direct mode, through admission, rtt and throughput: what Node itself costs on this harness.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { applyGcMode } from '../../src/util/gc-mode.js';
import { formatSecret, generateSecret, type ParsedSecret } from '../../src/protocol/secrets.js';
import { collectEnvironment, type Environment } from '../report/environment.js';
import { createProgress } from '../report/progress.js';
import { startProxy } from './child.js';
import { startEchoDc } from './fake-dc.js';
import { startEchoMiddleProxy, writeMiddleUpstreamToml, type EchoMiddleProxy } from './fake-middle.js';
import { startFrontSink } from './front-sink.js';
import { floodLatency, floodSources, type FloodResult } from './flood.js';
import type { ListeningProcess } from './launch.js';
import { attempt, withProcess } from './guard.js';
import { admission, junkHellos, latency, type AdmissionResult, type JunkKind, type JunkResult, type LatencyResult } from './per-connection.js';
import { DEFAULT_PEER_PYTHON, peerUnavailable, startPeer } from './peer/start.js';
import { procAvailable } from './proc.js';
import { idleMemory, throughput, type IdleMemoryResult, type Target, type ThroughputResult } from './scenarios.js';
import { alternationOrder } from './stats.js';
import { evaluatePeerTargets, peerFigures, type FigureGroup, type PeerFigure, type PeerTarget } from './compare-report.js';
import { randomBytes } from 'node:crypto';
import { startFloor, type FloorKind } from './floor/start.js';
import { startEchoTarget, type EchoTarget } from './floor/echo-target.js';
import { floorReport, type FloorReport } from './floor/report.js';

export const PEER_SCENARIOS = ['admission', 'rtt', 'throughput', 'idle', 'junk', 'flood'] as const;
export type PeerScenario = (typeof PEER_SCENARIOS)[number];
export type FloorSide = `floor-${FloorKind}`;
export type SideName = 'mtshield' | 'peer' | FloorSide;
export const BENCH_UPSTREAMS = ['direct', 'middle'] as const;
export type BenchUpstream = (typeof BENCH_UPSTREAMS)[number];

export function isPeerScenario(name: string): name is PeerScenario {
  return (PEER_SCENARIOS as readonly string[]).includes(name);
}

export interface PeerBenchOptions {
  peerDir?: string;
  peerPython?: string;
  scenarios?: PeerScenario[];
  runs?: number;
  /** Idle connections held at the end of the idle scenario (two batches of half each). */
  idleConnections?: number;
  quick?: boolean;
  progress?: boolean;
  kernel?: string;
  /** Direct mode (default), middle mode, or both in one run. */
  upstreams?: BenchUpstream[];
  /** Floor subjects run beside mtshield and the peer (direct mode only). */
  floors?: FloorKind[];
  jsonPath?: string;
  log?: (line: string) => void;
}

/** One side's figures in one run. */
export interface SideRun {
  side: SideName;
  /** Absent in reports from before middle mode: direct. */
  upstream?: BenchUpstream;
  run: number;
  admission?: AdmissionResult;
  /** The same admission scenario again in the same process: the cost once the process is warm (JIT, pools). */
  admissionWarm?: AdmissionResult;
  latency?: LatencyResult;
  throughput: { dd?: ThroughputResult; ee?: ThroughputResult };
  idle?: IdleMemoryResult & { handshakesPerSecond: number };
  junk: JunkResult[];
  flood?: FloodResult;
  /** Middle mode: idle clients per link to the echo middle proxy at the idle scenario's peak. */
  clientsPerLink?: number;
  errors: string[];
}

export interface PeerBenchReport {
  schema: 'mtshield.bench.proxy-peer/1';
  environment: Environment;
  settings: typeof FULL & { runs: number; scenarios: PeerScenario[]; kernel: string; upstreams: BenchUpstream[]; floors?: FloorKind[] };
  peer: { measured: boolean; reason?: string; dir?: string; python?: string; version?: string };
  /** The order of sides in each run ("mtshield", "peer", "mtshield/middle", …). */
  order: string[][];
  runs: SideRun[];
  figures: PeerFigure[];
  targets: PeerTarget[];
  /** With floor subjects: every figure by subject, ratios to the peer, the dial's share, slow round trips. */
  floors?: FloorReport;
  durationSeconds: number;
}

const FULL = {
  admissionClients: 1000,
  admissionBatch: 50,
  rttSamples: 2000,
  rttWarmup: 200,
  rttFrameBytes: 100,
  throughputConnections: 4,
  throughputFrameBytes: 65_536,
  throughputSeconds: 4,
  throughputWarmupSeconds: 1,
  idleConnections: 2000,
  idleConcurrency: 32,
  junkHellos: 200,
  junkConcurrency: 4,
  junkUsers: [10, 2000],
  /**
   * Junk hellos from one address (127.0.0.1: a per-source throttle bounds it) and from 64 in turn (127.0.0.2 …:
   * none uses up its budget, so every hello gets a full key search), against the same process.
   */
  junkSources: [1, 64],
  /** Hellos sent first, one per address of 127.0.1.0/24, not measured: a long-running proxy has its handshake path compiled. */
  junkWarmup: 16,
  floodSamples: 1000,
  floodWarmup: 100,
};
const QUICK: typeof FULL = {
  ...FULL,
  admissionClients: 200,
  rttSamples: 300,
  rttWarmup: 50,
  throughputSeconds: 2,
  throughputWarmupSeconds: 0.5,
  idleConnections: 400,
  junkHellos: 50,
  floodSamples: 200,
  floodWarmup: 20,
};

const FRONT_DOMAIN = 'www.example.com';
const JUNK_KINDS: JunkKind[] = ['faketls', 'obfuscated2'];
/** The junk-hello scenario sends hundreds of failing hellos from 127.0.0.1: the detector must not block it. */
const ANOMALY_LIFTED = `
[anomaly]
handshake_failures_per_ip = 1000000
handshake_failures_per_subnet = 1000000
wrong_secrets_per_ip = 1000000
replays_per_ip = 1000000
`;

interface BenchUser {
  name: string;
  secret: ParsedSecret;
}
type Starter = (users: BenchUser[], junk: boolean, upstream: BenchUpstream) => Promise<ListeningProcess>;
/** The scenarios a floor subject runs: `crypto-echo` dials nothing, so only its admission says something. */
const FLOOR_SCENARIOS: Record<FloorKind, readonly PeerScenario[]> = { pipe: ['admission', 'rtt', 'throughput'], crypto: ['admission', 'rtt', 'throughput'], 'crypto-echo': ['admission'] };
const floorKind = (side: SideName): FloorKind | undefined => (side.startsWith('floor-') ? (side.slice('floor-'.length) as FloorKind) : undefined);
/** One side in one mode, and its label in the order. */
interface Entry {
  side: SideName;
  upstream: BenchUpstream;
}
const labelOf = (e: Entry) => (e.upstream === 'direct' ? e.side : `${e.side}/${e.upstream}`);

export async function runPeerBench(options: PeerBenchOptions = {}): Promise<PeerBenchReport> {
  if (!procAvailable()) throw new Error('the proxy benchmark reads /proc/<pid>/stat and /status: Linux only');
  applyGcMode('single-threaded');
  const started = Date.now();
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const base = options.quick ? QUICK : FULL;
  const scenarios = options.scenarios ?? [...PEER_SCENARIOS];
  const runs = Math.max(1, options.runs ?? (options.quick ? 1 : 5));
  const upstreams = options.upstreams?.length ? [...new Set(options.upstreams)] : (['direct'] as BenchUpstream[]);
  const floors = [...new Set(options.floors ?? [])];
  const settings = { ...base, idleConnections: options.idleConnections ?? base.idleConnections, runs, scenarios, kernel: options.kernel ?? 'auto', upstreams, ...(floors.length > 0 ? { floors } : {}) };
  const skipped = peerUnavailable(options.peerDir);
  if (skipped) log(skipped);
  const python = options.peerPython ?? DEFAULT_PEER_PYTHON;
  const peer: PeerBenchReport['peer'] = skipped ? { measured: false, reason: skipped } : { measured: true, dir: options.peerDir, python, version: pythonVersion(python) };
  const fdProblem = scenarios.includes('idle') ? fdShortfall(settings.idleConnections) : undefined;
  if (fdProblem) log(fdProblem);

  const environment = collectEnvironment();
  const dc = await startEchoDc();
  const sink = await startFrontSink();
  const env: Record<string, string> = options.kernel ? { MTSHIELD_KERNEL_AES_256_CTR: options.kernel } : {};
  // middle mode: one echo middle proxy for both sides, the same ad tag in every request of either
  const middle: EchoMiddleProxy | undefined = upstreams.includes('middle') ? await startEchoMiddleProxy() : undefined;
  const adTagHex = randomBytes(16).toString('hex');
  const middleToml = middle ? writeMiddleUpstreamToml(middle, adTagHex) : '';
  const secrets = { dd: generateSecret('dd'), ee: generateSecret('ee', FRONT_DOMAIN) };
  const keys = [secrets.dd.key, secrets.ee.key];
  // the pipe floor's upstream: the clients' crypto and the echo, in this process like the fake DC
  const echoTarget: EchoTarget | undefined = floors.includes('pipe') ? await startEchoTarget(keys.map((k) => Buffer.from(k))) : undefined;
  const floorStarter = (kind: FloorKind): Starter => () => startFloor(kind, { upstreamPort: kind === 'pipe' ? echoTarget!.port : dc.port, secrets: keys });
  const starters: Record<SideName, Starter> = {
    'floor-pipe': floorStarter('pipe'),
    'floor-crypto': floorStarter('crypto'),
    'floor-crypto-echo': floorStarter('crypto-echo'),
    mtshield: (users, junk, upstream) =>
      startProxy({
        dcPort: dc.port,
        frontPort: sink.port,
        users: users.map((u) => ({ name: u.name, secret: formatSecret(u.secret, 'hex') })),
        fastMode: false,
        env,
        extraToml: (junk ? ANOMALY_LIFTED : '') + (upstream === 'middle' ? middleToml : '') || undefined,
      }),
    peer: (users, _junk, upstream) =>
      startPeer({
        peerDir: options.peerDir!,
        python,
        dcPort: dc.port,
        frontPort: sink.port,
        users: users.map((u) => ({ name: u.name, keyHex: Buffer.from(u.secret.key).toString('hex') })),
        tlsDomain: FRONT_DOMAIN,
        middle: upstream === 'middle' && middle ? { port: middle.port, secretHex: middle.secret.toString('hex'), adTagHex } : undefined,
      }),
  };
  const mainUsers: BenchUser[] = [
    { name: 'bench_dd', secret: secrets.dd },
    { name: 'bench_ee', secret: secrets.ee },
  ];
  const sides: SideName[] = skipped ? ['mtshield'] : ['mtshield', 'peer'];
  const floorSides = floors.map((kind): SideName => `floor-${kind}`);
  const order = alternationOrder<Entry>(
    runs,
    upstreams.flatMap((upstream) => [...sides, ...(upstream === 'direct' ? floorSides : [])].map((side) => ({ side, upstream }))),
  );
  const progress = createProgress(order.flat().length, options.progress ?? true);
  const results: SideRun[] = [];
  try {
    for (const [run, entries] of order.entries()) {
      for (const { side, upstream } of entries) {
        progress.tick(`run ${run + 1}/${runs}: ${labelOf({ side, upstream })}`);
        const result: SideRun = { side, run, throughput: {}, junk: [], errors: [] };
        if (upstream !== 'direct') result.upstream = upstream;
        results.push(result);
        const onError = (message: string) => result.errors.push(message);
        const start = (users: BenchUser[], junk: boolean) => starters[side](users, junk, upstream);
        const kind = floorKind(side);
        const scenarios = kind ? settings.scenarios.filter((s) => FLOOR_SCENARIOS[kind].includes(s)) : settings.scenarios;
        const target = (proc: ListeningProcess, secret: ParsedSecret): Target => ({ host: '127.0.0.1', port: proc.port, pid: proc.pid, secret, dc: 2, dcPort: dc.port });
        if (scenarios.some((s) => s === 'admission' || s === 'rtt' || s === 'throughput')) {
          await withProcess(() => start(mainUsers, false), async (proc) => {
            const ee = target(proc, secrets.ee);
            if (scenarios.includes('admission')) {
              const admit = () => admission(ee, { clients: settings.admissionClients, batchSize: settings.admissionBatch });
              result.admission = await attempt(result, 'admission', admit);
              // The first clients of a fresh Node process also pay for compiling its code; a second round shows
              // what a long-running proxy pays per client in a reconnect storm. Both are reported.
              result.admissionWarm = await attempt(result, 'admission (warm)', admit);
            }
            if (scenarios.includes('rtt')) {
              result.latency = await attempt(result, 'rtt', () => latency(ee, { samples: settings.rttSamples, warmup: settings.rttWarmup, frameBytes: settings.rttFrameBytes }));
            }
            if (scenarios.includes('throughput')) {
              // dd first, then ee in the same process: the order in which issue 17 saw ee's bad mode.
              for (const kind of ['dd', 'ee'] as const) {
                result.throughput[kind] = await attempt(result, `throughput ${kind}`, () =>
                  throughput(target(proc, secrets[kind]), {
                    connections: settings.throughputConnections,
                    frameBytes: settings.throughputFrameBytes,
                    seconds: settings.throughputSeconds,
                    warmupSeconds: settings.throughputWarmupSeconds,
                    rounds: 1,
                  }),
                );
              }
            }
          }, onError);
        }
        if (scenarios.includes('idle')) {
          if (fdProblem) result.errors.push(`idle: ${fdProblem}`);
          else
            await withProcess(() => start(mainUsers, false), async (proc) => {
              const perBatch = Math.max(1, Math.floor(settings.idleConnections / 2));
              const links = middle && upstream === 'middle' ? peakLinks(middle) : undefined;
              const idle = await attempt(result, 'idle', () => idleMemory(target(proc, secrets.ee), { connections: perBatch, concurrency: settings.idleConcurrency })).finally(
                () => links?.stop(),
              );
              // The rate at the larger size: the second batch opens with the first one's connections held.
              if (idle) result.idle = { ...idle, handshakesPerSecond: perBatch / idle.secondBatchSeconds };
              // both batches are open at the peak
              if (idle && links && links.peak() > 0) result.clientsPerLink = (2 * perBatch - idle.failed) / links.peak();
            }, onError);
        }
        // junk hellos and the flood never reach an upstream: measured once, in direct mode
        const handshakeOnly = upstream === upstreams[0];
        if (scenarios.includes('junk') && handshakeOnly) {
          for (const kind of JUNK_KINDS) {
            for (const count of settings.junkUsers) {
              const users = junkUsers(kind, count);
              await withProcess(() => start(users, true), async (proc) => {
                const junkTarget = target(proc, users[0]!.secret);
                const warmupSources = Array.from({ length: settings.junkWarmup }, (_, i) => `127.0.1.${i + 2}`);
                await attempt(result, `junk ${kind} ${count} users warm-up`, () =>
                  junkHellos(junkTarget, { kind, domain: FRONT_DOMAIN, users: count, count: settings.junkWarmup, concurrency: settings.junkConcurrency, sources: warmupSources }),
                );
                for (const sources of settings.junkSources) {
                  const junk = await attempt(result, `junk ${kind} ${count} users ${sources} sources`, () =>
                    junkHellos(junkTarget, {
                      kind,
                      domain: FRONT_DOMAIN,
                      users: count,
                      count: settings.junkHellos,
                      concurrency: settings.junkConcurrency,
                      sources: sources > 1 ? floodSources(sources) : undefined,
                    }),
                  );
                  if (junk) result.junk.push(junk);
                }
              }, onError);
            }
          }
        }
        if (scenarios.includes('flood') && handshakeOnly) {
          await withProcess(() => start(mainUsers, true), async (proc) => {
            result.flood = await attempt(result, 'flood', () =>
              floodLatency(target(proc, secrets.ee), { domain: FRONT_DOMAIN, samples: settings.floodSamples, warmup: settings.floodWarmup, frameBytes: settings.rttFrameBytes }),
            );
          }, onError);
        }
        for (const e of result.errors) log(`${labelOf({ side, upstream })} run ${run + 1}: ${e.split('\n')[0]}`);
      }
    }
  } finally {
    progress.stop();
    await dc.close();
    await sink.close();
    await middle?.close();
    await echoTarget?.close();
  }
  const groups: FigureGroup[] = [];
  if (upstreams.includes('direct')) groups.push('direct');
  if (upstreams.includes('middle')) groups.push('middle');
  if (upstreams.length > 1) groups.push('middle-vs-direct');
  const figures = groups.flatMap((group) => peerFigures(results, scenarios, group));
  const report: PeerBenchReport = {
    schema: 'mtshield.bench.proxy-peer/1',
    environment,
    settings,
    peer,
    order: order.map((entries) => entries.map(labelOf)),
    runs: results,
    figures,
    targets: evaluatePeerTargets(figures, peer.measured),
    ...(floors.length > 0 ? { floors: floorReport(results) } : {}),
    durationSeconds: (Date.now() - started) / 1000,
  };
  if (options.jsonPath) {
    mkdirSync(dirname(options.jsonPath), { recursive: true });
    writeFileSync(options.jsonPath, JSON.stringify(report, null, 2) + '\n');
  }
  return report;
}

/** Users of the junk scenario: all ee with the same domain (fake-TLS hellos) or all dd (obfuscated2). */
function junkUsers(kind: JunkKind, count: number): BenchUser[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `junk_${i}`,
    secret: kind === 'faketls' ? generateSecret('ee', FRONT_DOMAIN) : generateSecret('dd'),
  }));
}

/**
 * The file descriptors the idle scenario needs in this process (each idle client socket and its fake-DC
 * socket) against the soft limit; Node cannot raise its own limit, so the shell must (`ulimit -n`).
 */
export function fdShortfall(idleConnections: number, limits = readNoFileLimit()): string | undefined {
  const need = 2 * idleConnections + 512;
  if (limits === undefined || need <= limits) return undefined;
  return `${idleConnections} idle connections need about ${need} open files in the benchmark process, the limit is ${limits}: run it under \`ulimit -n ${Math.max(need, 65536)}\``;
}

function readNoFileLimit(): number | undefined {
  try {
    const line = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1];
    return line === undefined || line === 'unlimited' ? undefined : Number(line);
  } catch {
    return undefined;
  }
}

function pythonVersion(python: string): string | undefined {
  try {
    const code = 'import sys, cryptography; print("python", sys.version.split()[0], "cryptography", cryptography.__version__)';
    return execFileSync(python, ['-c', code], { encoding: 'utf8', timeout: 10_000 }).trim();
  } catch (err) {
    return `unknown (${(err as Error).message.split('\n')[0]})`;
  }
}

/** The most links the echo middle proxy held, sampled every 100 ms until stop(). */
function peakLinks(middle: EchoMiddleProxy): { peak(): number; stop(): void } {
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, middle.links())), 100);
  return { peak: () => peak, stop: () => clearInterval(sampler) };
}
