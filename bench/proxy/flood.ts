/**
 * A good client's latency during a handshake flood (issue 11, "Done when"; docs/benchmarks.md, "Peer
 * mode"): junk fake-TLS hellos (right SNI, wrong key) from 64 source addresses, 127.0.0.2 … 127.0.0.65, one
 * connection in flight per address, while an admitted ee client measures its round trip as the latency
 * scenario does; and the same measurement just before, with no flood, against the same proxy process, so the
 * two are compared in one run. The flood comes from its own process (flood-source.ts), so the good client's
 * event loop carries none of it. Reported with the flood's rate, so two proxies that shed the flood
 * differently can be compared.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { latency, type LatencyResult } from './per-connection.js';
import type { FloodSourceArgs, FloodSourceReport } from './flood-source.js';
import { sleep, type Target } from './scenarios.js';

export const FLOOD_SOURCES = 64;

/** The flood's source addresses: 127.0.0.2 onward, all of them loopback. */
export function floodSources(count = FLOOD_SOURCES): string[] {
  if (count < 1 || count > 253) throw new RangeError('between 1 and 253 flood sources in 127.0.0.0/24');
  return Array.from({ length: count }, (_, i) => `127.0.0.${i + 2}`);
}

export interface FloodResult extends LatencyResult {
  /** The same client's figures with no flood, measured just before against the same process. */
  quiet: LatencyResult;
  sources: number;
  hellos: number;
  hellosPerSecond: number;
}

export async function floodLatency(
  target: Target,
  opts: { domain: string; samples: number; warmup: number; frameBytes: number; warmupSeconds?: number },
): Promise<FloodResult> {
  const quiet = await latency(target, opts);
  const sources = floodSources();
  const flood = await startFlood({ host: target.host, port: target.port, domain: opts.domain, sources, waitMs: 1_000 });
  const t0 = performance.now();
  let result: LatencyResult;
  let hellos: number;
  try {
    await sleep((opts.warmupSeconds ?? 1) * 1000);
    result = await latency(target, opts);
  } finally {
    hellos = await flood.stop();
  }
  const seconds = (performance.now() - t0) / 1000;
  return { ...result, quiet, sources: sources.length, hellos, hellosPerSecond: hellos / seconds };
}

/** Forks the flooder (the compiled flood-source.js next to this file) and waits until it floods. */
async function startFlood(args: FloodSourceArgs): Promise<{ stop(): Promise<number> }> {
  const child = fork(fileURLToPath(new URL('./flood-source.js', import.meta.url)), [JSON.stringify(args)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`the flood process exited (${code})`))));
  exited.catch(() => undefined);
  const message = <T>() => Promise.race([new Promise<T>((resolve) => child.once('message', (m) => resolve(m as T))), exited]);
  try {
    await message<{ ready: true }>();
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    async stop() {
      const done = message<FloodSourceReport>();
      child.send('stop');
      try {
        return (await done).hellos;
      } finally {
        child.kill('SIGKILL');
      }
    },
  };
}
