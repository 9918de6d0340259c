/**
 * The two steps every AES context on the wasm kernel shares (docs/kernel-abi.md, aes exports):
 * keying a fresh arena slot with aesInit, and positioning a CTR stream at a byte offset with aesCtrInit.
 * Key and counter pass through the instance's param slot only for the duration of the call and are wiped
 * after it, success or not.
 */
import { counterAt } from '../streams/counter.js';
import { PARAM_KEY, PARAM_NONCE, type KernelFn, type KernelPool, type Slot } from './instance.js';
import { check } from './status.js';

/** Allocates an AES context, keys it (AES-256), then runs `modeInit` (CTR or CBC set-up); releases the slot on error. */
export function openAesSlot(pool: KernelPool, key: Uint8Array, modeInit: (slot: Slot) => void): Slot {
  const slot = pool.alloc(pool.primary.fn('aesCtxSize')());
  const inst = slot.inst;
  try {
    inst.mem.set(key, inst.param + PARAM_KEY);
    check(inst.fn('aesInit')(slot.ptr, inst.param + PARAM_KEY, 32), 'aesInit');
    modeInit(slot);
  } catch (err) {
    inst.wipeParam();
    pool.release(slot);
    throw err;
  }
  inst.wipeParam();
  return slot;
}

/** Counter = IV + floor(offset / 16), then burns offset mod 16 keystream bytes (on param-slot scratch). */
export function seekCtr(slot: Slot, ctrInit: KernelFn, xor: KernelFn, iv: Uint8Array, offset: number): void {
  const { inst, ptr } = slot;
  inst.mem.set(counterAt(iv, Math.floor(offset / 16)), inst.param + PARAM_NONCE);
  check(ctrInit(ptr, inst.param + PARAM_NONCE), 'aesCtrInit');
  const skip = offset % 16;
  if (skip > 0) check(xor(ptr, inst.param + PARAM_NONCE, skip), 'aesCtrXor');
  inst.wipeParam();
}
