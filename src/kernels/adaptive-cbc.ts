/**
 * AES-256-CBC (SP 800-38A §6.2, no padding) that picks a backend per update size. CBC's whole chained state is
 * the IV of the next block — the last ciphertext block seen:
 *
 *   encrypt:  C_i = E(K, P_i ⊕ C_{i-1})   → next IV = last block of the OUTPUT
 *   decrypt:  P_i = D(K, C_i) ⊕ C_{i-1}   → next IV = last block of the INPUT (saved first: out may be data)
 *
 * so moving between backends is: create the other backend's cipher with the same key and the carried IV. The
 * key is kept (a copy, wiped by destroy()) for those re-creations, as the adaptive CTR stream does. `pick`
 * decides per update (registry.ts: the size's choice, unless the saving does not pay for the switch).
 */
import type { BackendName, CbcCipher, CbcDirection } from './types.js';
import { KernelDestroyedError } from './errors.js';
import { checkAes256Args, checkCbcLength } from './validate.js';

export type CbcPicker = (size: number, current: BackendName | undefined) => BackendName;
export type CbcFactory = (backend: BackendName, direction: CbcDirection, key: Uint8Array, iv: Uint8Array) => CbcCipher;

const BLOCK = 16;

export class AdaptiveCbc implements CbcCipher {
  private key: Uint8Array | undefined;
  private readonly iv = new Uint8Array(BLOCK);
  private readonly nextIv = new Uint8Array(BLOCK);
  private current: { name: BackendName; cipher: CbcCipher } | undefined;
  private lastSize = -1;
  /** How many times the cipher moved between backends (tests, status). */
  switches = 0;

  constructor(
    private readonly direction: CbcDirection,
    key: Uint8Array,
    iv: Uint8Array,
    private readonly pick: CbcPicker,
    private readonly create: CbcFactory,
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
    const key = this.key;
    if (key === undefined) throw new KernelDestroyedError('aes-256-cbc');
    checkCbcLength(data.length);
    let current = this.current;
    // a run of same-size updates (the common case) skips the choice: the picker costs more than a 64-byte block
    const name = current !== undefined && data.length === this.lastSize ? current.name : this.pick(data.length, current?.name);
    this.lastSize = data.length;
    if (current === undefined || current.name !== name) {
      const cipher = this.create(name, this.direction, key, this.iv);
      if (current !== undefined) {
        current.cipher.destroy();
        this.switches++;
      }
      this.current = current = { name, cipher };
    }
    const n = data.length;
    if (n === 0) return current.cipher.update(data, out);
    // plain 16-byte loops: a subarray() view per update would cost more than the copy
    const last = n - BLOCK;
    if (this.direction === 'decrypt') {
      const next = this.nextIv;
      for (let i = 0; i < BLOCK; i++) next[i] = data[last + i]!;
    }
    const result = current.cipher.update(data, out);
    const from = this.direction === 'decrypt' ? this.nextIv : result;
    const at = this.direction === 'decrypt' ? 0 : last;
    const iv = this.iv;
    for (let i = 0; i < BLOCK; i++) iv[i] = from[at + i]!;
    return result;
  }

  destroy(): void {
    if (this.key === undefined) return;
    this.key.fill(0);
    this.key = undefined;
    this.iv.fill(0);
    this.nextIv.fill(0);
    this.current?.cipher.destroy();
    this.current = undefined;
  }
}
