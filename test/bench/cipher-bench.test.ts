/**
 * Smoke test of the cipher benchmark (bench/cipher): one tiny run at the smallest size, then the JSON
 * and SVG it wrote must be well-formed and cover every backend. Not a timed assertion: no figure is
 * compared with a threshold here; the targets are only checked to be reported.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKernels } from '../../src/kernels/index.js';
import type { AeadAlgorithm, BackendName } from '../../src/kernels/index.js';
import { ALGORITHMS, ALGORITHM_SPECS, BENCH_BACKENDS } from '../../bench/cipher/catalog.js';
import { runCipherBench, renderCipherReport, type CipherBenchReport } from '../../bench/cipher/run.js';
import { CIPHER_TARGETS } from '../../bench/cipher/targets.js';
import { checkWellFormed } from './xml-check.js';

const TINY = { maxTime: 0.001, minTime: 0.0005, minSamples: 2, rounds: 1, warmup: 0.0005 };

describe('mtshield bench (cipher)', () => {
  let dir: string;
  let report: CipherBenchReport;
  let json: CipherBenchReport;
  let svg: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mtshield-bench-test-'));
    const registry = await loadKernels({ cacheDir: join(dir, 'cache'), calibrationBudgetMs: 50, logger: pino({ level: 'silent' }) });
    report = await runCipherBench({
      registry,
      sizes: [64],
      timing: TINY,
      progress: false,
      log: () => {},
      jsonPath: join(dir, 'cipher.json'),
      svgPath: join(dir, 'cipher.svg'),
    });
    json = JSON.parse(readFileSync(join(dir, 'cipher.json'), 'utf8')) as CipherBenchReport;
    svg = readFileSync(join(dir, 'cipher.svg'), 'utf8');
  }, 60_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes JSON with the environment and one case per algorithm, operation and backend', () => {
    expect(json.schema).toBe('mtshield.bench.cipher/1');
    expect(json.environment.node).toBe(process.versions.node);
    expect(json.environment.cpuModel.length).toBeGreaterThan(0);
    expect(json.environment.openssl).toBe(process.versions.openssl);
    expect(Number.isNaN(Date.parse(json.environment.timestamp))).toBe(false);
    expect(Object.keys(json.environment.kernelBuilds)).toEqual(['build/mtshield.wasm', 'build/mtshield-simd.wasm']);
    const cipher = json.cases.filter((c) => c.group === 'cipher');
    for (const algorithm of ALGORITHMS) {
      for (const operation of ALGORITHM_SPECS[algorithm].operations) {
        for (const backend of BENCH_BACKENDS) {
          const found = cipher.filter((c) => c.algorithm === algorithm && c.operation === operation && c.backend === backend && c.size === 64);
          expect(found, `${algorithm} ${operation} ${backend}`).toHaveLength(1);
        }
      }
    }
  });

  it('measures every usable backend, and explains every case it did not time', () => {
    for (const c of json.cases) {
      if (c.status === 'measured') {
        expect(c.opsPerSec).toBeGreaterThan(0);
        if (c.group === 'cipher') expect(c.bytesPerOp).toBe(c.size);
        expect(c.mbPerSec).toBeCloseTo((c.opsPerSec! * c.bytesPerOp!) / 1e6, 6);
        expect(c.samples).toBeGreaterThanOrEqual(2);
        expect(Number.isFinite(c.rme)).toBe(true);
      } else {
        expect(c.reason, `${c.algorithm} ${c.backend} ${c.status}`).toBeTruthy();
      }
    }
    // native and js (node:crypto, @noble/ciphers) serve every algorithm, so they are always measured.
    for (const backend of ['native', 'js', 'auto']) {
      expect(json.cases.some((c) => c.group === 'cipher' && c.backend === backend && c.status === 'measured')).toBe(true);
    }
  });

  it('verifies before timing: a measured backend has a passing verdict', () => {
    for (const c of json.cases.filter((x) => x.group === 'cipher' && x.status === 'measured')) {
      const verdict = json.verification.find((v) => v.algorithm === c.algorithm && v.backend === c.backend);
      expect(verdict?.ok, `${c.algorithm} ${c.backend}`).toBe(true);
    }
  });

  it('reports every target as PASS, FAIL or N/A', () => {
    const ids = json.targets.map((t) => t.id);
    for (const t of CIPHER_TARGETS) expect(ids).toContain(t.id);
    for (const t of json.targets) expect(['PASS', 'FAIL', 'N/A']).toContain(t.status);
    const table = renderCipherReport(report);
    for (const t of json.targets) expect(table).toContain(t.description);
  });

  it('writes a well-formed SVG with a line for every measured backend', () => {
    const elements = checkWellFormed(svg);
    expect(elements[0]).toBe('svg');
    expect(elements).toContain('polyline');
    const measured = new Set(json.cases.filter((c) => c.status === 'measured').map((c) => c.backend));
    for (const backend of measured) expect(svg).toContain(`data-backend="${backend}"`);
  });

  it('refuses to time a backend whose output disagrees with the reference', async () => {
    const registry = await loadKernels({ cacheDir: join(dir, 'cache'), calibrationBudgetMs: 50, logger: pino({ level: 'silent' }) });
    // The js backend's seal flips one ciphertext bit, and its CTR stream one keystream bit after byte 16.
    const broken = new Proxy(registry, {
      get(target, prop, receiver) {
        if (prop === 'aead') {
          return (alg: AeadAlgorithm, opts?: { backend?: BackendName }) => {
            const aead = target.aead(alg, opts);
            if (opts?.backend !== 'js') return aead;
            return { seal: (...a: Parameters<typeof aead.seal>) => flip(aead.seal(...a), 0), open: aead.open.bind(aead), destroy: () => aead.destroy() };
          };
        }
        if (prop === 'stream') {
          return (alg: 'aes-256-ctr', key: Uint8Array, iv: Uint8Array, opts?: { backend?: BackendName }) => {
            const stream = target.stream(alg, key, iv, opts);
            if (opts?.backend !== 'js') return stream;
            let offset = 0;
            return {
              update: (data: Uint8Array, out?: Uint8Array) => {
                const result = stream.update(data, out);
                if (offset <= 16 && offset + data.length > 16) flip(result, 16 - offset);
                offset += data.length;
                return result;
              },
              destroy: () => stream.destroy(),
            };
          };
        }
        const value = Reflect.get(target, prop, receiver) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const result = await runCipherBench({
      registry: broken,
      algorithms: ['chacha20-poly1305', 'aes-256-ctr'],
      sizes: [64],
      timing: TINY,
      framing: false,
      progress: false,
      log: () => {},
    });
    for (const c of result.cases) {
      if (c.backend === 'js') {
        expect(c.status, `${c.algorithm} ${c.operation}`).toBe('refused');
        expect(c.opsPerSec).toBeUndefined();
      } else if (c.backend === 'native' || c.backend === 'auto') {
        expect(c.status, `${c.algorithm} ${c.operation} ${c.backend}`).toBe('measured');
      }
    }
    const verdicts = result.verification.filter((v) => v.backend === 'js');
    expect(verdicts.map((v) => v.ok)).toEqual([false, false]);
    expect(verdicts.every((v) => /differs/.test(v.reason ?? ''))).toBe(true);
  });

  it('the well-formedness check itself rejects broken XML', () => {
    expect(() => checkWellFormed('<svg><g></svg>')).toThrow();
    expect(() => checkWellFormed('<svg a="1" a="2"/>')).toThrow();
    expect(() => checkWellFormed('<svg>&nbsp;</svg>')).toThrow();
    expect(() => checkWellFormed('<svg/><svg/>')).toThrow();
  });
});

function flip(bytes: Uint8Array, at: number): Uint8Array {
  if (at < bytes.length) bytes[at]! ^= 0x01;
  return bytes;
}
