/**
 * The workers scenario of `bench --proxy` (docs/fleet.md, docs/benchmarks.md): the same proxy with
 * `[server] workers` = 1 and 2 in one run, alternating (1 2 1 2 …), each measured for throughput (MB/s and the
 * proxy's CPU seconds per GB, summed over the primary and its workers) and handshakes per second; then N idle
 * handshaken connections across two workers (KiB per connection over the whole process tree, failures counted).
 *
 * On a two-core machine the load generator (this process) competes with the workers for the CPU, so MB/s and
 * handshakes per second with two workers show the machine's limit, not the proxy's; CPU-s per GB (work per
 * byte) is the figure that compares. The idle scenario runs the echo DC in a child process (dc-child.ts) so
 * that no process holds more than about N sockets (the container's hard limit is 20 000 descriptors).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ParsedSecret } from '../../src/protocol/secrets.js';
import { startProxy, type ProxyUser } from './child.js';
import { attempt, withProcess } from './guard.js';
import { cpuSeconds, rssBytes } from './proc.js';
import { handshakes, idleMemory, throughput, type HandshakeResult, type IdleMemoryResult, type Target, type ThroughputResult } from './scenarios.js';
import { median, worst } from './stats.js';

export interface WorkersRun {
  workers: number;
  throughput?: ThroughputResult;
  handshakes?: HandshakeResult;
  errors: string[];
}

/** Two workers' figure over one process's, per alternating pair: every pair, the median and the worst. */
export interface Ratio {
  median: number;
  worst: number;
  all: number[];
}

export interface WorkersReport {
  runs: WorkersRun[];
  /** Two workers over one process: median and worst of each figure's ratio over the alternating pairs. */
  cpuPerGbRatio?: Ratio;
  mbPerSecRatio?: Ratio;
  handshakesPerSecRatio?: Ratio;
  /** Idle connections across two workers (two batches of `connections`; the second gives the marginal cost). */
  idle?: IdleMemoryResult & { workers: 2; total: number; kibPerConnection: number };
  idleErrors: string[];
}

export interface WorkersBenchOptions {
  users: ProxyUser[];
  secret: ParsedSecret;
  dcPort: number;
  /** Alternating pairs (1 then 2 workers) measured (default 2). */
  pairs?: number;
  throughput: { connections: number; frameBytes: number; seconds: number; warmupSeconds: number; rounds?: number };
  handshakes: { count: number; concurrency: number };
  /** Idle connections per batch (two batches); 5000 gives 10 000 across the workers. */
  idleConnections: number;
  idleConcurrency: number;
  log?: (line: string) => void;
}

/** `pid` and every process below it (node:cluster workers), from /proc/<pid>/stat's parent field. */
export function processTree(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = parents.get(ppid);
      if (list) list.push(Number(entry));
      else parents.set(ppid, [Number(entry)]);
    } catch {
      // the process ended meanwhile
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) tree.push(...(parents.get(tree[i]!) ?? []));
  return tree;
}

function sumOver(pids: number[], read: (pid: number) => number): number {
  let total = 0;
  for (const pid of pids) {
    try {
      total += read(pid);
    } catch {
      // a worker that ended between the listing and the read
    }
  }
  return total;
}

function treeTarget(pid: number, port: number, secret: ParsedSecret): Target {
  const tree = processTree(pid); // the workers are up once the port answers; read once, reused per sample
  return { host: '127.0.0.1', port, pid, secret, dc: 2, cpuSeconds: () => sumOver(tree, cpuSeconds), rssBytes: () => sumOver(tree, rssBytes) };
}

function ratios(runs: WorkersRun[], figure: (run: WorkersRun) => number | undefined, better: 'lower' | 'higher'): Ratio | undefined {
  const all: number[] = [];
  for (let i = 0; i + 1 < runs.length; i += 2) {
    const one = figure(runs[i]!);
    const two = figure(runs[i + 1]!);
    if (one !== undefined && two !== undefined && one > 0) all.push(two / one);
  }
  return all.length ? { median: median(all), worst: worst(all, better), all } : undefined;
}

async function startDcChild(): Promise<{ port: number; child: ChildProcess }> {
  // From source (tsx) or compiled (dist/bench): the child is this module's sibling either way.
  const fromSource = import.meta.url.endsWith('.ts');
  const file = fileURLToPath(new URL(fromSource ? './dc-child.ts' : './dc-child.js', import.meta.url));
  const child = fork(file, [], { execArgv: fromSource ? ['--import', 'tsx'] : [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { port?: number }) => (m.port ? resolve(m.port) : reject(new Error('no port from the DC child'))));
    child.once('exit', (code) => reject(new Error(`the DC child exited (${code})`)));
  });
  return { port, child };
}

export async function runWorkersBench(options: WorkersBenchOptions): Promise<WorkersReport> {
  const log = options.log ?? (() => {});
  const runs: WorkersRun[] = [];
  for (let pair = 0; pair < (options.pairs ?? 2); pair++) {
    for (const workers of [1, 2]) {
      const run: WorkersRun = { workers, errors: [] };
      runs.push(run);
      log(`workers=${workers} (pair ${pair + 1}): throughput, handshakes`);
      await withProcess(() => startProxy({ dcPort: options.dcPort, users: options.users, fastMode: false, workers }), async (proxy) => {
        const target = treeTarget(proxy.pid, proxy.port, options.secret);
        run.throughput = await attempt(run, 'throughput', () => throughput(target, options.throughput));
        run.handshakes = await attempt(run, 'handshakes', () => handshakes(target, options.handshakes));
      }, (err) => run.errors.push(err));
    }
  }
  const report: WorkersReport = { runs, idleErrors: [] };
  const cpu = ratios(runs, (r) => r.throughput?.cpuSecondsPerGB, 'lower');
  const mb = ratios(runs, (r) => r.throughput?.mbPerSec, 'higher');
  const hs = ratios(runs, (r) => r.handshakes?.handshakesPerSecond, 'higher');
  if (cpu) report.cpuPerGbRatio = cpu;
  if (mb) report.mbPerSecRatio = mb;
  if (hs) report.handshakesPerSecRatio = hs;

  log(`idle: ${2 * options.idleConnections} connections across two workers (DC in a child process)`);
  const dc = await startDcChild();
  try {
    await withProcess(() => startProxy({ dcPort: dc.port, users: options.users, fastMode: false, workers: 2 }), async (proxy) => {
      const idle = await attempt({ errors: report.idleErrors }, 'idle', () =>
        idleMemory(treeTarget(proxy.pid, proxy.port, options.secret), { connections: options.idleConnections, concurrency: options.idleConcurrency }),
      );
      if (idle) report.idle = { ...idle, workers: 2, total: 2 * idle.connections, kibPerConnection: idle.bytesPerConnection / 1024 };
    }, (err) => report.idleErrors.push(err));
  } finally {
    dc.child.disconnect();
  }
  return report;
}
