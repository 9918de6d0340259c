/**
 * Choice robustness (docs/kernels.md "Choice and calibration"): the smoothing rules applied to per-size picks
 * and the calibration's candidate filter, on hand-made cost rows (no timing involved).
 */
import { describe, expect, it } from 'vitest';
import type { BackendName } from '../../src/kernels/index.js';
import { smoothChoices } from '../../src/kernels/registry.js';
import { plausible } from '../../src/kernels/choose/calibrate.js';

function smooth(picks: BackendName[], costs: Partial<Record<BackendName, number[]>>): BackendName[] {
  const row = [...picks];
  smoothChoices(row, (n, i) => costs[n]?.[i] ?? Infinity, Object.keys(costs) as BackendName[]);
  return row;
}

describe('smoothChoices', () => {
  it('keeps native above the first size it wins unless another backend is clearly cheaper', () => {
    const costs = { native: [10, 10, 10, 10], 'wasm-simd': [1, 5, 9, 5] };
    expect(smooth(['wasm-simd', 'native', 'wasm-simd', 'wasm-simd'], costs)).toEqual(['wasm-simd', 'native', 'native', 'wasm-simd']);
  });

  it('prefers wasm-simd over scalar wasm unless wasm is clearly cheaper', () => {
    const costs = { wasm: [100, 100], 'wasm-simd': [110, 200], native: [1000, 1000] };
    expect(smooth(['wasm', 'wasm'], costs)).toEqual(['wasm-simd', 'wasm']);
  });
});

describe('plausible candidates', () => {
  const all: BackendName[] = ['wasm-simd', 'wasm', 'native', 'js'];
  it('times native and wasm-simd, not scalar wasm beside it nor js far off', () => {
    for (let i = 0; i < 6; i++) expect(plausible('chacha20-poly1305', all, i)).toEqual(['wasm-simd', 'native']);
  });
  it('times scalar wasm when there is no SIMD build', () => {
    expect(plausible('aes-256-gcm', ['wasm', 'native', 'js'], 0)).toEqual(['wasm', 'native']);
  });
  it('times js when no WASM build serves the algorithm', () => {
    expect(plausible('aes-256-ctr', ['native', 'js'], 0)).toEqual(['native', 'js']);
    expect(plausible('aes-256-ctr', ['wasm', 'native', 'js'], 0)).toEqual(['wasm', 'native']);
  });
});
