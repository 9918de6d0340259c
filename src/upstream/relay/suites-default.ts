/**
 * The default suite preference "from the kernel calibration" (docs/protocol.md "Relay tunnel"): suites ordered
 * by what the registry's chosen backends cost on an MTProto-like mix of record sizes (most messages under
 * 1 KiB, some bulk). Suites no backend serves are left out. Ties keep the order of ALL_SUITES.
 */
import type { KernelRegistry } from '../../kernels/index.js';
import { costAt } from '../../kernels/choose/costs.js';
import { ALL_SUITES, type RelaySuite } from './suites.js';

/** [record size in bytes, share of records] (also the `bench --relay` message mix, bench/relay/mix.ts). */
export const RELAY_SIZE_MIX: readonly (readonly [number, number])[] = [
  [128, 0.4],
  [512, 0.3],
  [1024, 0.15],
  [4096, 0.1],
  [16_384, 0.05],
];

export function defaultSuites(registry: Pick<KernelRegistry, 'status' | 'chosen' | 'backends'>): RelaySuite[] {
  const costs = registry.status().costs;
  const ranked: { suite: RelaySuite; ns: number }[] = [];
  for (const suite of ALL_SUITES) {
    if (registry.backends(suite).length === 0) continue;
    let ns = 0;
    for (const [size, share] of RELAY_SIZE_MIX) {
      const row = costs[suite]?.[registry.chosen(suite, size)];
      ns += share * (row ? costAt(row, size) : Number.MAX_SAFE_INTEGER);
    }
    ranked.push({ suite, ns });
  }
  return ranked.sort((a, b) => a.ns - b.ns).map((r) => r.suite); // Array.prototype.sort is stable
}
