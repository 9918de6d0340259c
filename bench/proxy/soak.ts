/**
 * The proxy benchmark's soak (docs/benchmarks.md, "Proxy benchmark"): N connections pushing frames at a
 * steady rate plus one short-lived connection after another for S seconds, the proxy's RSS sampled over
 * time (proc(5) VmRSS), and whether it grows.
 */
import { randomBytes } from 'node:crypto';
import { paddedFrame } from './client.js';
import { rssBytes } from './proc.js';
import { established, handshakes, pool, Pusher, sleep, type Target } from './scenarios.js';

export interface SoakSample {
  seconds: number;
  rssBytes: number;
  relayedBytes: number;
}

export interface SoakResult {
  seconds: number;
  samples: SoakSample[];
  churnConnections: number;
  churnFailures: number;
  echoVerified: boolean;
  /** Median RSS of the first and last third of the samples after the first 10 % (warm-up). */
  earlyRssBytes: number;
  lateRssBytes: number;
  growthBytes: number;
  grows: boolean;
}

/** RSS may settle upward at first; growth means the late third exceeds the early third by 10 % + 4 MiB. */
export const SOAK_TOLERANCE = { fraction: 0.1, bytes: 4 * 2 ** 20 };

export async function soak(
  target: Target,
  opts: {
    seconds: number;
    connections: number;
    frameBytes: number;
    /** Per connection, client → proxy; the echo doubles what the proxy relays. */
    bytesPerSecond: number;
    sampleEverySeconds: number;
    onSample?: (s: SoakSample) => void;
  },
): Promise<SoakResult> {
  const unit = paddedFrame(randomBytes(opts.frameBytes));
  const clients = await pool(opts.connections, opts.connections, () => established(target));
  const pushers = clients.map((c) => new Pusher(c, unit, 2, opts.bytesPerSecond));
  for (const p of pushers) p.pump();
  const samples: SoakSample[] = [];
  let churn = 0;
  let churnFailures = 0;
  let churning = true;
  // Connection churn: one short-lived connection after another, so per-connection leaks would show.
  const churner = (async () => {
    while (churning) {
      const r = await handshakes(target, { count: 1, concurrency: 1 });
      churn += r.count;
      churnFailures += r.failed;
      await sleep(250);
    }
  })();
  const t0 = performance.now();
  try {
    while ((performance.now() - t0) / 1000 < opts.seconds) {
      await sleep(opts.sampleEverySeconds * 1000);
      const sample = {
        seconds: (performance.now() - t0) / 1000,
        rssBytes: rssBytes(target.pid),
        relayedBytes: 2 * pushers.reduce((n, p) => n + p.received, 0),
      };
      samples.push(sample);
      opts.onSample?.(sample);
    }
  } finally {
    churning = false;
    await churner;
    for (const p of pushers) p.stop();
  }
  const settled = samples.slice(Math.floor(samples.length * 0.1));
  const third = Math.max(1, Math.floor(settled.length / 3));
  const early = median(settled.slice(0, third).map((s) => s.rssBytes));
  const late = median(settled.slice(-third).map((s) => s.rssBytes));
  return {
    seconds: (performance.now() - t0) / 1000,
    samples,
    churnConnections: churn,
    churnFailures,
    echoVerified: pushers.every((p) => !p.mismatch),
    earlyRssBytes: early,
    lateRssBytes: late,
    growthBytes: late - early,
    grows: late > early * (1 + SOAK_TOLERANCE.fraction) + SOAK_TOLERANCE.bytes,
  };
}

function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}
