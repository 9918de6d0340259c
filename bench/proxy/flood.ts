/**
 * A good client's latency during a handshake flood (issue 11, "Done when"; docs/benchmarks.md, "Peer
 * mode"): junk fake-TLS hellos (right SNI, wrong key) from 64 source addresses, 127.0.0.2 … 127.0.0.65, one
 * connection in flight per address, while an admitted ee client measures its added round trip as the
 * latency scenario does. Reported with the flood's rate, so two proxies that shed the flood differently
 * can be compared.
 */
import { junkHello, latency, sendAndDrop, type LatencyResult } from './per-connection.js';
import { sleep, type Target } from './scenarios.js';

export const FLOOD_SOURCES = 64;

/** The flood's source addresses: 127.0.0.2 onward, all of them loopback. */
export function floodSources(count = FLOOD_SOURCES): string[] {
  if (count < 1 || count > 253) throw new RangeError('between 1 and 253 flood sources in 127.0.0.0/24');
  return Array.from({ length: count }, (_, i) => `127.0.0.${i + 2}`);
}

export interface FloodResult extends LatencyResult {
  sources: number;
  hellos: number;
  hellosPerSecond: number;
}

export async function floodLatency(
  target: Target,
  opts: { domain: string; samples: number; warmup: number; frameBytes: number; warmupSeconds?: number },
): Promise<FloodResult> {
  // Made beforehand, so the flood's rate is not capped by the load generator building hellos.
  const hellos = Array.from({ length: 256 }, () => junkHello('faketls', opts.domain));
  let running = true;
  let sent = 0;
  const sources = floodSources();
  const flooders = sources.map(async (source, i) => {
    for (let n = i; running; n += sources.length) {
      await sendAndDrop(target, hellos[n % hellos.length]!, 1_000, source);
      sent++;
    }
  });
  const t0 = performance.now();
  let result: LatencyResult;
  try {
    await sleep((opts.warmupSeconds ?? 1) * 1000);
    result = await latency(target, opts);
  } finally {
    running = false;
    await Promise.all(flooders);
  }
  const seconds = (performance.now() - t0) / 1000;
  return { ...result, sources: sources.length, hellos: sent, hellosPerSecond: sent / seconds };
}
