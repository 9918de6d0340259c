/**
 * The proxy benchmark's measurements, each against one running proxy process:
 *   throughput   N connections push 64 KiB padded-intermediate frames through the proxy to the echo DC and
 *                check every echoed byte; CPU seconds per GB relayed (both directions) from /proc
 *   handshakes   full handshakes (client → proxy → DC dial → one echoed frame → close) per proxy CPU-second
 *   idle memory  RSS growth of the proxy over N handshaken, idle connections, per connection
 * (soak.ts holds the soak: steady load plus connection churn, RSS over time.)
 */
import { randomBytes } from 'node:crypto';
import type { ParsedSecret } from '../../src/protocol/secrets.js';
import { connectClient, paddedFrame, type LoadClient } from './client.js';
import { cpuSeconds, rssBytes } from './proc.js';
import type { AllocationSite, MemoryProbe, MemoryReading } from './memory-probe-client.js';

export interface Target {
  host: string;
  port: number;
  pid: number;
  secret: ParsedSecret;
  dc: number;
  /** The fake DC's port, for scenarios that compare with a direct connection to it. */
  dcPort?: number;
  /** CPU seconds and RSS of the proxy; default: the process `pid` (a group of workers sums its tree: workers.ts). */
  cpuSeconds?: () => number;
  rssBytes?: () => number;
  /** The memory probe inside the proxy (memory-probe.ts), when it was started with one. */
  probe?: MemoryProbe;
}

const cpuOf = (target: Target): number => (target.cpuSeconds ? target.cpuSeconds() : cpuSeconds(target.pid));
const rssOf = (target: Target): number => (target.rssBytes ? target.rssBytes() : rssBytes(target.pid));

const HANDSHAKE_TIMEOUT_MS = 10_000;

export function open(target: Target): Promise<LoadClient> {
  return connectClient({ host: target.host, port: target.port, secret: target.secret, dc: target.dc, timeoutMs: HANDSHAKE_TIMEOUT_MS });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends one small frame and waits until it comes back: the connection is then relayed end to end. */
export async function roundTrip(client: LoadClient): Promise<void> {
  const frame = paddedFrame(randomBytes(16));
  await new Promise<void>((resolve, reject) => {
    let got = 0;
    const timer = setTimeout(() => reject(new Error('no echo within 10 s')), HANDSHAKE_TIMEOUT_MS);
    client.onData((plain) => {
      got += plain.length;
      if (got >= frame.length) {
        clearTimeout(timer);
        resolve();
      }
    });
    client.socket.once('close', () => {
      clearTimeout(timer);
      if (got < frame.length) reject(new Error('connection closed before the echo'));
    });
    client.send(frame);
  });
}

/** A client through the handshake and one round trip, or undefined when it failed (then already closed). */
export async function admitted(target: Target): Promise<LoadClient | undefined> {
  let client: LoadClient | undefined;
  try {
    client = await open(target);
    await roundTrip(client);
    return client;
  } catch {
    client?.close();
    return undefined;
  }
}

/** Runs `task` over `count` items with at most `concurrency` at a time; the first failure stops new tasks. */
export async function pool<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  let failed = false;
  const workers = Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count && !failed) {
      const i = next++;
      try {
        results[i] = await task(i);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  });
  await Promise.all(workers);
  return results;
}

/**
 * Idle connections that fail are counted, but a proxy that stops answering would make each of the rest wait
 * out its handshake timeout (10 min for 2000): past this many failures the scenario ends with an error.
 */
const MAX_IDLE_FAILURES = 32;

/** One measuring window of a throughput run. */
export interface ThroughputRound {
  seconds: number;
  bytesRelayed: number;
  mbPerSec: number;
  proxyCpuSeconds: number;
  /** Proxy CPU seconds per wall second: near 1 means the proxy was the bottleneck, far below means the
   * load generator or the machine was, and the per-GB figure then carries more fixed overhead. */
  proxyCpuShare: number;
  cpuSecondsPerGB: number;
}

/** The median round by CPU-s per GB (its figures at top level), with every round kept. */
export interface ThroughputResult extends ThroughputRound {
  connections: number;
  frameBytes: number;
  rounds: ThroughputRound[];
  /** Every echoed byte matched what was sent. */
  echoVerified: boolean;
}

/**
 * A pushing connection: keeps `window` frames in flight and checks the echo byte for byte; with a rate,
 * it also never gets ahead of `bytesPerSecond` (a steady load rather than as fast as possible).
 */
export class Pusher {
  received = 0;
  mismatch = false;
  private sent = 0;
  private running = true;
  private readonly started = performance.now();
  private readonly ticker: NodeJS.Timeout | undefined;

  constructor(
    private readonly client: LoadClient,
    private readonly unit: Uint8Array,
    private readonly window: number,
    private readonly bytesPerSecond?: number,
  ) {
    client.onData((plain) => this.check(plain));
    client.socket.on('drain', () => this.pump());
    if (bytesPerSecond) this.ticker = setInterval(() => this.pump(), 20);
  }

  pump(): void {
    while (this.running && this.sent - this.received < this.window * this.unit.length && this.withinRate()) {
      this.sent += this.unit.length;
      if (!this.client.send(this.unit)) return;
    }
  }

  stop(): void {
    this.running = false;
    if (this.ticker) clearInterval(this.ticker);
    this.client.close();
  }

  private withinRate(): boolean {
    if (!this.bytesPerSecond) return true;
    return this.sent + this.unit.length <= ((performance.now() - this.started) / 1000) * this.bytesPerSecond + this.unit.length;
  }

  private check(plain: Buffer): void {
    let offset = 0;
    while (offset < plain.length) {
      const at = this.received % this.unit.length;
      const n = Math.min(plain.length - offset, this.unit.length - at);
      if (!this.mismatch && Buffer.compare(plain.subarray(offset, offset + n), this.unit.subarray(at, at + n)) !== 0) this.mismatch = true;
      offset += n;
      this.received += n;
    }
    this.pump();
  }
}

/** Opens a connection and completes one small round trip, as a real client's first request is small. */
export async function established(target: Target): Promise<LoadClient> {
  const client = await open(target);
  try {
    await roundTrip(client);
    return client;
  } catch (err) {
    client.close();
    throw err;
  }
}

/**
 * Back-to-back measuring windows after one warm-up; the median window is the result. The machines this
 * runs on are shared, and one window can catch a neighbour's burst, which the median leaves out where one
 * long average would carry it; every window is kept in the JSON.
 */
export async function throughput(
  target: Target,
  opts: { connections: number; frameBytes: number; seconds: number; warmupSeconds: number; rounds?: number },
): Promise<ThroughputResult> {
  const unit = paddedFrame(randomBytes(opts.frameBytes));
  const clients = await pool(opts.connections, opts.connections, () => established(target));
  const pushers = clients.map((c) => new Pusher(c, unit, 2));
  const received = () => pushers.reduce((n, p) => n + p.received, 0);
  try {
    for (const p of pushers) p.pump();
    await sleep(opts.warmupSeconds * 1000);
    const rounds: ThroughputRound[] = [];
    for (let r = 0; r < Math.max(1, opts.rounds ?? 1); r++) {
      const cpu0 = cpuOf(target);
      const bytes0 = received();
      const t0 = performance.now();
      await sleep(opts.seconds * 1000);
      const cpu1 = cpuOf(target);
      const seconds = (performance.now() - t0) / 1000;
      // Each echoed byte crossed the proxy twice: client → DC and DC → client.
      const bytesRelayed = 2 * (received() - bytes0);
      const proxyCpuSeconds = cpu1 - cpu0;
      rounds.push({
        seconds,
        bytesRelayed,
        mbPerSec: bytesRelayed / seconds / 1e6,
        proxyCpuSeconds,
        proxyCpuShare: proxyCpuSeconds / seconds,
        cpuSecondsPerGB: bytesRelayed > 0 ? proxyCpuSeconds / (bytesRelayed / 1e9) : Number.POSITIVE_INFINITY,
      });
    }
    const median = [...rounds].sort((a, b) => a.cpuSecondsPerGB - b.cpuSecondsPerGB)[rounds.length >> 1]!;
    return {
      ...median,
      connections: opts.connections,
      frameBytes: opts.frameBytes,
      rounds,
      echoVerified: rounds.every((r) => r.bytesRelayed > 0) && pushers.every((p) => !p.mismatch),
    };
  } finally {
    for (const p of pushers) p.stop();
  }
}

export interface HandshakeResult {
  count: number;
  failed: number;
  seconds: number;
  proxyCpuSeconds: number;
  handshakesPerCpuSecond: number;
  handshakesPerSecond: number;
}

export async function handshakes(target: Target, opts: { count: number; concurrency: number }): Promise<HandshakeResult> {
  const cpu0 = cpuOf(target);
  const t0 = performance.now();
  const outcomes = await pool(opts.count, opts.concurrency, async () => {
    const client = await admitted(target);
    client?.close();
    return client !== undefined;
  });
  await sleep(200); // let the proxy finish closing what the clients closed
  const proxyCpuSeconds = cpuOf(target) - cpu0;
  const seconds = (performance.now() - t0) / 1000;
  const ok = outcomes.filter(Boolean).length;
  return {
    count: ok,
    failed: opts.count - ok,
    seconds,
    proxyCpuSeconds,
    handshakesPerCpuSecond: proxyCpuSeconds > 0 ? ok / proxyCpuSeconds : Number.POSITIVE_INFINITY,
    handshakesPerSecond: ok / seconds,
  };
}

export interface IdleMemoryResult {
  /** Idle handshaken connections in each of the two batches. */
  connections: number;
  /** Connections that failed to handshake or were dropped while idle (either batch). */
  failed: number;
  rssBaselineBytes: number;
  rssAfterFirstBytes: number;
  rssAfterSecondBytes: number;
  /**
   * Marginal cost: RSS growth over the second batch / its connections (the figure the target uses). With
   * `collect`, from the collected reading after the first batch to the uncollected one after the second.
   */
  bytesPerConnection: number;
  /** RSS growth over the first batch / its connections: includes one-time growth (heap spaces, pools). */
  firstBatchBytesPerConnection: number;
  /** Wall time to open each batch (handshake and first round trip of every connection). */
  firstBatchSeconds: number;
  secondBatchSeconds: number;
  /** From inside the proxy (memory probe): where the RSS growth went, read next to each RSS reading. */
  breakdown?: IdleMemoryBreakdown;
  /**
   * With `collect` (needs the probe): RSS after a full collection at each reading point, taken right after the
   * uncollected reading. The batch figures above then start from a collected heap (see idleMemory).
   */
  collected?: CollectedIdleMemory;
}

/** Idle memory read after a full collection: what the idle connections themselves keep. */
export interface CollectedIdleMemory {
  rssBaselineBytes: number;
  rssAfterFirstBytes: number;
  rssAfterSecondBytes: number;
  /** RSS growth over the second batch / its connections, both ends collected: memory per idle connection. */
  keptBytesPerConnection: number;
  /** The same over the first batch (one-time growth included). */
  firstBatchKeptBytesPerConnection: number;
  /** The probe's readings after each collection (heap used there is the live heap). */
  baseline: MemoryReading;
  afterFirst: MemoryReading;
  afterSecond: MemoryReading;
}

export interface IdleMemoryBreakdown {
  baseline: MemoryReading;
  afterFirst: MemoryReading;
  afterSecond: MemoryReading;
  /** After a full collection at the end, both batches still open: what the connections keep alive. */
  liveAtEnd: MemoryReading;
  /** With `sampleAllocations`: allocation sites over each batch (collected objects included; distorts RSS). */
  allocations?: { first: AllocationSite[]; second: AllocationSite[] };
}

/**
 * Opens two batches of N idle connections (each completes a round trip, then stays idle) and reads the
 * proxy's RSS before, between and after. The second batch gives the marginal memory per connection:
 * one-time costs such as V8's young generation growing to its full size during the first burst of
 * handshakes land in the first batch, which is reported too.
 *
 * An RSS reading 2 s after a batch holds, besides what the connections keep, the handshakes' garbage that
 * outlived V8's young generation and waits for the next mark-compact: whether one ran inside the batch decides
 * several KiB per connection (single runs of one build spread 1–14 KiB). With `collect` (and the probe), each
 * reading point also asks the proxy for a full collection and reads RSS again: the collected figures are what
 * the idle connections keep, and each batch's uncollected figure starts from a collected heap, so it is that
 * batch's own garbage and not the previous batch's too.
 */
export async function idleMemory(
  target: Target,
  opts: { connections: number; concurrency: number; sampleAllocations?: boolean; collect?: boolean },
): Promise<IdleMemoryResult> {
  if (opts.collect && !target.probe) throw new Error('idle memory with collect needs the memory probe in the proxy');
  // Warm the proxy's code paths and allocator first, so the baseline is not a cold process.
  await handshakes(target, { count: 20, concurrency: 4 });
  await sleep(1000);
  const clients: LoadClient[] = [];
  let failed = 0;
  const openBatch = () =>
    pool(opts.connections, opts.concurrency, async () => {
      try {
        const client = await open(target);
        clients.push(client);
        await roundTrip(client);
      } catch (err) {
        if (++failed > MAX_IDLE_FAILURES) {
          throw new Error(`the proxy stopped answering: ${failed} idle connections failed (last: ${(err as Error).message})`);
        }
      }
    });
  const probe = target.probe;
  const sampling = probe !== undefined && opts.sampleAllocations === true;
  const sampled = async (batch: () => Promise<unknown>): Promise<AllocationSite[]> => {
    if (!sampling) {
      await batch();
      return [];
    }
    await probe.startSampling();
    await batch();
    return probe.stopSampling();
  };
  // After a full collection: RSS settles again (pages given back), then the median of three readings.
  const collected = async (): Promise<[number, MemoryReading] | undefined> => {
    if (!opts.collect || !probe) return undefined;
    const reading = await probe.afterGc();
    await sleep(300);
    const rss = await steadyRss(target);
    return [rss, { ...reading, rss }];
  };
  try {
    const baselineCollected = await collected();
    const baseline = baselineCollected?.[0] ?? (await steadyRss(target));
    const baselineReading = await probe?.snapshot();
    const t0 = performance.now();
    const firstSites = await sampled(openBatch);
    const firstBatchSeconds = (performance.now() - t0) / 1000;
    await sleep(2000);
    const afterFirst = await steadyRss(target);
    const afterFirstReading = await probe?.snapshot();
    const afterFirstCollected = await collected();
    const secondStart = afterFirstCollected?.[0] ?? afterFirst;
    const t1 = performance.now();
    const secondSites = await sampled(openBatch);
    const secondBatchSeconds = (performance.now() - t1) / 1000;
    await sleep(2000);
    const afterSecond = await steadyRss(target);
    const afterSecondReading = await probe?.snapshot();
    const afterSecondCollected = await collected();
    const live = clients.filter((c) => !c.socket.destroyed).length;
    const breakdown: IdleMemoryBreakdown | undefined =
      probe && baselineReading && afterFirstReading && afterSecondReading
        ? {
            baseline: baselineReading,
            afterFirst: afterFirstReading,
            afterSecond: afterSecondReading,
            liveAtEnd: afterSecondCollected?.[1] ?? (await probe.afterGc()),
            allocations: sampling ? { first: firstSites, second: secondSites } : undefined,
          }
        : undefined;
    return {
      connections: opts.connections,
      failed: Math.max(failed, 2 * opts.connections - live),
      rssBaselineBytes: baseline,
      rssAfterFirstBytes: afterFirst,
      rssAfterSecondBytes: afterSecond,
      bytesPerConnection: (afterSecond - secondStart) / opts.connections,
      firstBatchBytesPerConnection: (afterFirst - baseline) / opts.connections,
      firstBatchSeconds,
      secondBatchSeconds,
      breakdown,
      collected:
        baselineCollected && afterFirstCollected && afterSecondCollected
          ? {
              rssBaselineBytes: baselineCollected[0],
              rssAfterFirstBytes: afterFirstCollected[0],
              rssAfterSecondBytes: afterSecondCollected[0],
              keptBytesPerConnection: (afterSecondCollected[0] - afterFirstCollected[0]) / opts.connections,
              firstBatchKeptBytesPerConnection: (afterFirstCollected[0] - baselineCollected[0]) / opts.connections,
              baseline: baselineCollected[1],
              afterFirst: afterFirstCollected[1],
              afterSecond: afterSecondCollected[1],
            }
          : undefined,
    };
  } finally {
    for (const c of clients) c.close();
  }
}

/** Median of three readings half a second apart. */
async function steadyRss(target: Target): Promise<number> {
  const readings: number[] = [];
  for (let i = 0; i < 3; i++) {
    if (i > 0) await sleep(500);
    readings.push(rssOf(target));
  }
  return readings.sort((a, b) => a - b)[1]!;
}
