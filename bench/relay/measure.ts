/**
 * The two figures `bench --relay` takes on one tunnel (bench/relay/pair.ts):
 *   - CPU per GB: the process's user + system CPU (both tunnel ends run here) while a stream carries the size
 *     mix until `totalBytes` have gone through, divided by the payload bytes; the exit's byte count ends it.
 *   - small-message latency: round trips of one message at a time through an echoing exit (median and p99).
 */
import type { RelayStream, RelayTunnel, StreamMeta } from '../../src/upstream/relay/index.js';

/** The OPEN metadata of the benchmark's streams (a documentation address: RFC 5737). */
const META_FOR_BENCH: StreamMeta = { dc: 2, framing: 'intermediate', clientAddress: '192.0.2.1', clientPort: 40000 };

export interface CpuFigure {
  /** CPU seconds per GB (10^9 bytes) of payload. */
  cpuSecondsPerGB: number;
  /** Payload MB/s over the wall-clock time of the run. */
  wallMBps: number;
  bytes: number;
}

export async function cpuPerGb(tunnel: RelayTunnel, sizes: readonly number[], totalBytes: number): Promise<CpuFigure> {
  const payload = Buffer.alloc(Math.max(...sizes), 0x5a);
  const stream = tunnel.openStream(META_FOR_BENCH);
  const answer = readAll(stream);
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  let sent = 0;
  for (let i = 0; sent < totalBytes; i = (i + 1) % sizes.length) {
    const n = sizes[i]!;
    sent += n;
    // a fresh view per message: the stream may keep it queued until the window opens
    if (!stream.write(payload.subarray(0, n))) await new Promise<void>((resolve) => stream.once('drain', () => resolve()));
  }
  stream.end();
  const received = Number((await answer).toString());
  const wallNs = Number(process.hrtime.bigint() - started);
  const used = process.cpuUsage(cpu);
  if (received !== sent) throw new Error(`relay bench: the exit counted ${received} bytes of ${sent}`);
  const cpuSeconds = (used.user + used.system) / 1e6;
  return { cpuSecondsPerGB: cpuSeconds / (sent / 1e9), wallMBps: sent / 1e6 / (wallNs / 1e9), bytes: sent };
}

export interface LatencyFigure {
  medianUs: number;
  p99Us: number;
  samples: number;
}

export async function roundTrips(tunnel: RelayTunnel, size: number, count: number): Promise<LatencyFigure> {
  const stream = tunnel.openStream(META_FOR_BENCH);
  const message = Buffer.alloc(size, 0x33);
  const times: number[] = [];
  let pending = 0;
  let done: (() => void) | undefined;
  stream.on('data', (chunk: Uint8Array) => {
    pending -= chunk.length;
    if (pending <= 0) done?.();
  });
  for (let i = 0; i < count; i++) {
    pending = size;
    const started = process.hrtime.bigint();
    await new Promise<void>((resolve) => {
      done = resolve;
      stream.write(message);
    });
    times.push(Number(process.hrtime.bigint() - started) / 1000);
  }
  stream.destroy();
  times.sort((a, b) => a - b);
  return { medianUs: times[Math.floor(times.length / 2)]!, p99Us: times[Math.floor(times.length * 0.99)]!, samples: times.length };
}

function readAll(stream: RelayStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Uint8Array) => chunks.push(Buffer.from(c)));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}
