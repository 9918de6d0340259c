/**
 * One entry–exit tunnel in this process over TCP on 127.0.0.1 for `bench --relay`: both ends take their AEADs
 * from the given source (the registry's choice, or one backend forced), so a CPU measurement covers sealing on
 * one side and opening on the other, plus framing and sockets. The exit's streams either echo (latency) or
 * count what they receive and answer the count when the stream ends (throughput).
 */
import type { Aead, AeadAlgorithm, KernelRegistry } from '../../src/kernels/index.js';
import {
  dialRelay,
  generateKeyPair,
  listenRelayExit,
  type AeadSource,
  type RelayExitServer,
  type RelayStream,
  type RelaySuite,
  type RelayTunnel,
} from '../../src/upstream/relay/index.js';

/** "choice": the registry's per-size dispatch; otherwise that backend for every record size. */
export type RelayVariant = 'choice' | 'native' | 'wasm-simd';
export const RELAY_VARIANTS: readonly RelayVariant[] = ['choice', 'native', 'wasm-simd'];

export function aeadSource(registry: KernelRegistry, variant: RelayVariant): AeadSource {
  if (variant === 'choice') return registry;
  return { aead: (alg: AeadAlgorithm): Aead => registry.aead(alg, { backend: variant }) };
}

export interface BenchPair {
  tunnel: RelayTunnel;
  exit: RelayExitServer;
  close(): Promise<void>;
}

export async function openPair(source: AeadSource, suite: RelaySuite, mode: 'echo' | 'count'): Promise<BenchPair> {
  const exitKey = generateKeyPair();
  const entryKey = generateKeyPair();
  const exit = await listenRelayExit({
    host: '127.0.0.1',
    port: 0,
    transport: 'tcp',
    kernels: source,
    staticKey: exitKey,
    allow: [entryKey.publicKey],
    suites: [suite],
    onTunnel: (tunnel) => tunnel.on('stream', mode === 'echo' ? echoStream : count),
  });
  const tunnel = await dialRelay({ host: '127.0.0.1', port: exit.port }, { transport: 'tcp', kernels: source, staticKey: entryKey, exitPublicKey: exitKey.publicKey, suites: [suite] });
  return {
    tunnel,
    exit,
    async close() {
      tunnel.close();
      await exit.close();
    },
  };
}

/** Sends back everything the stream delivers, honouring backpressure; ends when the peer ends. */
export function echoStream(stream: RelayStream): void {
  stream.on('data', (chunk) => {
    if (!stream.write(chunk)) {
      stream.pause();
      stream.once('drain', () => stream.resume());
    }
  });
  stream.on('end', () => stream.end());
  stream.on('error', () => {});
}

function count(stream: RelayStream): void {
  let n = 0;
  stream.on('data', (chunk) => (n += chunk.length));
  stream.on('end', () => stream.end(Buffer.from(String(n))));
  stream.on('error', () => {});
}
