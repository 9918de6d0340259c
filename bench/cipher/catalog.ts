/**
 * What the cipher benchmark measures: algorithms (issue 2, "The benchmark"), the operation timed for each,
 * the backends (docs/contracts.md `BackendName`, plus `auto` = the registry's own per-size choice) and the
 * message sizes. Key and nonce lengths follow each algorithm's spec (SP 800-38A, RFC 8439,
 * draft-irtf-cfrg-xchacha, SP 800-38D with 96-bit nonces).
 */
// One list of algorithms and backends: the registry's (src/kernels/types.ts).
export { ALGORITHMS, BACKEND_NAMES as BACKENDS } from '../../src/kernels/types.js';
export type { Algorithm, AeadAlgorithm, BackendName } from '../../src/kernels/types.js';
import { ALGORITHMS, BACKEND_NAMES as BACKENDS, type Algorithm, type BackendName } from '../../src/kernels/types.js';

/** `auto` is not a backend: it is whatever the registry picks when the caller names none. */
export type BenchBackend = BackendName | 'auto';
export const BENCH_BACKENDS: readonly BenchBackend[] = [...BACKENDS, 'auto'];

export const DEFAULT_SIZES = [64, 256, 1024, 4096, 16384, 65536] as const;

/** `update` = one chunk through a long-lived stream; `encrypt`/`decrypt` = CBC over a whole message. */
export type Operation = 'update' | 'encrypt' | 'decrypt' | 'seal' | 'open';

export interface AlgorithmSpec {
  algorithm: Algorithm;
  kind: 'stream' | 'cbc' | 'aead';
  keyLength: number;
  nonceLength: number;
  operations: readonly Operation[];
}

export const ALGORITHM_SPECS: Record<Algorithm, AlgorithmSpec> = {
  'aes-256-ctr': { algorithm: 'aes-256-ctr', kind: 'stream', keyLength: 32, nonceLength: 16, operations: ['update'] },
  'aes-256-cbc': { algorithm: 'aes-256-cbc', kind: 'cbc', keyLength: 32, nonceLength: 16, operations: ['encrypt', 'decrypt'] },
  'chacha20-poly1305': { algorithm: 'chacha20-poly1305', kind: 'aead', keyLength: 32, nonceLength: 12, operations: ['seal', 'open'] },
  'xchacha20-poly1305': { algorithm: 'xchacha20-poly1305', kind: 'aead', keyLength: 32, nonceLength: 24, operations: ['seal', 'open'] },
  'aes-128-gcm': { algorithm: 'aes-128-gcm', kind: 'aead', keyLength: 16, nonceLength: 12, operations: ['seal', 'open'] },
  'aes-256-gcm': { algorithm: 'aes-256-gcm', kind: 'aead', keyLength: 32, nonceLength: 12, operations: ['seal', 'open'] },
};

export function isAlgorithm(name: string): name is Algorithm {
  return (ALGORITHMS as readonly string[]).includes(name);
}

export function isBenchBackend(name: string): name is BenchBackend {
  return (BENCH_BACKENDS as readonly string[]).includes(name);
}

/** Parses "64,1k,16KiB,65536" into byte counts. */
export function parseSizes(text: string): number[] {
  return text.split(',').map((part) => {
    const match = /^\s*(\d+)\s*(k|kib|kb)?\s*$/i.exec(part);
    if (!match) throw new Error(`bad size "${part}" (expected bytes, e.g. 64 or 16KiB)`);
    const bytes = Number(match[1]) * (match[2] ? 1024 : 1);
    if (bytes < 1 || bytes > 1 << 20) throw new Error(`size ${bytes} out of range 1..1048576`);
    return bytes;
  });
}

export function formatSize(bytes: number): string {
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} B`;
}
