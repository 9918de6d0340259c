/**
 * AES-256-CTR over the wasm kernel (aesInit, aesCtrInit, aesCtrXor; docs/kernel-abi.md). The context lives in a
 * 64-byte aligned arena slot; the key passes through the param slot only during aesInit and is wiped at once.
 * `seek(offset)` repositions the stream (counter = IV + floor(offset / 16), then skip offset mod 16 bytes) so the
 * adaptive stream can hand a stream back and forth with node:crypto.
 */
import type { StreamCipher } from '../types.js';
import { KernelDestroyedError } from '../errors.js';
import { checkAes256Args, outputFor } from '../validate.js';
import type { KernelFn, KernelPool, Slot } from './instance.js';
import { openAesSlot, seekCtr } from './aes-context.js';
import { check } from './status.js';
import { pump } from './io.js';
import { MemoryWindow, takeOutput } from './output.js';

export class WasmCtr implements StreamCipher {
  private slot: Slot | undefined;
  // the hot path reads these fields directly (no Slot / KernelInstance hops per update)
  private readonly mem: Uint8Array;
  private readonly io: number;
  private readonly ioSize: number;
  private readonly ctx: number;
  private readonly xor: KernelFn;
  private readonly out: MemoryWindow;
  private readonly ctrInit: KernelFn;
  private readonly iv: Uint8Array;

  constructor(private readonly pool: KernelPool, key: Uint8Array, iv: Uint8Array) {
    checkAes256Args('aes-256-ctr', key, iv);
    this.iv = Uint8Array.from(iv);
    const slot = openAesSlot(pool, key, (fresh) => seekCtr(fresh, fresh.inst.fn('aesCtrInit'), fresh.inst.fn('aesCtrXor'), this.iv, 0));
    this.mem = slot.inst.mem;
    this.io = slot.inst.ioPtr;
    this.ioSize = slot.inst.ioSize;
    this.ctx = slot.ptr;
    this.xor = slot.inst.fn('aesCtrXor');
    this.out = new MemoryWindow(slot.inst.mem, slot.inst.ioPtr);
    this.ctrInit = slot.inst.fn('aesCtrInit');
    this.slot = slot;
    pool.track(this, slot);
  }

  update(data: Uint8Array, out?: Uint8Array): Uint8Array {
    const slot = this.slot;
    if (slot === undefined) throw new KernelDestroyedError('aes-256-ctr');
    const length = data.length;
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

  /** Repositions the keystream at byte `offset` from the start of the stream. */
  seek(offset: number): void {
    const slot = this.slot;
    if (slot === undefined) throw new KernelDestroyedError('aes-256-ctr');
    seekCtr(slot, this.ctrInit, this.xor, this.iv, offset);
  }

  /** In place (the kernel XORs in its own memory and copies back). */
  transform(data: Uint8Array): Uint8Array {
    return this.update(data, data);
  }

  /** Nothing to drop: the context lives until destroy(). */
  release(): void {}

  destroy(): void {
    if (this.slot === undefined) return;
    this.pool.untrack(this);
    this.pool.release(this.slot);
    this.slot = undefined;
    this.iv.fill(0);
  }
}
