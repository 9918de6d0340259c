/**
 * AES-256-CTR over the wasm kernel (aesInit, aesCtrInit, aesCtrXor; docs/kernel-abi.md). The context lives in a
 * 64-byte aligned arena slot; the key passes through the param slot only during aesInit and is wiped at once.
 * Key ‖ IV stay in a 48-byte material slot (streams/material-slots.ts) so release() can give the arena slot back
 * while the stream is idle: the next call keys a fresh context at the current offset (docs/kernels.md "Streams").
 */
import type { StreamCipher } from '../types.js';
import { KernelDestroyedError } from '../errors.js';
import { checkAes256Args, outputFor } from '../validate.js';
import { releaseSlot, slotBytes, takeSlot } from '../streams/material-slots.js';
import type { KernelFn, KernelPool, Slot } from './instance.js';
import { openAesSlot, seekCtr } from './aes-context.js';
import { check } from './status.js';
import { pump } from './io.js';
import { MemoryWindow, takeOutput } from './output.js';

export class WasmCtr implements StreamCipher {
  /** key ‖ IV in the shared slabs; -1 once destroyed. */
  private material: number;
  /** Bytes of keystream used so far: where a re-created context must start. */
  private offset = 0;
  private slot: Slot | undefined;
  // the hot path reads these fields directly (no Slot / KernelInstance hops per update); set by open()
  private mem!: Uint8Array;
  private io = 0;
  private ioSize = 0;
  private ctx = 0;
  private xor!: KernelFn;
  private out!: MemoryWindow;

  constructor(private readonly pool: KernelPool, key: Uint8Array, iv: Uint8Array) {
    checkAes256Args('aes-256-ctr', key, iv);
    const material = takeSlot();
    slotBytes(material).set(key);
    slotBytes(material, 32).set(iv);
    this.material = material;
    this.open(material);
  }

  update(data: Uint8Array, out?: Uint8Array): Uint8Array {
    const slot = this.slot ?? this.reopen();
    const length = data.length;
    this.offset += length;
    if (length > this.ioSize) {
      const dst = out === undefined ? takeOutput(length) : outputFor(data, out);
      pump(slot.inst, this.xor, this.ctx, data, dst, 'aesCtrXor');
      return dst;
    }
    // one chunk: copy in, XOR in place in the I/O buffer, copy out (straight into `data` when out === data)
    const mem = this.mem;
    const io = this.io;
    mem.set(data, io);
    const status = this.xor(this.ctx, io, length);
    if (status < 0) check(status, 'aesCtrXor');
    if (out === undefined) return this.out.copy(length);
    const dst = out === data ? out : outputFor(data, out);
    dst.set(this.out.view(length));
    return dst;
  }

  /** In place: the WASM kernel can write over its input at no extra cost. */
  transform(data: Uint8Array): Uint8Array {
    return this.update(data, data);
  }

  /** Wipes and returns the arena slot; the next call re-keys one at the current offset (≈ 1 µs). */
  release(): void {
    const slot = this.slot;
    if (slot === undefined) return;
    this.pool.untrack(this);
    this.pool.release(slot);
    this.slot = undefined;
  }

  destroy(): void {
    if (this.material < 0) return;
    this.release();
    releaseSlot(this.material);
    this.material = -1;
  }

  private reopen(): Slot {
    if (this.material < 0) throw new KernelDestroyedError('aes-256-ctr');
    return this.open(this.material);
  }

  /** A context keyed from the material slot and positioned at the current offset. */
  private open(material: number): Slot {
    const pool = this.pool;
    const offset = this.offset;
    const slot = openAesSlot(pool, slotBytes(material, 0, 32), (fresh) =>
      seekCtr(fresh, fresh.inst.fn('aesCtrInit'), fresh.inst.fn('aesCtrXor'), slotBytes(material, 32), offset),
    );
    const inst = slot.inst;
    this.mem = inst.mem;
    this.io = inst.ioPtr;
    this.ioSize = inst.ioSize;
    this.ctx = slot.ptr;
    this.xor = inst.fn('aesCtrXor');
    this.out = new MemoryWindow(inst.mem, inst.ioPtr); // its own cached view: lengths repeat per stream
    this.slot = slot;
    pool.track(this, slot);
    return slot;
  }
}
