/**
 * AES-256-CBC (SP 800-38A §6.2, no padding) over the wasm kernel: aesInit, aesCbcInit, aesCbcEncrypt /
 * aesCbcDecrypt, chained across calls by the IV kept in the context. Lengths must be multiples of 16.
 */
import type { CbcCipher, CbcDirection } from '../types.js';
import { KernelDestroyedError } from '../errors.js';
import { checkAes256Args, checkCbcLength, outputFor } from '../validate.js';
import { AES_CTX_CHAIN, PARAM_NONCE, type KernelFn, type KernelPool, type Slot } from './instance.js';
import { openAesSlot } from './aes-context.js';
import { check } from './status.js';
import { pump, pumpNew } from './io.js';

export class WasmCbc implements CbcCipher {
  private slot: Slot | undefined;
  private readonly kernel: KernelFn;
  private readonly name: string;

  constructor(private readonly pool: KernelPool, direction: CbcDirection, key: Uint8Array, iv: Uint8Array) {
    checkAes256Args('aes-256-cbc', key, iv);
    const name = direction === 'encrypt' ? 'aesCbcEncrypt' : 'aesCbcDecrypt';
    const slot = openAesSlot(pool, key, ({ inst, ptr }) => {
      inst.mem.set(iv, inst.param + PARAM_NONCE);
      check(inst.fn('aesCbcInit')(ptr, inst.param + PARAM_NONCE), 'aesCbcInit');
    });
    this.name = name;
    this.kernel = slot.inst.fn(name);
    this.slot = slot;
    pool.track(this, slot);
  }

  update(data: Uint8Array, out?: Uint8Array): Uint8Array {
    const slot = this.slot;
    if (slot === undefined) throw new KernelDestroyedError('aes-256-cbc');
    checkCbcLength(data.length);
    if (out === undefined) return pumpNew(slot.inst, this.kernel, slot.ptr, data, this.name);
    const dst = outputFor(data, out);
    // chunks of the I/O buffer must stay whole blocks: ioSize is 65 536 + 64, a multiple of 16
    pump(slot.inst, this.kernel, slot.ptr, data, dst, this.name);
    return dst;
  }

  readChainingValue(into: Uint8Array): void {
    const slot = this.slot;
    if (slot === undefined) throw new KernelDestroyedError('aes-256-cbc');
    const at = slot.ptr + AES_CTX_CHAIN;
    into.set(slot.inst.mem.subarray(at, at + 16));
  }

  destroy(): void {
    if (this.slot === undefined) return;
    this.pool.untrack(this);
    this.pool.release(this.slot);
    this.slot = undefined;
  }
}
