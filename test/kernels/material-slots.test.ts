/**
 * Key ‖ IV slots of the adaptive CTR stream (material-slots.ts): views share slabs, destroy() wipes the key
 * bytes and hands the slot to the next stream, and streams on neighbouring slots do not disturb each other.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MATERIAL_BYTES, releaseSlot, slotBytes, takeSlot } from '../../src/kernels/streams/material-slots.js';
import { AdaptiveCtr } from '../../src/kernels/streams/adaptive-ctr.js';
import { buildExportsAlgorithm, loadTestKernels } from './registry-helpers.js';

describe('material slots', () => {
  it('numbers 48-byte slots in shared slabs and reuses a released one, wiped', () => {
    const a = takeSlot();
    const b = takeSlot();
    expect(slotBytes(a).length).toBe(MATERIAL_BYTES);
    expect(slotBytes(a).buffer).toBe(slotBytes(b).buffer);
    slotBytes(a).fill(0xaa);
    expect(slotBytes(b).every((x) => x === 0)).toBe(true); // neighbours do not overlap
    releaseSlot(a);
    expect(slotBytes(a).every((x) => x === 0)).toBe(true);
    expect(takeSlot()).toBe(a);
    releaseSlot(a);
    releaseSlot(b);
  });

  it('starts a new slab after 1024 slots', () => {
    const taken = Array.from({ length: 1100 }, () => takeSlot());
    const buffers = new Set(taken.map((s) => slotBytes(s).buffer));
    expect(buffers.size).toBeGreaterThanOrEqual(2);
    for (const s of taken) releaseSlot(s);
  });

  it.skipIf(!buildExportsAlgorithm('wasm-simd', 'aes-256-ctr'))('an adaptive stream wipes its key on destroy, and neighbours keep their keystreams', async () => {
    const registry = await loadTestKernels();
    const key = randomBytes(32);
    const iv = randomBytes(16);
    const streams = [0, 1, 2].map(() => registry.stream('aes-256-ctr', key, iv));
    expect(streams[0]).toBeInstanceOf(AdaptiveCtr); // prior costs: wasm-simd at 64 B, native from 256 B
    const slot = (streams[1] as unknown as { material: number }).material;
    expect(Buffer.from(slotBytes(slot, 0, 32)).equals(key)).toBe(true);
    expect(Buffer.from(slotBytes(slot, 32)).equals(iv)).toBe(true);
    streams[1]!.destroy();
    expect(slotBytes(slot).every((x) => x === 0)).toBe(true);
    expect(() => streams[1]!.update(new Uint8Array(1))).toThrowError(expect.objectContaining({ code: 'ERR_KERNEL_DESTROYED' }));
    const data = randomBytes(70_000);
    const expected = createCipheriv('aes-256-ctr', key, iv).update(data);
    for (const s of [streams[0]!, streams[2]!]) {
      const out = Buffer.concat([s.update(data.subarray(0, 64)), s.update(data.subarray(64))]);
      expect(out.equals(expected)).toBe(true);
      s.destroy();
    }
  });
});
