/**
 * Shared set-up for the relay tunnel tests: one kernel registry, key pairs, an exit on 127.0.0.1 whose streams
 * echo (or hand over to the test), and helpers that collect a stream's bytes.
 */
import { createHash } from 'node:crypto';
import { echoStream as echo } from '../../../bench/relay/pair.js';
import { loadKernels, type KernelRegistry } from '../../../src/kernels/index.js';
import {
  ALL_SUITES,
  generateKeyPair,
  listenRelayExit,
  dialRelay,
  type RelayError,
  type RelayExitServer,
  type RelayStream,
  type RelaySuite,
  type RelayTransportKind,
  type RelayTunnel,
  type TunnelTuning,
  type X25519KeyPair,
} from '../../../src/upstream/relay/index.js';

let shared: Promise<KernelRegistry> | undefined;
export function kernels(): Promise<KernelRegistry> {
  shared ??= loadKernels({ calibrate: false });
  return shared;
}

export interface Pair {
  exitKey: X25519KeyPair;
  entryKey: X25519KeyPair;
  exit: RelayExitServer;
  exitFailures: RelayError[];
  exitTunnels: RelayTunnel[];
}

export interface ExitSetup {
  transport?: RelayTransportKind;
  suites?: readonly RelaySuite[];
  allow?: (entry: X25519KeyPair) => Uint8Array[];
  onStream?: (stream: RelayStream) => void;
  tuning?: TunnelTuning;
  exitKey?: X25519KeyPair;
  entryKey?: X25519KeyPair;
  port?: number;
}

/** An exit on 127.0.0.1 (ephemeral port) whose streams echo unless `onStream` is given. */
export async function startExit(setup: ExitSetup = {}): Promise<Pair> {
  const exitKey = setup.exitKey ?? generateKeyPair();
  const entryKey = setup.entryKey ?? generateKeyPair();
  const exitFailures: RelayError[] = [];
  const exitTunnels: RelayTunnel[] = [];
  const registry = await kernels();
  const listen = () => listenRelayExit({
    host: '127.0.0.1',
    port: setup.port ?? 0,
    transport: setup.transport ?? 'tcp',
    path: '/relay',
    kernels: registry,
    staticKey: exitKey,
    allow: setup.allow ? setup.allow(entryKey) : [entryKey.publicKey],
    suites: setup.suites ?? ALL_SUITES,
    tuning: setup.tuning,
    onFailure: (err) => exitFailures.push(err),
    onTunnel: (tunnel) => {
      exitTunnels.push(tunnel);
      tunnel.on('stream', setup.onStream ?? echo);
    },
  });
  // A restart on the same port: the closed listener's port may take a moment to come free (uWebSockets.js closes
  // its listen socket on its own loop turn), so a fixed port is retried for a bounded while.
  let exit: Awaited<ReturnType<typeof listenRelayExit>> | undefined;
  for (let attempt = 0; exit === undefined; attempt++) {
    try {
      exit = await listen();
    } catch (err) {
      if (setup.port === undefined || attempt >= 40) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return { exitKey, entryKey, exit, exitFailures, exitTunnels };
}

/** An exit's stream handler that echoes (shared with bench --relay). */
export { echo };

export async function connect(pair: Pair, opts: { transport?: RelayTransportKind; suites?: readonly RelaySuite[]; pinned?: Uint8Array; tuning?: TunnelTuning; port?: number } = {}) {
  return dialRelay(
    { host: '127.0.0.1', port: opts.port ?? pair.exit.port },
    {
      transport: opts.transport ?? 'tcp',
      path: '/relay',
      kernels: await kernels(),
      staticKey: pair.entryKey,
      exitPublicKey: opts.pinned ?? pair.exitKey.publicKey,
      suites: opts.suites ?? ALL_SUITES,
      tuning: opts.tuning,
    },
  );
}

export const META = { dc: 2, framing: 'intermediate', clientAddress: '198.51.100.7', clientPort: 40123 };

/** Resolves with everything the stream delivered once it ends. */
export function collect(stream: RelayStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c) => chunks.push(Buffer.from(c)));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** Writes `total` pseudo-random bytes in `chunk`-sized writes honouring backpressure; resolves with their SHA-256. */
export async function pump(stream: RelayStream, total: number, chunk = 64 * 1024): Promise<string> {
  const hash = createHash('sha256');
  const block = Buffer.alloc(chunk);
  for (let i = 0; i < block.length; i++) block[i] = (i * 131 + 7) & 0xff;
  let sent = 0;
  while (sent < total) {
    const n = Math.min(chunk, total - sent);
    block.writeUInt32BE(sent >>> 0, 0); // vary the content so a lost or repeated chunk changes the hash
    const piece = Buffer.from(block.subarray(0, n));
    hash.update(piece);
    sent += n;
    if (!stream.write(piece)) await new Promise<void>((r) => stream.once('drain', () => r()));
  }
  stream.end();
  return hash.digest('hex');
}

export function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

export function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      if (check()) resolve();
      else if (Date.now() - started > timeoutMs) reject(new Error('condition not met in time'));
      else setTimeout(tick, 10);
    };
    tick();
  });
}
