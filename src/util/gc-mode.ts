/**
 * Garbage-collector threading for the proxy process ([server] gc).
 *
 * V8 runs parallel scavenges, concurrent marking and concurrent ArrayBuffer sweeping on helper threads. The relay
 * allocates a fresh node:crypto output per chunk and cipher pass (node:crypto cannot write in place): about 2.5
 * bytes of ArrayBuffer per byte relayed. V8 counts those bytes as external memory and releases the count only
 * when a sweep has run; when the helper threads lag (few cores, shared with other work) the count crosses V8's
 * external-memory limit, which starts a full mark-compact, again and again: measured on 2 vCPUs, the proxy then
 * spent 3.5–4.9 CPU-s per GB instead of 1.1–1.4, with four helper threads busy. Collecting on the main thread
 * keeps the count current and saves the cross-thread coordination (docs/benchmarks.md, "GC mode").
 */
import { setFlagsFromString } from 'node:v8';

export type GcMode = 'single-threaded' | 'parallel';

let applied: GcMode | undefined;

/** Sets V8's GC threading for this process; the first call wins (V8 flags are process-wide). */
export function applyGcMode(mode: GcMode): void {
  if (applied !== undefined) return;
  applied = mode;
  if (mode === 'single-threaded') setFlagsFromString('--no-concurrent-array-buffer-sweeping');
}
