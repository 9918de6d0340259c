/**
 * Choosing backends: the wasm backends are present wherever the builds export an algorithm; config and env force
 * a backend (per algorithm beats config beats global); calibration writes a cache keyed by CPU, Node and build
 * hashes and a second load reads it back; the adaptive CTR stream switches between WASM and native mid-stream
 * without changing a byte of the keystream.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ALGORITHMS, SIZE_CLASSES, envName, loadKernels, type BackendName } from '../../src/kernels/index.js';
import type { Calibration } from '../../src/kernels/choose/calibrate.js';
import { needsRemeasure, quieterCalibration } from '../../src/kernels/choose/cache.js';
import { AdaptiveCtr, planAdaptive } from '../../src/kernels/streams/adaptive-ctr.js';
import { compileBuild } from '../../src/kernels/wasm/build.js';
import { createWasmBackend } from '../../src/kernels/wasm/backend.js';
import { pino } from 'pino';
import { buildExportsAlgorithm, hexOf, loadTestKernels, SHIPPED, tempDir } from './registry-helpers.js';

describe('wasm backends are enabled wherever the builds export the functions', () => {
  for (const name of ['wasm-simd', 'wasm'] as const) {
    for (const alg of ALGORITHMS) {
      const exported = buildExportsAlgorithm(name, alg);
      (exported ? it : it.skip)(`${name} serves ${alg}${exported ? '' : ' — NOT YET: build lacks the exports'}`, async () => {
        const registry = await loadTestKernels();
        expect(registry.backends(alg)).toContain(name);
        expect(registry.status().backends.find((b) => b.name === name)!.algorithms[alg]).toEqual({ state: 'ok' });
      });
    }
  }
  it('native and js serve every algorithm', async () => {
    const registry = await loadTestKernels();
    for (const alg of ALGORITHMS) expect(registry.backends(alg)).toEqual(expect.arrayContaining(['native', 'js']));
  });
});

describe('forcing a backend', () => {
  it('config forces per algorithm; env per algorithm beats config; MTSHIELD_KERNEL applies to the rest', async () => {
    const env = { MTSHIELD_KERNEL: 'js', [envName('aes-256-gcm')]: 'native' };
    const registry = await loadTestKernels({ env, backend: { 'aes-256-gcm': 'js', 'aes-128-gcm': 'native' } });
    for (const size of SIZE_CLASSES) {
      expect(registry.chosen('aes-256-gcm', size)).toBe('native');
      expect(registry.chosen('aes-128-gcm', size)).toBe('native');
      expect(registry.chosen('chacha20-poly1305', size)).toBe('js');
    }
    expect(registry.status().forced).toMatchObject({ 'aes-256-gcm': 'native', 'aes-128-gcm': 'native', 'aes-256-ctr': 'js' });
  });

  it('an unknown name is ignored and the choice stays automatic', async () => {
    const registry = await loadTestKernels({ env: { MTSHIELD_KERNEL: 'turbo' } });
    expect(registry.status().forced).toEqual({});
    for (const alg of ALGORITHMS) expect(registry.backends(alg)).toContain(registry.chosen(alg, 1024));
  });
});

describe('calibration', () => {
  it('measures, writes the cache, and a second load reads it back', async () => {
    const cacheDir = tempDir();
    const logger = pino({ level: 'silent' });
    const first = await loadKernels({ cacheDir, env: {}, logger });
    const s1 = first.status();
    expect(s1.calibration.source).toBe('measured');
    expect(existsSync(s1.calibration.file!)).toBe(true);
    const file = JSON.parse(readFileSync(s1.calibration.file!, 'utf8'));
    expect(Object.keys(file.entries)).toHaveLength(1);
    const [entry] = Object.values(file.entries) as Array<{ calibration: Calibration }>;
    expect(entry!.calibration.noise).toBeGreaterThanOrEqual(1);
    // a quiet calibration is read back as it is (a noisy one would be measured again: next test)
    entry!.calibration.noise = 1;
    writeFileSync(s1.calibration.file!, JSON.stringify(file));
    const second = await loadKernels({ cacheDir, env: {}, logger });
    const s2 = second.status();
    expect(s2.calibration.source).toBe('cache');
    expect(s2.chosen).toEqual(s1.chosen);
    for (const alg of ALGORITHMS) {
      for (const size of SIZE_CLASSES) expect(second.backends(alg)).toContain(second.chosen(alg, size));
    }
  });

  it('measures a calibration taken under load again at the next start and keeps the quieter one', async () => {
    const cacheDir = tempDir();
    const logger = pino({ level: 'silent' });
    const first = await loadKernels({ cacheDir, env: {}, logger });
    const path = first.status().calibration.file!;
    const file = JSON.parse(readFileSync(path, 'utf8'));
    const [entry] = Object.values(file.entries) as Array<{ calibration: Calibration }>;
    // pretend the first start was disturbed: every cost inflated, noise high
    const inflated = structuredClone(entry!.calibration.costs);
    for (const rows of Object.values(inflated)) for (const row of Object.values(rows!)) row!.forEach((c, i) => (row![i] = c * 3 + 1));
    entry!.calibration.costs = inflated;
    entry!.calibration.noise = 1e6;
    writeFileSync(path, JSON.stringify(file));
    const second = await loadKernels({ cacheDir, env: {}, logger });
    expect(second.status().calibration.source).toBe('measured');
    const kept = (Object.values(JSON.parse(readFileSync(path, 'utf8')).entries)[0] as { calibration: Calibration }).calibration;
    expect(kept.noise).toBeLessThan(1e6);
    expect(kept.costs).not.toEqual(inflated);
    // with calibration off, even a noisy cache is used as it is
    const offline = await loadKernels({ cacheDir, env: {}, logger, calibrate: false });
    expect(offline.status().calibration.source).toBe('cache');
  });

  it('of two calibrations keeps the quieter; one without a noise figure loses', () => {
    const base = { costs: {}, nativeCtrSwitchNs: 1000, durationMs: 1, complete: true };
    const quiet = { ...base, noise: 1.05 };
    const loud = { ...base, noise: 1.6 };
    const unknown = { ...base };
    expect(quieterCalibration(loud, quiet)).toBe(quiet);
    expect(quieterCalibration(quiet, loud)).toBe(quiet);
    expect(quieterCalibration(unknown, loud)).toBe(loud);
    expect(needsRemeasure(loud)).toBe(true);
    expect(needsRemeasure(unknown)).toBe(true);
    expect(needsRemeasure(quiet)).toBe(false);
  });
});

describe('recalibrate()', () => {
  it('measures on demand, rewrites the cache and keeps every choice usable', async () => {
    const cacheDir = tempDir();
    const registry = await loadTestKernels({ cacheDir });
    expect(registry.status().calibration.source).toBe('prior');
    const result = registry.recalibrate(120);
    expect(result.source).toBe('measured');
    expect(existsSync(result.file!)).toBe(true);
    for (const alg of ALGORITHMS) for (const size of SIZE_CLASSES) expect(registry.backends(alg)).toContain(registry.chosen(alg, size));
    const again = await loadTestKernels({ cacheDir }); // calibrate: false still reads the cache
    expect(again.status().calibration.source).toBe('cache');
  });
});

describe('adaptive aes-256-ctr stream', () => {
  it('the registry hands out an adaptive stream when WASM wins 64 B and native wins 64 KiB', async () => {
    const registry = await loadTestKernels(); // prior costs: wasm-simd ahead at 64 B, native from 256 B
    const small = registry.chosen('aes-256-ctr', 64);
    const large = registry.chosen('aes-256-ctr', 65536);
    const s = registry.stream('aes-256-ctr', new Uint8Array(32), new Uint8Array(16));
    expect(s instanceof AdaptiveCtr).toBe(small.startsWith('wasm') && large === 'native');
    s.destroy();
    const forced = await loadTestKernels({ backend: { 'aes-256-ctr': 'native' } });
    expect(forced.stream('aes-256-ctr', new Uint8Array(32), new Uint8Array(16)) instanceof AdaptiveCtr).toBe(false);
  });

  // a synthetic cost model: WASM 5 ns/byte + 100 ns, native 0.5 ns/byte + 700 ns; native switch 1300 ns
  const plan = planAdaptive((n) => 100 + 5 * n, (n) => 700 + 0.5 * n, 1300);
  it.skipIf(!buildExportsAlgorithm('wasm-simd', 'aes-256-ctr'))('switches WASM ⇄ native mid-stream and equals one native stream', async () => {
    const wasm = createWasmBackend('wasm-simd', await compileBuild(SHIPPED['wasm-simd']));
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 30 }), (lengths) => {
        const key = randomBytes(32);
        const iv = randomBytes(16);
        iv.fill(0xff, 8); // counter about to carry across 64 bits
        const stream = new AdaptiveCtr(wasm, plan, key, iv);
        const total = lengths.reduce((a, b) => a + b, 0);
        const data = randomBytes(total);
        const expected = createCipheriv('aes-256-ctr', key, iv).update(data);
        const out = new Uint8Array(total);
        let pos = 0;
        for (const n of lengths) {
          stream.update(data.subarray(pos, pos + n), out.subarray(pos, pos + n));
          pos += n;
        }
        stream.destroy();
        expect(hexOf(out)).toBe(hexOf(expected));
      }),
      { numRuns: 60 },
    );
    const probe = new AdaptiveCtr(wasm, plan, randomBytes(32), randomBytes(16));
    probe.update(new Uint8Array(50));
    expect(probe.side).toBe('wasm');
    probe.update(new Uint8Array(5000)); // saves ≈21 µs at once
    expect(probe.side).toBe('native');
    probe.update(new Uint8Array(100)); // wasm would save 150 ns on this one: not worth a later 1.3 µs return
    expect(probe.side).toBe('native');
    for (let i = 0; i < 3; i++) probe.update(new Uint8Array(64)); // +312 ns each: 1086 ns saved so far
    expect(probe.side).toBe('native');
    probe.update(new Uint8Array(64)); // 1398 ns > 1300 ns
    expect(probe.side).toBe('wasm');
    probe.update(new Uint8Array(200)); // native saves 200 ns: below its 1.3 µs switch cost
    expect(probe.side).toBe('wasm');
    probe.update(new Uint8Array(300)); // +750 ns: 1050 ns
    expect(probe.side).toBe('wasm');
    for (let i = 0; i < 5; i++) probe.update(new Uint8Array(300));
    expect(probe.side).toBe('native');
    expect(probe.switches).toBe(3);
    probe.destroy();
  });
});
