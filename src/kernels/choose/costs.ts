/**
 * Cost model for choosing backends: nanoseconds per operation at each size class (types.ts SIZE_CLASSES),
 * measured by calibrate.ts or, without measurements, a prior measured once on a 2-vCPU Zen 4 server with Node 20
 * (docs/kernels.md "The prior"). Between classes costs are interpolated
 * linearly in the message size, beyond the last class extrapolated by throughput.
 */
import type { Algorithm, BackendName, CostTable } from '../types.js';
import { SIZE_CLASSES } from '../types.js';

// ns at 64 B, 256 B, 1 KiB, 4 KiB, 16 KiB, 64 KiB
const CTR_NATIVE = [720, 900, 1800, 2500, 5900, 17000];
const CTR_SIMD = [370, 1300, 4800, 19000, 76000, 350000];
const AEAD_CHACHA_SIMD = [350, 600, 1500, 6000, 24000, 84000];
const GCM_SIMD = [1000, 2700, 9700, 36000, 143000, 600000];

function scale(costs: number[], factor: number): number[] {
  return costs.map((c) => Math.round(c * factor));
}

export const PRIOR_COSTS: CostTable = {
  'aes-256-ctr': { native: CTR_NATIVE, 'wasm-simd': CTR_SIMD, wasm: scale(CTR_SIMD, 2.5), js: [2700, 5000, 15000, 55000, 214000, 883000] },
  'aes-256-cbc': {
    native: [800, 1100, 2600, 8000, 30000, 118000],
    'wasm-simd': scale(CTR_SIMD, 1.6),
    wasm: scale(CTR_SIMD, 3),
    js: [2900, 5500, 16000, 58000, 220000, 900000],
  },
  'chacha20-poly1305': {
    native: [4900, 5000, 5700, 7000, 11000, 29000],
    'wasm-simd': AEAD_CHACHA_SIMD,
    wasm: scale(AEAD_CHACHA_SIMD, 2),
    js: [7300, 9000, 18000, 45000, 159000, 544000],
  },
  'xchacha20-poly1305': {
    native: [8800, 8800, 8600, 10000, 14300, 38000],
    'wasm-simd': scale(AEAD_CHACHA_SIMD, 1.2),
    wasm: scale(AEAD_CHACHA_SIMD, 2.3),
    js: [8500, 10000, 19000, 46000, 160000, 545000],
  },
  'aes-128-gcm': { native: [3900, 4100, 5000, 6500, 10500, 25000], 'wasm-simd': scale(GCM_SIMD, 0.85), wasm: scale(GCM_SIMD, 2), js: [6000, 11000, 30000, 110000, 420000, 1700000] },
  'aes-256-gcm': { native: [4000, 4300, 5500, 7000, 11600, 28000], 'wasm-simd': GCM_SIMD, wasm: scale(GCM_SIMD, 2.3), js: [7000, 13000, 36000, 130000, 500000, 2000000] },
};

/** The index of the size class that serves a message of `size` bytes (smallest class >= size). */
export function sizeClassIndex(size: number): number {
  for (let i = 0; i < SIZE_CLASSES.length; i++) if (size <= SIZE_CLASSES[i]!) return i;
  return SIZE_CLASSES.length - 1;
}

/** Interpolated cost (ns) of one operation on `size` bytes from a per-class cost row. */
export function costAt(row: readonly number[], size: number): number {
  const sizes = SIZE_CLASSES;
  if (size <= sizes[0]!) return row[0]!;
  for (let i = 1; i < sizes.length; i++) {
    if (size <= sizes[i]!) {
      const t = (size - sizes[i - 1]!) / (sizes[i]! - sizes[i - 1]!);
      return row[i - 1]! + t * (row[i]! - row[i - 1]!);
    }
  }
  const last = sizes.length - 1;
  return row[last]! * (size / sizes[last]!);
}

/** Cost row for alg/backend from measurements, falling back to the prior. */
export function costRow(table: CostTable, alg: Algorithm, backend: BackendName): number[] | undefined {
  return table[alg]?.[backend] ?? PRIOR_COSTS[alg]?.[backend];
}
