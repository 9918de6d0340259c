/**
 * Scavenges paced by the bytes the relays move (issue 17, "the bad mode of CPU per GB"; docs/benchmarks.md "GC
 * mode and launch settings"). [V8: external memory accounting; Node: v8.setFlagsFromString, vm]
 *
 * Each relayed byte leaves about two bytes of short-lived node:crypto output (a fresh ArrayBuffer per cipher pass:
 * node:crypto cannot write in place). V8 counts those bytes as external memory and takes them off the count only
 * when a collection sweeps them, and the scavenges that do so are paced by the JavaScript heap's young generation,
 * which the relay barely fills (borrowed reads, one write per chunk). Once the count runs 64 MB past where it stood
 * after the last mark-compact, V8 starts a mark-compact for external memory pressure, and under a starved host
 * these came back to back (measured: windows with 2–26 per GB cost up to 2.9 CPU-s per GB instead of about 1). A
 * minor collection every PACE_BYTES relayed keeps the count far below that limit; with little alive in the young
 * generation it costs tens of microseconds, and frees what the next natural scavenge would have freed.
 *
 * V8 offers a collection to JavaScript only through its `gc` extension: it is switched on for one fresh context
 * (the first time pacing is due, so a proxy that relays little never pays for the context) and off again.
 * MTSHIELD_GC_PACE=off turns pacing off (A/B runs).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Relayed bytes between paced minor collections (about twice that in node:crypto output). */
export const PACE_BYTES = 8 * 1024 * 1024;

type MinorGc = (options: { type: 'minor' }) => void;

let pending = 0;
let collect: MinorGc | null | undefined = process.env['MTSHIELD_GC_PACE'] === 'off' ? null : undefined;

/** Counts bytes a relay moved; runs a minor collection every PACE_BYTES. One add and compare per chunk. */
export function paceRelayed(bytes: number): void {
  pending += bytes;
  if (pending < PACE_BYTES) return;
  pending = 0;
  if (collect === undefined) collect = exposeGc();
  collect?.({ type: 'minor' });
}

function exposeGc(): MinorGc | null {
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as MinorGc) : null;
  } catch {
    return null; // pacing off: V8's own scheduling, as without this module
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}
