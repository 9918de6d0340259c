/**
 * The proxy benchmark (issue 3, "Benchmark"): the proxy as a child process, an echo DC and a load
 * generator in this process, all on 127.0.0.1. For dd and ee secrets with fast mode off and on it reports
 * throughput, the proxy's CPU seconds per GB relayed, handshakes per CPU-second and resident memory per
 * idle handshaken connection; `--soak` adds RSS over time under steady load with churn. Middle mode (issue 12)
 * runs in the same run against a local echo middle proxy (fake-middle.ts), fast mode off, with clients per link
 * counted at the middle proxy. `[server] workers` = 1 and 2 are compared in the same run, alternating, with
 * idle connections across two workers (workers.ts). Targets are printed as PASS/FAIL/N/A lines and written to
 * the JSON.
 */
import { applyGcMode } from '../../src/util/gc-mode.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { formatSecret, generateSecret, type ParsedSecret } from '../../src/protocol/secrets.js';
import { collectEnvironment, type Environment } from '../report/environment.js';
import { createProgress } from '../report/progress.js';
import { proxyChart } from '../report/proxy-chart.js';
import { startEchoDc } from './fake-dc.js';
import { startProxy, type ProxyOptions, type ProxyUnderTest } from './child.js';
import { startEchoMiddleProxy, writeMiddleUpstreamToml } from './fake-middle.js';
import { attempt, withProcess } from './guard.js';
import { procAvailable } from './proc.js';
import {
  handshakes,
  idleMemory,
  throughput,
  type HandshakeResult,
  type IdleMemoryResult,
  type Target,
  type ThroughputResult,
} from './scenarios.js';
import { soak, SOAK_TOLERANCE, type SoakResult } from './soak.js';
import { runWorkersBench, type WorkersReport } from './workers.js';
import { evaluateProxyTargets, renderProxyTable, type ProxyTarget } from './report.js';

export interface ProxyBenchOptions {
  jsonPath?: string;
  svgPath?: string;
  soakSeconds?: number;
  idleConnections?: number;
  quick?: boolean;
  progress?: boolean;
  /** Force the proxy's AES-256-CTR backend (wasm-simd, wasm, native, js); default: the registry's choice. */
  kernel?: string;
  log?: (line: string) => void;
}

export type SecretKind = 'dd' | 'ee';

export interface ProxyScenario {
  secret: SecretKind;
  fastMode: boolean;
  /** How the proxy reached the (fake) Telegram side; absent in reports from before middle mode: direct. */
  upstream?: 'direct' | 'middle';
  /** Middle mode: idle clients per link to the middle proxy at the peak of the idle-memory scenario. */
  clientsPerLink?: number;
  throughput?: ThroughputResult;
  handshakes?: HandshakeResult;
  idleMemory?: IdleMemoryResult;
  errors: string[];
}

export interface ProxyBenchReport {
  schema: 'mtshield.bench.proxy/1';
  environment: Environment;
  settings: typeof FULL & { kernel: string };
  scenarios: ProxyScenario[];
  soak?: SoakResult & { secret: SecretKind; fastMode: boolean };
  /** workers = 1 and 2 side by side, and idle connections across two workers (workers.ts). */
  workers?: WorkersReport;
  targets: ProxyTarget[];
  durationSeconds: number;
}

const FULL = {
  connections: 4,
  frameBytes: 65_536,
  /** Three back-to-back windows of this many seconds per scenario; the median window is reported. */
  throughputSeconds: 4,
  throughputRounds: 3,
  warmupSeconds: 1,
  handshakeCount: 600,
  handshakeConcurrency: 16,
  idleConnections: 1000,
  idleConcurrency: 32,
  /** Idle connections per batch across two workers (two batches: 10 000 in all). */
  workersIdleConnections: 5000,
  /** Alternating pairs of workers = 1 and workers = 2. */
  workersPairs: 3,
  soakSampleSeconds: 5,
  /** Soak load per connection (client → proxy); relayed traffic is twice that, both directions. */
  soakBytesPerSecond: 8_000_000,
};
const QUICK: typeof FULL = { ...FULL, throughputSeconds: 2, throughputRounds: 1, warmupSeconds: 0.5, handshakeCount: 100, idleConnections: 200, workersIdleConnections: 200, workersPairs: 1, soakSampleSeconds: 2 };

const KINDS: SecretKind[] = ['dd', 'ee'];
const FRONT_DOMAIN = 'www.example.com';

export async function runProxyBench(options: ProxyBenchOptions = {}): Promise<ProxyBenchReport> {
  if (!procAvailable()) throw new Error('the proxy benchmark reads /proc/<pid>/stat and /status: Linux only');
  // The load generator allocates as the relay does (node:crypto outputs on both ends), and fell into the same
  // back-to-back full collections late in a run, halving the load it offered (src/util/gc-mode.ts).
  applyGcMode('single-threaded');
  const started = Date.now();
  const settings = { ...(options.quick ? QUICK : FULL), kernel: options.kernel ?? 'auto' };
  const env: Record<string, string> = options.kernel ? { MTSHIELD_KERNEL_AES_256_CTR: options.kernel } : {};
  if (options.idleConnections) settings.idleConnections = options.idleConnections;
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const secrets: Record<SecretKind, ParsedSecret> = { dd: generateSecret('dd'), ee: generateSecret('ee', FRONT_DOMAIN) };
  const users = KINDS.map((kind) => ({ name: `bench_${kind}`, secret: formatSecret(secrets[kind], 'hex') }));
  const environment = collectEnvironment();
  const dc = await startEchoDc();
  const scenarios: ProxyScenario[] = [];
  const middle = await startEchoMiddleProxy();
  const middleToml = writeMiddleUpstreamToml(middle);
  const steps = 3 * (KINDS.length * 3) + 1 + (options.soakSeconds ? 1 : 0);
  const progress = createProgress(steps, options.progress ?? true);
  let soakResult: ProxyBenchReport['soak'];
  let workersResult: WorkersReport | undefined;
  try {
    // One throughput measurement, the same for direct and middle mode.
    const measureThroughput = (target: Parameters<typeof throughput>[0]) =>
      throughput(target, {
        connections: settings.connections,
        frameBytes: settings.frameBytes,
        seconds: settings.throughputSeconds,
        rounds: settings.throughputRounds,
        warmupSeconds: settings.warmupSeconds,
      });
    for (const fastMode of [false, true]) {
      const here = KINDS.map((secret): ProxyScenario => ({ secret, fastMode, upstream: 'direct', errors: [] }));
      scenarios.push(...here);
      await withProcess(() => startProxy({ dcPort: dc.port, users, fastMode, env }), async (proxy) => {
        for (const scenario of here) {
          const target = targetOf(proxy, secrets[scenario.secret]);
          progress.tick(`throughput ${scenario.secret} fast_mode=${fastMode}`);
          scenario.throughput = await attempt(scenario, 'throughput', () =>
            measureThroughput(target),
          );
          progress.tick(`handshakes ${scenario.secret} fast_mode=${fastMode}`);
          scenario.handshakes = await attempt(scenario, 'handshakes', () =>
            handshakes(target, { count: settings.handshakeCount, concurrency: settings.handshakeConcurrency }),
          );
        }
      }, (err) => here.forEach((s) => s.errors.push(err)));
      // Memory is measured on a fresh process per scenario, so earlier bulk transfers do not pad the baseline.
      for (const scenario of here) {
        progress.tick(`idle memory ${scenario.secret} fast_mode=${fastMode}`);
        // With the memory probe: the JSON gets the heap breakdown next to each RSS reading (memory-probe.ts).
        await withProcess(() => startProxy({ dcPort: dc.port, users, fastMode, env, memoryProbe: true }), async (proxy) => {
          scenario.idleMemory = await attempt(scenario, 'idle memory', () =>
            idleMemory({ ...targetOf(proxy, secrets[scenario.secret]), probe: proxy.probe }, { connections: settings.idleConnections, concurrency: settings.idleConcurrency }),
          );
        }, (err) => scenario.errors.push(err));
      }
    }
    // Middle mode, side by side: the same load through the pooled links of the echo middle proxy.
    const here = KINDS.map((secret): ProxyScenario => ({ secret, fastMode: false, upstream: 'middle', errors: [] }));
    scenarios.push(...here);
    const middleOptions: ProxyOptions = { dcPort: dc.port, users, fastMode: false, env, extraToml: middleToml };
    await withProcess(() => startProxy(middleOptions), async (proxy) => {
      for (const scenario of here) {
        const target = targetOf(proxy, secrets[scenario.secret]);
        progress.tick(`throughput ${scenario.secret} middle`);
        scenario.throughput = await attempt(scenario, 'throughput', () =>
          measureThroughput(target),
        );
        progress.tick(`handshakes ${scenario.secret} middle`);
        scenario.handshakes = await attempt(scenario, 'handshakes', () =>
          handshakes(target, { count: settings.handshakeCount, concurrency: settings.handshakeConcurrency }),
        );
      }
    }, (err) => here.forEach((s) => s.errors.push(err)));
    for (const scenario of here) {
      progress.tick(`idle memory ${scenario.secret} middle`);
      await withProcess(() => startProxy(middleOptions), async (proxy) => {
        let maxLinks = 0;
        const sampler = setInterval(() => (maxLinks = Math.max(maxLinks, middle.links())), 100);
        try {
          scenario.idleMemory = await attempt(scenario, 'idle memory', () =>
            idleMemory(targetOf(proxy, secrets[scenario.secret]), { connections: settings.idleConnections, concurrency: settings.idleConcurrency }),
          );
        } finally {
          clearInterval(sampler);
        }
        // both batches are open at the peak
        if (scenario.idleMemory && maxLinks > 0) scenario.clientsPerLink = (2 * scenario.idleMemory.connections - scenario.idleMemory.failed) / maxLinks;
      }, (err) => scenario.errors.push(err));
    }
    // Workers: the same proxy with one process and with two workers, alternating; then idle connections across two.
    progress.tick('workers = 1 and 2');
    workersResult = await runWorkersBench({
      users,
      secret: secrets.dd,
      dcPort: dc.port,
      pairs: settings.workersPairs,
      throughput: { connections: settings.connections, frameBytes: settings.frameBytes, seconds: settings.throughputSeconds, warmupSeconds: settings.warmupSeconds, rounds: settings.throughputRounds },
      handshakes: { count: settings.handshakeCount, concurrency: settings.handshakeConcurrency },
      idleConnections: settings.workersIdleConnections,
      idleConcurrency: settings.idleConcurrency,
    }).catch((err: Error) => {
      log(`workers scenario failed: ${err.message}`);
      return undefined;
    });
    if (options.soakSeconds) {
      progress.tick(`soak ${options.soakSeconds}s ee fast_mode=false`);
      await withProcess(() => startProxy({ dcPort: dc.port, users, fastMode: false, env }), async (proxy) => {
        const result = await soak(targetOf(proxy, secrets.ee), {
          seconds: options.soakSeconds!,
          connections: settings.connections,
          frameBytes: settings.frameBytes,
          bytesPerSecond: settings.soakBytesPerSecond,
          sampleEverySeconds: settings.soakSampleSeconds,
        });
        soakResult = { ...result, secret: 'ee', fastMode: false };
      }, (err) => log(`soak failed: ${err}`));
    }
  } finally {
    progress.stop();
    await dc.close();
    await middle.close();
  }
  const report: ProxyBenchReport = {
    schema: 'mtshield.bench.proxy/1',
    environment,
    settings,
    scenarios,
    soak: soakResult,
    workers: workersResult,
    targets: [],
    durationSeconds: (Date.now() - started) / 1000,
  };
  report.targets = evaluateProxyTargets(report, options.soakSeconds !== undefined);
  if (options.jsonPath) writeFile(options.jsonPath, JSON.stringify(report, null, 2) + '\n');
  if (options.svgPath) {
    const subtitle = `${environment.cpuModel} · Node ${environment.node} · ${environment.timestamp}`;
    writeFile(options.svgPath, proxyChart(report, subtitle));
  }
  return report;
}

export function renderProxyReport(report: ProxyBenchReport): string {
  return renderProxyTable(report, SOAK_TOLERANCE);
}

function writeFile(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

function targetOf(proxy: ProxyUnderTest, secret: ParsedSecret): Target {
  return { host: '127.0.0.1', port: proxy.port, pid: proxy.pid, secret, dc: 2 };
}
