/**
 * The relay's scavenge pacing (src/proxy/gc-pacer.ts): a minor collection runs inside the call that brings the
 * relayed bytes to PACE_BYTES, none before; MTSHIELD_GC_PACE=off leaves collections to V8.
 */
import { constants, performance, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { afterEach, describe, expect, it, vi } from 'vitest';

const entries: PerformanceEntry[] = [];
const observer = new PerformanceObserver((list) => void entries.push(...list.getEntries()));
observer.observe({ entryTypes: ['gc'] });

const tick = () => new Promise((r) => setTimeout(r, 50));

/** Minor collections that started between `from` and `to` (performance.now() times). */
async function minorBetween(from: number, to: number): Promise<number> {
  await tick(); // entries are delivered asynchronously
  return entries.filter((e) => (e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR && e.startTime >= from && e.startTime <= to).length;
}

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

describe('paceRelayed', () => {
  it('runs a minor collection once PACE_BYTES have been relayed, not before', async () => {
    const { paceRelayed, PACE_BYTES } = await import('../../src/proxy/gc-pacer.js');
    paceRelayed(PACE_BYTES); // the first pace also sets up the gc function; measured from the next one
    let t0 = performance.now();
    paceRelayed(PACE_BYTES - 1);
    let t1 = performance.now();
    expect(await minorBetween(t0, t1)).toBe(0);
    t0 = performance.now();
    paceRelayed(1);
    t1 = performance.now();
    expect(await minorBetween(t0, t1)).toBe(1);
  });

  it('MTSHIELD_GC_PACE=off: no collection of its own', async () => {
    vi.stubEnv('MTSHIELD_GC_PACE', 'off');
    vi.resetModules();
    const { paceRelayed, PACE_BYTES } = await import('../../src/proxy/gc-pacer.js');
    const t0 = performance.now();
    for (let i = 0; i < 4; i++) paceRelayed(PACE_BYTES);
    const t1 = performance.now();
    expect(await minorBetween(t0, t1)).toBe(0);
  });
});
