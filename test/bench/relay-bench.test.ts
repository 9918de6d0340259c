/**
 * `bench --relay` (bench/relay/) on a tiny budget: every (suite, variant) measured in every run through a real
 * tunnel on 127.0.0.1 (the exit's byte count must match what was sent, or the run throws), the summary's
 * ratios are against native-only, the JSON file is written, and the table names every row.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mtprotoSizes, shareUnder1KiB } from '../../bench/relay/mix.js';
import { renderRelayReport, runRelayBench } from '../../bench/relay/run.js';

describe('bench --relay', () => {
  it('sends an MTProto-like mix: most messages under 1 KiB, the same list every time', () => {
    const sizes = mtprotoSizes(4096);
    expect(shareUnder1KiB(sizes)).toBeGreaterThan(0.7);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(16_384);
    expect(mtprotoSizes(4096)).toEqual(sizes);
  });

  it('measures every suite with the registry choice, native and wasm-simd side by side, and writes JSON', { timeout: 120_000 }, async () => {
    const jsonPath = join(mkdtempSync(join(tmpdir(), 'mtshield-relay-bench-')), 'relay.json');
    const report = await runRelayBench({ runs: 2, bytesPerRun: 1e6, latencySamples: 20, progress: false, jsonPath, suites: ['chacha20-poly1305', 'aes-128-gcm'] });
    const variants = [...new Set(report.runs.map((r) => r.variant))].sort();
    expect(variants).toEqual(['choice', 'native', 'wasm-simd']);
    expect(report.runs).toHaveLength(2 * 2 * 3);
    for (const r of report.runs) {
      expect(r.cpu.bytes).toBeGreaterThanOrEqual(1e6);
      expect(r.cpu.cpuSecondsPerGB).toBeGreaterThan(0);
      expect(r.latency.samples).toBe(20);
    }
    for (const s of report.summary.filter((x) => x.variant === 'native')) expect(s.cpuVsNative).toBe(1);
    // the order rotates between runs: run 1 starts with a different variant than run 2
    const firstOf = (run: number) => report.runs.find((r) => r.run === run)!.variant;
    expect(firstOf(1)).not.toBe(firstOf(2));
    expect(JSON.parse(readFileSync(jsonPath, 'utf8')).summary).toHaveLength(6);
    const table = renderRelayReport(report);
    for (const s of report.summary) expect(table).toMatch(new RegExp(`${s.suite}\\s+${s.variant}`));
  });
});
