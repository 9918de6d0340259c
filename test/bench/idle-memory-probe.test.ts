/**
 * The idle-memory breakdown of the proxy benchmark (bench/proxy/memory-probe.ts, idle-ab-report.ts): the probe,
 * loaded with `node --import` into a real child process, answers its readings, a full collection and an
 * allocation profile over loopback; the A/B figures are per-connection deltas of those readings; the config
 * written for a build from before wave 2 has none of the keys its schema refuses. Needs `npm run build` (the
 * probe is loaded compiled).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proxyConfig } from '../../bench/proxy/child.js';
import { idleBreakdownFigures, renderIdleAb } from '../../bench/proxy/idle-ab-report.js';
import type { IdleAbRun } from '../../bench/proxy/idle-ab.js';
import { memoryProbeLaunch, type MemoryProbe, type MemoryReading } from '../../bench/proxy/memory-probe-client.js';

describe('memory probe in a child process', () => {
  let dir: string;
  let child: ChildProcess;
  let probe: MemoryProbe;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mtshield-probe-'));
    const launch = memoryProbeLaunch(dir);
    probe = launch.probe;
    // A process that keeps about 8 MiB of arrays alive, so the readings have something to show.
    const body = 'globalThis.kept = Array.from({ length: 1024 }, () => new Array(1024).fill(1)); setInterval(() => {}, 1000);';
    child = spawn(process.execPath, [...launch.nodeArgs, '-e', body], { env: { ...process.env, ...launch.env }, stdio: 'ignore' });
    const portFile = launch.env['MTSHIELD_MEMORY_PROBE']!;
    const deadline = Date.now() + 10_000;
    while (!existsSync(portFile)) {
      if (Date.now() > deadline) throw new Error('the probe wrote no port file in 10 s');
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  afterAll(() => {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers process.memoryUsage() and the heap spaces', async () => {
    const m = await probe.snapshot();
    expect(m.rss).toBeGreaterThan(m.heapUsed);
    expect(m.heapUsed).toBeGreaterThan(8 * 1024 * 1024);
    expect(Object.keys(m.spaces)).toEqual(expect.arrayContaining(['new_space', 'old_space', 'code_space', 'large_object_space']));
    expect(m.spaces['old_space']!.physical).toBeGreaterThan(0);
  });

  it('a full collection keeps what is live', async () => {
    const live = await probe.afterGc();
    expect(live.heapUsed).toBeGreaterThan(8 * 1024 * 1024);
  });

  it('samples allocation sites between start and stop', async () => {
    await probe.startSampling('all');
    const sites = await probe.stopSampling();
    expect(Array.isArray(sites)).toBe(true);
    for (const s of sites) expect(s.bytes).toBeGreaterThan(0);
  });
});

function reading(rss: number, oldUsed: number): MemoryReading {
  return {
    rss,
    heapTotal: 0,
    heapUsed: oldUsed,
    external: 0,
    arrayBuffers: 0,
    spaces: { old_space: { size: oldUsed, used: oldUsed, physical: oldUsed }, new_space: { size: 0, used: 0, physical: 0 } },
  };
}

function run(side: 'base' | 'this', n: number, firstKib: number, secondKib: number): IdleAbRun {
  const kib = 1024 * 1000;
  const baseline = reading(100e6, 30e6);
  const afterFirst = reading(100e6 + firstKib * kib, 30e6 + firstKib * kib);
  const afterSecond = reading(afterFirst.rss + secondKib * kib, afterFirst.heapUsed + secondKib * kib);
  return {
    side,
    run: n,
    secret: 'dd',
    fastMode: false,
    errors: [],
    idle: {
      connections: 1000,
      failed: 0,
      rssBaselineBytes: baseline.rss,
      rssAfterFirstBytes: afterFirst.rss,
      rssAfterSecondBytes: afterSecond.rss,
      bytesPerConnection: secondKib * 1024,
      firstBatchBytesPerConnection: firstKib * 1024,
      firstBatchSeconds: 1,
      secondBatchSeconds: 1,
      breakdown: { baseline, afterFirst, afterSecond, liveAtEnd: afterSecond },
    },
  };
}

describe('idle-memory A/B figures', () => {
  const runs = [run('base', 0, 6, 9), run('this', 0, 5, 8), run('this', 1, 7, 10), run('base', 1, 8, 11), run('base', 2, 7, 10), run('this', 2, 6, 9)];
  const figures = idleBreakdownFigures(runs);

  it('gives KiB per connection per batch and side, every run with its median and worst', () => {
    const rss = (side: string) => figures.find((f) => f.metric === 'rss' && f.side === side)!;
    expect(rss('base').first.runs.map((v) => Math.round(v))).toEqual([6, 8, 7]);
    expect(rss('base').first.median).toBeCloseTo(7, 5);
    expect(rss('base').first.worst).toBeCloseTo(8, 5);
    expect(rss('this').second.median).toBeCloseTo(9, 5);
    const old = figures.find((f) => f.metric === 'oldSpaceUsed' && f.side === 'this')!;
    expect(old.first.median).toBeCloseTo(6, 5);
    // RSS outside the heap: none here, the RSS growth is all old space
    expect(figures.find((f) => f.metric === 'native' && f.side === 'this')!.first.median).toBeCloseTo(0, 5);
  });

  it('renders one line per metric with both sides', () => {
    const text = renderIdleAb(figures, runs);
    expect(text).toContain('| dd / off | uncollected | rss | 6.0 8.0 7.0 (7.0 / 8.0) | 5.0 7.0 6.0 (6.0 / 7.0) |');
    expect(text).not.toContain('| collected |');
  });
});

describe('idle-memory A/B figures with collected readings', () => {
  // Each batch adds `kept` KiB per connection that a full collection keeps and `garbage` KiB it frees.
  function collectedRun(side: 'base' | 'this', n: number, kept: number, garbage: number): IdleAbRun {
    const kib = 1024 * 1000;
    const start = reading(100e6, 30e6);
    const firstCollected = reading(start.rss + kept * kib, start.heapUsed + kept * kib);
    const first = reading(firstCollected.rss + garbage * kib, firstCollected.heapUsed + garbage * kib);
    const secondCollected = reading(firstCollected.rss + kept * kib, firstCollected.heapUsed + kept * kib);
    const second = reading(secondCollected.rss + garbage * kib, secondCollected.heapUsed + garbage * kib);
    const r = run(side, n, 0, 0);
    r.idle!.breakdown = { baseline: start, afterFirst: first, afterSecond: second, liveAtEnd: secondCollected };
    r.idle!.collected = {
      rssBaselineBytes: start.rss,
      rssAfterFirstBytes: firstCollected.rss,
      rssAfterSecondBytes: secondCollected.rss,
      keptBytesPerConnection: kept * 1024,
      firstBatchKeptBytesPerConnection: kept * 1024,
      baseline: start,
      afterFirst: firstCollected,
      afterSecond: secondCollected,
    };
    return r;
  }
  const runs = [collectedRun('base', 0, 4, 5), collectedRun('this', 0, 3, 6)];
  const figures = idleBreakdownFigures(runs);
  const pick = (side: string, phase: string) => figures.find((f) => f.metric === 'rss' && f.side === side && f.phase === phase)!;

  it('gives what a full collection keeps, per batch', () => {
    expect(pick('base', 'collected').second.median).toBeCloseTo(4, 5);
    expect(pick('this', 'collected').first.median).toBeCloseTo(3, 5);
  });

  it("measures each batch's uncollected growth from the collected reading before it", () => {
    // kept + garbage of this batch only: the first batch's garbage, collected in between, is not subtracted
    expect(pick('base', 'uncollected').second.median).toBeCloseTo(9, 5);
    expect(pick('this', 'uncollected').second.median).toBeCloseTo(9, 5);
    expect(pick('this', 'uncollected').first.median).toBeCloseTo(9, 5);
  });

  it('renders both phases', () => {
    const text = renderIdleAb(figures, runs);
    expect(text).toContain('| dd / off | collected | rss | 4.0 (4.0 / 4.0) | 3.0 (3.0 / 3.0) | 4.0 (4.0 / 4.0) | 3.0 (3.0 / 3.0) |');
    expect(text).toContain('| dd / off | uncollected | rss |');
  });
});

describe('config for a build from before wave 2', () => {
  it('leaves out `workers` and `[fronting]`, which that schema refuses', () => {
    const options = { dcPort: 1000, users: [{ name: 'u', secret: 'dd' + '00'.repeat(16) }], fastMode: false };
    const current = proxyConfig(2000, '/tmp/state', options);
    const old = proxyConfig(2000, '/tmp/state', { ...options, configDialect: 'pre-wave2' });
    expect(current).toMatch(/^workers = 1$/m);
    expect(current).toContain('[fronting]');
    expect(old).not.toMatch(/workers/);
    expect(old).not.toContain('[fronting]');
    expect(old).toContain('[upstream.dc]');
  });
});
