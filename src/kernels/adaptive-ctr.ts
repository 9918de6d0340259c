/**
 * The adaptive AES-256-CTR stream: WASM for small updates, node:crypto for large ones, one keystream.
 * Both sides compute the same stream (SP 800-38A CTR, full 128-bit big-endian counter), so a switch only has to
 * reposition the side that takes over at the current byte offset X:
 *   native: createCipheriv at counter IV + floor(X/16), then burn X mod 16 bytes (≈1.3 µs, measured)
 *   wasm:   aesCtrInit at the same counter and burn X mod 16 bytes (no key schedule, ≈0.1 µs)
 * When to switch (ski-rental rule): every update adds what the other side would have saved on it
 * (gain[len] = cost here − cost there, from the registry's cost model; negative when this side is cheaper) to a
 * running balance floored at 0; the stream switches once the balance exceeds the switch cost. One large update
 * switches at once, a run of mid-size updates after a few, and alternating sizes do not thrash.
 */
import { createCipheriv, type Cipher } from 'node:crypto';
import type { StreamCipher } from './types.js';
import { KernelDestroyedError } from './errors.js';
import { checkAes256Args, outputFor } from './validate.js';
import { counterAt } from './counter.js';
import type { WasmBackend } from './wasm/backend.js';
import type { WasmCtr } from './wasm/ctr.js';

const BUCKET = 16;
const BUCKETS = 65536 / BUCKET;

/** Precomputed from costs: nativeGain[i] = wasm cost − native cost (ns) for an update of i·16 bytes. */
export interface AdaptivePlan {
  nativeGain: Float64Array;
  toNativeNs: number;
  toWasmNs: number;
}

export function planAdaptive(costWasm: (n: number) => number, costNative: (n: number) => number, nativeSwitchNs: number): AdaptivePlan {
  const nativeGain = new Float64Array(BUCKETS + 1);
  for (let i = 0; i <= BUCKETS; i++) {
    const n = Math.max(1, i * BUCKET);
    nativeGain[i] = costWasm(n) - costNative(n);
  }
  // leaving native is cheap, but coming back costs a native re-creation: demand that much saving either way
  return { nativeGain, toNativeNs: nativeSwitchNs, toWasmNs: nativeSwitchNs };
}

function gainOf(plan: AdaptivePlan, length: number): number {
  const i = length >>> 4;
  return i <= BUCKETS ? plan.nativeGain[i]! : plan.nativeGain[BUCKETS]! * (length / 65536);
}

const ZEROS = new Uint8Array(16);

export class AdaptiveCtr implements StreamCipher {
  private key: Uint8Array | undefined;
  private readonly iv: Uint8Array;
  private offset = 0;
  private wasm: WasmCtr | undefined;
  private native: Cipher | undefined;
  private onWasm = true;
  private balance = 0;
  /** Number of switches so far (tests, status). */
  switches = 0;

  constructor(private readonly wasmBackend: WasmBackend, private readonly plan: AdaptivePlan, key: Uint8Array, iv: Uint8Array) {
    checkAes256Args('aes-256-ctr', key, iv);
    this.key = Uint8Array.from(key);
    this.iv = Uint8Array.from(iv);
  }

  update(data: Uint8Array, out?: Uint8Array): Uint8Array {
    const key = this.key;
    if (key === undefined) throw new KernelDestroyedError('aes-256-ctr');
    const length = data.length;
    const gain = gainOf(this.plan, length); // > 0: native is cheaper for this length
    if (this.onWasm) {
      this.balance = Math.max(0, this.balance + gain);
      if (this.balance > this.plan.toNativeNs) this.enterNative(key);
    } else {
      this.balance = Math.max(0, this.balance - gain);
      if (this.balance > this.plan.toWasmNs) this.enterWasm(key);
    }
    let result: Uint8Array;
    if (this.onWasm) {
      result = (this.wasm ??= this.wasmBackend.ctr(key, this.iv)).update(data, out);
    } else {
      const produced = this.native!.update(data);
      if (out === undefined) result = produced;
      else (result = outputFor(data, out)).set(produced);
    }
    this.offset += length;
    return result;
  }

  private enterNative(key: Uint8Array): void {
    const native = createCipheriv('aes-256-ctr', key, counterAt(this.iv, Math.floor(this.offset / 16)));
    const skip = this.offset % 16;
    if (skip > 0) native.update(ZEROS.subarray(0, skip));
    this.native = native;
    this.onWasm = false;
    this.balance = 0;
    this.switches++;
  }

  private enterWasm(key: Uint8Array): void {
    if (this.wasm === undefined) {
      this.wasm = this.wasmBackend.ctr(key, this.iv);
      if (this.offset > 0) this.wasm.seek(this.offset);
    } else {
      this.wasm.seek(this.offset);
    }
    this.native = undefined;
    this.onWasm = true;
    this.balance = 0;
    this.switches++;
  }

  /** Which side serves the stream now (tests, status). */
  get side(): 'wasm' | 'native' {
    return this.onWasm ? 'wasm' : 'native';
  }

  destroy(): void {
    if (this.key === undefined) return;
    this.wasm?.destroy();
    this.wasm = undefined;
    this.native = undefined;
    this.key.fill(0);
    this.iv.fill(0);
    this.key = undefined;
  }
}
