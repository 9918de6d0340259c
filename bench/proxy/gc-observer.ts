/**
 * A preload for a proxy under the CPU-per-GB A/B (gb-ab.ts): counts V8's garbage collections by kind and their
 * time, and writes the running totals to the file named by MTSHIELD_BENCH_GC_FILE every 100 ms, so the driver can
 * read how many mark-compacts a measuring window cost (issue 17: back-to-back mark-compacts driven by the external
 * memory of node:crypto's fresh buffers). [Node perf_hooks: PerformanceObserver, 'gc' entries]
 *
 *   node --import file:///…/dist/bench/proxy/gc-observer.js bin/mtshield.js run …
 */
import { renameSync, writeFileSync } from 'node:fs';
import { constants, PerformanceObserver } from 'node:perf_hooks';

export interface GcTotals {
  major: number;
  /** Mark-compacts V8 started for external memory pressure (flag ALL_EXTERNAL_MEMORY). */
  majorExternal: number;
  minor: number;
  other: number;
  majorMs: number;
  minorMs: number;
}

const file = process.env['MTSHIELD_BENCH_GC_FILE'];
if (file) {
  const totals: GcTotals = { major: 0, majorExternal: 0, minor: 0, other: 0, majorMs: 0, minorMs: 0 };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const detail = (entry as { detail?: { kind?: number; flags?: number } }).detail;
      const kind = detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
        totals.major++;
        if (((detail?.flags ?? 0) & constants.NODE_PERFORMANCE_GC_FLAGS_ALL_EXTERNAL_MEMORY) !== 0) totals.majorExternal++;
        totals.majorMs += entry.duration;
      } else if (kind === constants.NODE_PERFORMANCE_GC_MINOR) {
        totals.minor++;
        totals.minorMs += entry.duration;
      } else totals.other++;
    }
  }).observe({ entryTypes: ['gc'] });
  // written aside and renamed, so a reader never sees half a file
  setInterval(() => {
    writeFileSync(`${file}.tmp`, JSON.stringify(totals));
    renameSync(`${file}.tmp`, file);
  }, 100).unref();
}
