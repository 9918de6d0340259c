/**
 * Where a benchmark ran: CPU, Node/V8/OpenSSL versions, WebAssembly SIMD support and the SHA-256 of each
 * kernel build, so two result files can be compared only when they are comparable.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg, platform, arch, release, totalmem } from 'node:os';
import { packagePath } from '../../src/util/paths.js';

export interface Environment {
  timestamp: string;
  cpuModel: string;
  cpuCount: number;
  cpuFlags: string[];
  loadAverage: number[];
  totalMemoryMiB: number;
  platform: string;
  arch: string;
  osRelease: string;
  node: string;
  v8: string;
  openssl: string;
  wasmSimd: boolean;
  kernelBuilds: Record<string, string | null>;
}

const KERNEL_BUILDS = ['build/mtshield.wasm', 'build/mtshield-simd.wasm'];
/** The flags that decide who wins: AES-NI, carry-less multiply, vector widths. */
const INTERESTING_FLAGS = ['aes', 'vaes', 'pclmulqdq', 'vpclmulqdq', 'avx', 'avx2', 'avx512f', 'sse4_1', 'ssse3', 'sha_ni', 'neon', 'asimd', 'pmull'];

export function collectEnvironment(): Environment {
  const cpuList = cpus();
  return {
    timestamp: new Date().toISOString(),
    cpuModel: cpuList[0]?.model?.trim() ?? 'unknown',
    cpuCount: cpuList.length,
    cpuFlags: readCpuFlags(),
    loadAverage: loadavg().map((n) => Math.round(n * 100) / 100),
    totalMemoryMiB: Math.round(totalmem() / 2 ** 20),
    platform: platform(),
    arch: arch(),
    osRelease: release(),
    node: process.versions.node,
    v8: process.versions.v8,
    openssl: process.versions.openssl ?? 'none',
    wasmSimd: wasmSimdSupported(),
    kernelBuilds: Object.fromEntries(KERNEL_BUILDS.map((file) => [file, sha256File(packagePath(file))])),
  };
}

function sha256File(path: string): string | null {
  return existsSync(path) ? createHash('sha256').update(readFileSync(path)).digest('hex') : null;
}

function readCpuFlags(): string[] {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const line = /^(?:flags|Features)\s*:\s*(.*)$/m.exec(info)?.[1] ?? '';
    const flags = new Set(line.split(/\s+/));
    return INTERESTING_FLAGS.filter((f) => flags.has(f));
  } catch {
    return [];
  }
}

/** A module whose only function returns a v128 constant validates only where SIMD is supported. */
function wasmSimdSupported(): boolean {
  const module = new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
    0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type section: () -> v128
    0x03, 0x02, 0x01, 0x00, // function section
    0x0a, 0x16, 0x01, 0x14, 0x00, 0xfd, 0x0c, // code: v128.const
    ...new Array<number>(16).fill(0),
    0x0b, // end
  ]);
  const wasm = (globalThis as unknown as { WebAssembly?: { validate(bytes: Uint8Array): boolean } }).WebAssembly;
  return wasm?.validate(module) ?? false;
}
