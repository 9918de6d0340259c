/**
 * Per-connection measurements of the proxy benchmark (issue 17 and issue 11 item 2; docs/benchmarks.md,
 * "Peer mode"), each against one running proxy process, mtshield or its peer alike:
 *   admission    CPU per admitted client: handshake, the proxy's DC dial and the first round trip, in
 *                batches of clients opened together; proxy CPU from /proc over all of it / clients
 *   latency      round trips of small frames through the proxy, interleaved with the same round trips
 *                straight to the fake DC (same framing and crypto on the client): the added p50 / p99
 *   junk hellos  hellos that fail the handshake (a fake-TLS ClientHello with the right SNI and a wrong key,
 *                or 64 random bytes), each sent and dropped: proxy CPU per hello
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import type { ParsedSecret } from '../../src/protocol/secrets.js';
import { buildClientHello } from '../../src/protocol/faketls.js';
import { connectDirect, paddedFrame, type LoadClient } from './client.js';
import { cpuSeconds } from './proc.js';
import { admitted, open, sleep, type Target } from './scenarios.js';
import { percentile } from './stats.js';

export interface AdmissionResult {
  clients: number;
  failed: number;
  batchSize: number;
  proxyCpuSeconds: number;
  /** Proxy CPU milliseconds per admitted client. */
  cpuMsPerClient: number;
  seconds: number;
}

/** `clients` clients in batches of `batchSize` opened together; each batch is closed before the next. */
export async function admission(target: Target, opts: { clients: number; batchSize: number }): Promise<AdmissionResult> {
  let ok = 0;
  const cpu0 = cpuSeconds(target.pid);
  const t0 = performance.now();
  for (let done = 0; done < opts.clients; done += opts.batchSize) {
    const n = Math.min(opts.batchSize, opts.clients - done);
    const batch = await Promise.all(Array.from({ length: n }, () => admitted(target)));
    for (const client of batch) {
      if (!client) continue;
      ok++;
      client.close();
    }
  }
  // The proxy's side of the closes belongs to the admissions.
  const proxyCpuSeconds = (await settledCpuSeconds(target.pid)) - cpu0;
  return {
    clients: ok,
    failed: opts.clients - ok,
    batchSize: opts.batchSize,
    proxyCpuSeconds,
    cpuMsPerClient: ok > 0 ? (proxyCpuSeconds * 1000) / ok : Number.NaN,
    seconds: (performance.now() - t0) / 1000,
  };
}

/**
 * The process's CPU seconds once it has stopped using CPU (no tick in 200 ms) or after `maxMs`: work that
 * a scenario caused but the process had not finished when the clients were done.
 */
export async function settledCpuSeconds(pid: number, maxMs = 10_000): Promise<number> {
  const deadline = performance.now() + maxMs;
  let last = cpuSeconds(pid);
  for (;;) {
    await sleep(200);
    const now = cpuSeconds(pid);
    if (now === last || performance.now() > deadline) return now;
    last = now;
  }
}

export interface LatencyResult {
  samples: number;
  frameBytes: number;
  /** Round trips through the proxy, microseconds. */
  proxiedP50Us: number;
  proxiedP99Us: number;
  /** The same round trips straight to the fake DC, interleaved with the proxied ones. */
  directP50Us: number;
  directP99Us: number;
  /** What the proxy adds: proxied minus direct, at each percentile. */
  addedP50Us: number;
  addedP99Us: number;
  /** Slow samples (docs/benchmarks.md "Floor subjects"): where a p99 comes from, the proxy or the host. */
  outliers?: LatencyOutliers;
}

/**
 * Round trips more than OUTLIER_US slower than usual: through the proxy (proxied minus its direct twin over
 * OUTLIER_US, issue 17's p99 bound), straight to the DC (direct over its p50 + OUTLIER_US), and both in the
 * same pair. A stall of the host or of the load generator hits both series; one of the proxy only the first.
 */
export interface LatencyOutliers {
  thresholdUs: number;
  addedOver: number;
  directOver: number;
  both: number;
}
export const OUTLIER_US = 300;

export function countOutliers(through: readonly number[], straight: readonly number[], directP50Us: number, thresholdUs = OUTLIER_US): LatencyOutliers {
  let addedOver = 0;
  let directOver = 0;
  let both = 0;
  for (let i = 0; i < through.length; i++) {
    const a = through[i]! - straight[i]! > thresholdUs;
    const d = straight[i]! > directP50Us + thresholdUs;
    if (a) addedOver++;
    if (d) directOver++;
    if (a && d) both++;
  }
  return { thresholdUs, addedOver, directOver, both };
}

/** Waits for each echo in turn: one frame in flight on each connection. */
class Pinger {
  private expected = 0;
  private got = 0;
  private done: (() => void) | undefined;
  private failed: ((err: Error) => void) | undefined;

  constructor(
    private readonly client: LoadClient,
    private readonly frame: Uint8Array,
  ) {
    client.onData((plain) => {
      this.got += plain.length;
      if (this.got >= this.expected && this.done) {
        const done = this.done;
        this.done = this.failed = undefined;
        done();
      }
    });
    client.socket.once('close', () => this.failed?.(new Error('connection closed during the latency run')));
  }

  /** One round trip, in microseconds. */
  async ping(): Promise<number> {
    this.expected += this.frame.length;
    const t0 = performance.now();
    await new Promise<void>((resolve, reject) => {
      this.done = resolve;
      this.failed = reject;
      this.client.send(this.frame);
    });
    return (performance.now() - t0) * 1000;
  }

  close(): void {
    this.client.close();
  }
}

export async function latency(target: Target, opts: { samples: number; warmup: number; frameBytes: number }): Promise<LatencyResult> {
  const frame = paddedFrame(randomBytes(opts.frameBytes - 4));
  const dcPort = target.dcPort;
  if (dcPort === undefined) throw new Error('the latency scenario needs the fake DC port for its direct baseline');
  const proxied = new Pinger(await open(target), frame);
  const direct = new Pinger(await connectDirect({ host: '127.0.0.1', port: dcPort, dc: target.dc, timeoutMs: 10_000 }), frame);
  const through: number[] = [];
  const straight: number[] = [];
  try {
    for (let i = 0; i < opts.warmup + opts.samples; i++) {
      // Interleaved, so a burst of load from elsewhere lands on both series alike.
      const a = await proxied.ping();
      const b = await direct.ping();
      if (i >= opts.warmup) {
        through.push(a);
        straight.push(b);
      }
    }
  } finally {
    proxied.close();
    direct.close();
  }
  const r = {
    proxiedP50Us: percentile(through, 50),
    proxiedP99Us: percentile(through, 99),
    directP50Us: percentile(straight, 50),
    directP99Us: percentile(straight, 99),
  };
  return {
    samples: opts.samples,
    frameBytes: frame.length,
    ...r,
    addedP50Us: r.proxiedP50Us - r.directP50Us,
    addedP99Us: r.proxiedP99Us - r.directP99Us,
    outliers: countOutliers(through, straight, r.directP50Us),
  };
}

export type JunkKind = 'faketls' | 'obfuscated2';

export interface JunkResult {
  kind: JunkKind;
  users: number;
  hellos: number;
  /** Source addresses the hellos came from, in turn (1: all from the default address). */
  sources: number;
  helloBytes: number;
  /** Hellos the proxy had not closed within the wait (they are counted all the same). */
  unanswered: number;
  proxyCpuSeconds: number;
  cpuMsPerHello: number;
}

/** A modern-sized ClientHello (about 1.8 KB) for `domain`, under a key no user has. */
export function junkHello(kind: JunkKind, domain: string): Uint8Array {
  if (kind === 'obfuscated2') return new Uint8Array(randomBytes(64));
  return buildClientHello(new Uint8Array(randomBytes(16)), domain, Date.now()).record;
}

/**
 * Sends `count` junk hellos, `concurrency` at a time; each connection waits until the proxy closes it (the
 * front sink closes once it has the forwarded hello) or `waitMs` passes, then is dropped. With `sources`, hello
 * n comes from sources[n % sources.length] (the socket bound to that address), so a per-source throttle sees
 * each address only count / sources times.
 */
export async function junkHellos(
  target: Target,
  opts: { kind: JunkKind; domain: string; users: number; count: number; concurrency: number; waitMs?: number; sources?: readonly string[] },
): Promise<JunkResult> {
  const sources = opts.sources ?? [];
  const hellos = Array.from({ length: opts.count }, () => junkHello(opts.kind, opts.domain));
  let unanswered = 0;
  let next = 0;
  const cpu0 = cpuSeconds(target.pid);
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (next < hellos.length) {
        const n = next++;
        const source = sources.length > 0 ? sources[n % sources.length] : undefined;
        if (!(await sendAndDrop(target, hellos[n]!, opts.waitMs ?? 3_000, source))) unanswered++;
      }
    }),
  );
  // A hello the client gave up on may still be in the proxy's queue: its work counts too.
  const proxyCpuSeconds = (await settledCpuSeconds(target.pid)) - cpu0;
  return {
    kind: opts.kind,
    users: opts.users,
    hellos: opts.count,
    sources: Math.max(1, sources.length),
    helloBytes: hellos[0]?.length ?? 0,
    unanswered,
    proxyCpuSeconds,
    cpuMsPerHello: (proxyCpuSeconds * 1000) / opts.count,
  };
}

/** True when the proxy closed the connection within `waitMs`. `localAddress` picks the source address. */
export function sendAndDrop(target: Pick<Target, 'host' | 'port'>, hello: Uint8Array, waitMs: number, localAddress?: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: target.host, port: target.port, noDelay: true, localAddress });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(false);
    }, waitMs);
    socket.once('connect', () => socket.write(hello));
    socket.on('data', () => undefined);
    socket.once('error', () => socket.destroy());
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}
