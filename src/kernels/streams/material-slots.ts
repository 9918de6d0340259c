/**
 * Key ‖ IV storage for adaptive CTR streams: numbered 48-byte slots in shared 48 KiB slabs, wiped and recycled
 * by destroy(). A proxy holds four streams per connection, mostly idle; a Uint8Array of its own costs each of
 * them the array object, an ArrayBuffer and an off-heap backing store (≈ 360 bytes beside the 48 it holds,
 * measured with heap snapshots), a slot number nothing. Views are made only when a stream (re)keys a cipher.
 * Slabs are kept for reuse: a process holds at most its peak number of streams × 48 bytes. A stream dropped
 * without destroy() keeps its slot (and its key bytes) until the process ends, as a dropped array would keep
 * them until collected; the relay destroys every stream it makes.
 *
 *   slot s → slabs[s >> 10], bytes [(s & 1023)·48, +48):   key (32) ‖ IV (16)
 */
export const MATERIAL_BYTES = 48;
const SLOTS_PER_SLAB = 1024;

const slabs: Uint8Array[] = [];
let next = 0;
const free: number[] = [];

/** A zeroed slot for one stream's key ‖ IV. */
export function takeSlot(): number {
  const reused = free.pop();
  if (reused !== undefined) return reused;
  const slot = next++;
  if (slot >>> 10 === slabs.length) slabs.push(new Uint8Array(SLOTS_PER_SLAB * MATERIAL_BYTES));
  return slot;
}

/** The slot's bytes from `from` to `to` (0 ≤ from ≤ to ≤ 48) as a view. */
export function slotBytes(slot: number, from = 0, to = MATERIAL_BYTES): Uint8Array {
  const at = (slot & (SLOTS_PER_SLAB - 1)) * MATERIAL_BYTES;
  return slabs[slot >>> 10]!.subarray(at + from, at + to);
}

/** Wipes a slot and keeps it for the next stream; the caller forgets the number. */
export function releaseSlot(slot: number): void {
  slotBytes(slot).fill(0);
  free.push(slot);
}
