/**
 * Shared helpers for the registry tests: a registry without calibration (fast, deterministic choice from the
 * prior), the backends under test, which algorithms the shipped builds export, and a corrupted build maker.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadKernels, type Algorithm, type BackendName, type KernelRegistry, type LoadKernelsOptions } from '../../src/kernels/index.js';
import { packagePath } from '../../src/util/paths.js';
import { REQUIRED_EXPORTS } from '../../src/kernels/wasm/build.js';

export const SHIPPED: Record<'wasm' | 'wasm-simd', string> = {
  wasm: packagePath('build', 'mtshield.wasm'),
  'wasm-simd': packagePath('build', 'mtshield-simd.wasm'),
};

export function tempDir(prefix = 'mtshield-kernels-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function loadTestKernels(options: LoadKernelsOptions = {}): Promise<KernelRegistry> {
  return loadKernels({ calibrate: false, cacheDir: tempDir(), env: {}, logger: pino({ level: 'silent' }), ...options });
}

/** A pino logger that records parsed log lines (to assert what was logged). */
export function recordingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line.trim()) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}

/** Export names of a shipped build ([] when it is missing or does not compile). */
export function buildExports(name: 'wasm' | 'wasm-simd'): Set<string> {
  try {
    const module = new (globalThis as any).WebAssembly.Module(readFileSync(SHIPPED[name]));
    return new Set((globalThis as any).WebAssembly.Module.exports(module).map((e: { name: string }) => e.name));
  } catch {
    return new Set();
  }
}

/** True when the shipped build exports every function `alg` needs: the wasm backend must then be usable. */
export function buildExportsAlgorithm(name: 'wasm' | 'wasm-simd', alg: Algorithm): boolean {
  const names = buildExports(name);
  return REQUIRED_EXPORTS[alg].every((n) => names.has(n));
}

export const ALL_BACKENDS: BackendName[] = ['wasm-simd', 'wasm', 'native', 'js'];

/** `i32.const 0x61707865` ("expa", the first ChaCha constant) as it appears in code: opcode 0x41 + sLEB128. */
const CHACHA_SIGMA0 = Buffer.from('41e5f0c18b06', 'hex');
const CHACHA_SIGMA0_PATCHED = Buffer.from('41e4f0c18b06', 'hex'); // 0x61707864: same length, still valid

/**
 * A copy of a build whose ChaCha constant is off by one: it validates and instantiates, but every ChaCha result
 * is wrong. Throws when the constant cannot be found (so a changed kernel makes this test fail, not pass).
 */
export function corruptedBuild(name: 'wasm' | 'wasm-simd', dir = tempDir()): { path: string; patched: number } {
  const bytes = Buffer.from(readFileSync(SHIPPED[name]));
  let patched = 0;
  for (let at = bytes.indexOf(CHACHA_SIGMA0); at >= 0; at = bytes.indexOf(CHACHA_SIGMA0, at + 1)) {
    CHACHA_SIGMA0_PATCHED.copy(bytes, at);
    patched++;
  }
  if (patched === 0) throw new Error(`no i32.const 0x61707865 found in ${SHIPPED[name]}: update corruptedBuild()`);
  const path = join(dir, `corrupted-${name}.wasm`);
  writeFileSync(path, bytes);
  return { path, patched };
}

export function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
}
