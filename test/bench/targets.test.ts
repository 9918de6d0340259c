/**
 * Target evaluation of the cipher benchmark (bench/cipher/targets.ts) on hand-made results: ratios are
 * taken against the named backend at the named size, a refused backend is a FAIL with its reason, a size
 * outside the run is N/A, and `auto` is held to 90 % of the fastest backend at every size.
 */
import { describe, expect, it } from 'vitest';
import { addNativeRatios, type CaseResult } from '../../bench/cipher/results.js';
import { evaluateTargets } from '../../bench/cipher/targets.js';

function measured(algorithm: string, operation: string, backend: string, size: number, mbPerSec: number, chosen?: string): CaseResult {
  return { group: 'cipher', algorithm, operation, backend, size, status: 'measured', mbPerSec, opsPerSec: (mbPerSec * 1e6) / size, chosen };
}

const byId = (results: CaseResult[], sizes: number[]) => Object.fromEntries(evaluateTargets(results, sizes).map((t) => [t.id, t]));

describe('cipher benchmark targets', () => {
  it('compares wasm-simd with native at the named size', () => {
    const results = [
      measured('chacha20-poly1305', 'seal', 'native', 64, 10),
      measured('chacha20-poly1305', 'seal', 'wasm-simd', 64, 85),
      measured('chacha20-poly1305', 'seal', 'native', 1024, 100),
      measured('chacha20-poly1305', 'seal', 'wasm-simd', 1024, 290),
    ];
    const t = byId(results, [64, 1024]);
    expect(t['chacha-seal-64']!.status).toBe('PASS');
    expect(t['chacha-seal-64']!.detail).toBe('8.50x');
    expect(t['chacha-seal-1k']!.status).toBe('FAIL');
    expect(t['chacha-seal-64k']!.status).toBe('N/A');
    expect(t['ctr-64']!.status).toBe('N/A');
  });

  it('fails a target whose backend was refused, naming the reason', () => {
    const results: CaseResult[] = [
      measured('aes-256-gcm', 'seal', 'native', 64, 10),
      { group: 'cipher', algorithm: 'aes-256-gcm', operation: 'seal', backend: 'wasm-simd', size: 64, status: 'refused', reason: 'seal 64 B: output differs' },
    ];
    const t = byId(results, [64]);
    expect(t['gcm-seal-64']!.status).toBe('FAIL');
    expect(t['gcm-seal-64']!.detail).toContain('output differs');
  });

  it('holds "every size" targets to their worst size', () => {
    const results = [64, 1024, 65536].flatMap((size) => [
      measured('xchacha20-poly1305', 'seal', 'js', size, 10),
      measured('xchacha20-poly1305', 'seal', 'wasm-simd', size, size === 65536 ? 45 : 80),
    ]);
    const t = byId(results, [64, 1024, 65536])['xchacha-seal-vs-js']!;
    expect(t.status).toBe('FAIL');
    expect(t.detail).toContain('64 KiB');
    expect(t.checks.filter((c) => c.ok)).toHaveLength(2);
  });

  it('checks auto against the fastest backend per size', () => {
    const results = [
      measured('aes-256-ctr', 'update', 'native', 64, 100),
      measured('aes-256-ctr', 'update', 'wasm-simd', 64, 150),
      measured('aes-256-ctr', 'update', 'auto', 64, 140, 'wasm-simd'),
      measured('aes-256-ctr', 'update', 'native', 65536, 4000),
      measured('aes-256-ctr', 'update', 'wasm-simd', 65536, 280),
      measured('aes-256-ctr', 'update', 'auto', 65536, 3000, 'native'),
    ];
    const t = byId(results, [64, 65536])['auto-aes-256-ctr-update']!;
    expect(t.status).toBe('FAIL');
    expect(t.checks.map((c) => c.ok)).toEqual([true, false]);
    expect(t.detail).toContain('75%');
  });

  it('derives ratios to native from the same run', () => {
    const results = [measured('aes-256-gcm', 'open', 'native', 64, 20), measured('aes-256-gcm', 'open', 'wasm', 64, 5)];
    addNativeRatios(results);
    expect(results[1]!.ratioToNative).toBeCloseTo(0.25, 10);
    expect(results[0]!.ratioToNative).toBe(1);
  });
});
