/**
 * The fronting-profile A/B of the proxy benchmark (issue 15, "Benchmark"; docs/benchmarks.md "Fronting-profile
 * A/B"): does answering like the fronting site cost anything per connection beyond drawing the sizes?
 *
 * The same proxy config, two sides, in one run:
 *   template   MTSHIELD_FRONTING_PROFILE=off: no site dialled, every valid client gets the template answer
 *   profiled   the fronting site (a node:tls site on 127.0.0.1 with an RSA-2048 chain, tls-site.ts) profiled at
 *              start; measuring begins once its probes are done and the answers have the site's flight size
 * Each run starts a fresh proxy per side, the order alternating (template first in run 1, profiled first in run 2,
 * …), and measures fake-TLS (ee) handshakes per proxy CPU-second and CPU-s per GB relayed (scenarios.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { profileSite } from '../../src/fronting/profile.js';
import { PROFILE_SWITCH_ENV } from '../../src/fronting/launch.js';
import { formatSecret, generateSecret } from '../../src/protocol/secrets.js';
import { applyGcMode } from '../../src/util/gc-mode.js';
import { collectEnvironment, type Environment } from '../report/environment.js';
import { createProgress } from '../report/progress.js';
import { measureAnswerCost, type AnswerCost } from './answer-cost.js';
import { answerFlightSizes } from './answer-sample.js';
import { startProxy, type ProxyUnderTest } from './child.js';
import { startEchoDc } from './fake-dc.js';
import { attempt, withProcess } from './guard.js';
import { procAvailable } from './proc.js';
import { profileAbFigures, type ProfileAbFigure } from './profile-ab-report.js';
import { handshakes, sleep, throughput, type HandshakeResult, type Target, type ThroughputResult } from './scenarios.js';
import { alternationOrder } from './stats.js';
import { makeChain, startTlsSite, type TlsSite } from './tls-site.js';

export type ProfileSide = 'template' | 'profiled';
export const PROFILE_SIDES: readonly ProfileSide[] = ['template', 'profiled'];

export interface ProfileAbOptions {
  runs?: number;
  quick?: boolean;
  progress?: boolean;
  kernel?: string;
  jsonPath?: string;
}

/** One side's figures in one run. */
export interface ProfileSideRun {
  side: ProfileSide;
  run: number;
  /** Flight record sizes of 20 answers taken before measuring: the site's (±48) or 1024..4095. */
  answerFlightBytes: number[];
  handshakes?: HandshakeResult;
  throughput?: ThroughputResult;
  errors: string[];
}

export interface ProfileAbReport {
  schema: 'mtshield.bench.proxy-profile/1';
  environment: Environment;
  settings: typeof FULL & { runs: number; kernel: string };
  /** The site as the benchmark itself measured it: its flight sizes (one record's worth) and think times. */
  site: { flightSizes: number[]; delaysMs: number[] };
  order: ProfileSide[][];
  runs: ProfileSideRun[];
  figures: ProfileAbFigure[];
  /** The answer alone, in the benchmark's process: template vs profiled ServerHello, µs of CPU each. */
  answerCost?: AnswerCost;
  durationSeconds: number;
}

const FULL = {
  /** More than the default matrix's 600: /proc counts CPU in 10 ms ticks, and the difference sought is small. */
  handshakeCount: 1500,
  handshakeConcurrency: 16,
  connections: 4,
  frameBytes: 65_536,
  throughputSeconds: 4,
  throughputRounds: 3,
  warmupSeconds: 1,
  answerSamples: 20,
  /** SANs on the site's leaf: a chain of realistic size (the profile tests' site). */
  siteNames: 12,
};
const QUICK: typeof FULL = { ...FULL, handshakeCount: 300, throughputSeconds: 2, throughputRounds: 1, warmupSeconds: 0.5 };
const DOMAIN = 'www.example.com';
/** Handshakes `run` makes to profile a site (src/fronting/profile.ts), and a margin for the last to end. */
const PROBES = 3;
const PROBE_QUIET_MS = 1000;

export async function runProfileAb(options: ProfileAbOptions = {}): Promise<ProfileAbReport> {
  if (!procAvailable()) throw new Error('the proxy benchmark reads /proc/<pid>/stat and /status: Linux only');
  applyGcMode('single-threaded'); // as the default matrix (run.ts)
  const started = Date.now();
  const runs = Math.max(1, options.runs ?? 3);
  const settings = { ...(options.quick ? QUICK : FULL), runs, kernel: options.kernel ?? 'auto' };
  const kernelEnv: Record<string, string> = options.kernel ? { MTSHIELD_KERNEL_AES_256_CTR: options.kernel } : {};
  const secret = generateSecret('ee', DOMAIN);
  const users = [{ name: 'bench_ee', secret: formatSecret(secret, 'hex') }];
  const environment = collectEnvironment();
  const order = alternationOrder(runs, PROFILE_SIDES);
  const results: ProfileSideRun[] = [];
  const dc = await startEchoDc();
  const site = await startTlsSite(makeChain(settings.siteNames));
  const progress = createProgress(order.flat().length, options.progress ?? true);
  let measuredSite: ProfileAbReport['site'] = { flightSizes: [], delaysMs: [] };
  let answerCost: AnswerCost | undefined;
  try {
    const profile = await profileSite(DOMAIN, { host: '127.0.0.1', port: site.port }, Date.now());
    measuredSite = { flightSizes: [...profile.flightSizes], delaysMs: profile.delaysMs.map((d) => Math.round(d * 100) / 100) };
    answerCost = measureAnswerCost(profile, DOMAIN, options.quick ? 3 : 15);
    for (let run = 0; run < runs; run++) {
      for (const side of order[run]!) {
        progress.tick(`run ${run + 1}/${runs}: ${side}`);
        const result: ProfileSideRun = { side, run, answerFlightBytes: [], errors: [] };
        results.push(result);
        const env = side === 'template' ? { ...kernelEnv, [PROFILE_SWITCH_ENV]: 'off' } : kernelEnv;
        const seen = site.names.length;
        await withProcess(() => startProxy({ dcPort: dc.port, users, fastMode: false, env, frontPort: site.port }), async (proxy) => {
          if (side === 'profiled') await profiled(site, seen);
          const target = targetOf(proxy, secret);
          result.answerFlightBytes = (await attempt(result, 'answers', () => answerFlightSizes(proxy.port, secret, settings.answerSamples))) ?? [];
          result.handshakes = await attempt(result, 'handshakes', () => handshakes(target, { count: settings.handshakeCount, concurrency: settings.handshakeConcurrency }));
          result.throughput = await attempt(result, 'throughput', () =>
            throughput(target, { connections: settings.connections, frameBytes: settings.frameBytes, seconds: settings.throughputSeconds, rounds: settings.throughputRounds, warmupSeconds: settings.warmupSeconds }),
          );
        }, (err) => result.errors.push(err));
      }
    }
  } finally {
    progress.stop();
    await dc.close();
    await site.close();
  }
  const report: ProfileAbReport = {
    schema: 'mtshield.bench.proxy-profile/1',
    environment,
    settings,
    site: measuredSite,
    order,
    runs: results,
    figures: profileAbFigures(results),
    answerCost,
    durationSeconds: (Date.now() - started) / 1000,
  };
  if (options.jsonPath) {
    mkdirSync(dirname(options.jsonPath), { recursive: true });
    writeFileSync(options.jsonPath, JSON.stringify(report, null, 2) + '\n');
  }
  return report;
}

/** Until the proxy has made its three probes of the site (its profile lands right after the last). */
async function profiled(site: TlsSite, before: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (site.names.length < before + PROBES) {
    if (Date.now() > deadline) throw new Error(`the proxy probed the site ${site.names.length - before} times in 30 s, not ${PROBES}`);
    await sleep(50);
  }
  await sleep(PROBE_QUIET_MS);
}

function targetOf(proxy: ProxyUnderTest, secret: ReturnType<typeof generateSecret>): Target {
  return { host: '127.0.0.1', port: proxy.port, pid: proxy.pid, secret, dc: 2 };
}
