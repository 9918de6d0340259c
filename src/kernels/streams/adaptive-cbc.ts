/**
 * AES-256-CBC (SP 800-38A §6.2, no padding) that picks a backend per update size. CBC's whole chained state is
 * the IV of the next block — the last ciphertext block seen:
 *
 *   encrypt:  C_i = E(K, P_i ⊕ C_{i-1})   → next IV = last block of the OUTPUT
 *   decrypt:  P_i = D(K, C_i) ⊕ C_{i-1}   → next IV = last block of the INPUT (saved first: out may be data)
 *
 * so moving between backends is: create the other backend's cipher with the same key and the carried IV. A WASM
 * cipher keeps that value in its context and hands it over at a switch (readChainingValue); for node:crypto,
 * which does not expose it, it is copied here on every update. The
 * key is kept (a copy, wiped by destroy()) for those re-creations, as the adaptive CTR stream does. `pick`
 * decides per update (registry.ts: the size's choice, unless the saving does not pay for the switch).
 */
import type { BackendName, CbcCipher, CbcDirection } from '../types.js';
import { KernelDestroyedError } from '../errors.js';
import { checkAes256Args, checkCbcLength } from '../validate.js';
import type { CbcByteCounts } from './cbc-bytes.js';

export type CbcPicker = (size: number, current: BackendName | undefined) => BackendName;
export type CbcFactory = (backend: BackendName, direction: CbcDirection, key: Uint8Array, iv: Uint8Array) => CbcCipher;

const BLOCK = 16;

interface Current {
  name: BackendName;
  cipher: CbcCipher;
  /** The cipher can report its chaining value, so updates need not track it. */
  keepsChain: boolean;
}

export class AdaptiveCbc implements CbcCipher {
  private key: Uint8Array | undefined;
  private readonly iv = new Uint8Array(BLOCK);
  private current: Current | undefined;
  private lastSize = -1;
  /** How many times the cipher moved between backends (tests, status). */
  switches = 0;

  constructor(
    private readonly direction: CbcDirection,
    key: Uint8Array,
    iv: Uint8Array,
    private readonly pick: CbcPicker,
    private readonly create: CbcFactory,
    /** Where each update's bytes are counted, under the backend that served it (the metrics). */
    private readonly counts?: CbcByteCounts,
  ) {
    checkAes256Args('aes-256-cbc', key, iv);
    this.key = key.slice();
    this.iv.set(iv);
  }

  /** The backend serving the last update (undefined before the first). */
  get backend(): BackendName | undefined {
    return this.current?.name;
  }

  update(data: Uint8Array, out?: Uint8Array): Uint8Array {
    const current = this.current;
    // a run of same-size updates (the common case) keeps its backend: the picker costs more than a 64-byte block
    if (current === undefined || data.length !== this.lastSize || this.key === undefined) return this.updatePicked(data, out);
    this.counts?.add(current.name, this.direction, data.length);
    return current.keepsChain ? current.cipher.update(data, out) : this.updateTracked(current.cipher, data, out);
  }

  private updatePicked(data: Uint8Array, out: Uint8Array | undefined): Uint8Array {
    const key = this.key;
    if (key === undefined) throw new KernelDestroyedError('aes-256-cbc');
    checkCbcLength(data.length);
    let current = this.current;
    const name = this.pick(data.length, current?.name);
    this.lastSize = data.length;
    if (current === undefined || current.name !== name) current = this.moveTo(name, key, current);
    this.counts?.add(name, this.direction, data.length);
    return current.keepsChain ? current.cipher.update(data, out) : this.updateTracked(current.cipher, data, out);
  }

  /**
   * An update on a backend that cannot report its chaining value: it is copied here (plain 16-byte loops; a
   * subarray() view per update costs more). Decrypt takes it from the input before `out` may overwrite it.
   */
  private updateTracked(cipher: CbcCipher, data: Uint8Array, out: Uint8Array | undefined): Uint8Array {
    const last = data.length - BLOCK;
    const iv = this.iv;
    if (this.direction === 'decrypt') {
      if (last >= 0) for (let i = 0; i < BLOCK; i++) iv[i] = data[last + i]!;
      return cipher.update(data, out);
    }
    const result = cipher.update(data, out);
    if (last >= 0) for (let i = 0; i < BLOCK; i++) iv[i] = result[last + i]!;
    return result;
  }

  /** Re-creates the cipher on `name` at the current chaining value. */
  private moveTo(name: BackendName, key: Uint8Array, current: Current | undefined): Current {
    if (current !== undefined) {
      if (current.keepsChain) current.cipher.readChainingValue!(this.iv);
      current.cipher.destroy();
      this.switches++;
    }
    const cipher = this.create(name, this.direction, key, this.iv);
    return (this.current = { name, cipher, keepsChain: cipher.readChainingValue !== undefined });
  }

  destroy(): void {
    if (this.key === undefined) return;
    this.key.fill(0);
    this.key = undefined;
    this.iv.fill(0);
    this.current?.cipher.destroy();
    this.current = undefined;
  }
}
