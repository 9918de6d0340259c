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
 *
 * Memory: a proxy holds four of these per connection, mostly idle, so a stream keeps only key ‖ IV (a 48-byte
 * slot in a shared slab, material-slots.ts) and, once it has run on WASM, its arena slot: it drives the kernel exports (aesInit, aesCtrInit,
 * aesCtrXor; docs/kernel-abi.md) itself rather than through a WasmCtr with its own IV copy and views.
 */
import type { Cipher } from 'node:crypto';
import type { StreamCipher } from '../types.js';
import { KernelDestroyedError } from '../errors.js';
import { checkAes256Args, outputFor } from '../validate.js';
import { nativeCtrAt } from '../backends/native.js';
import type { WasmBackend } from '../wasm/backend.js';
import type { KernelFn, KernelInstance, Slot } from '../wasm/instance.js';
import { openAesSlot, seekCtr } from '../wasm/aes-context.js';
import { pump } from '../wasm/io.js';
import { takeOutput } from '../wasm/output.js';
import { releaseSlot, slotBytes, takeSlot } from './material-slots.js';

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

/** The exports a CTR stream needs on its hot path, looked up once per instance. */
interface CtrFns {
  ctrInit: KernelFn;
  xor: KernelFn;
}
const fnsByInstance = new WeakMap<KernelInstance, CtrFns>();

function fnsOf(inst: KernelInstance): CtrFns {
  let fns = fnsByInstance.get(inst);
  if (fns === undefined) {
    fns = { ctrInit: inst.fn('aesCtrInit'), xor: inst.fn('aesCtrXor') };
    fnsByInstance.set(inst, fns);
  }
  return fns;
}

export class AdaptiveCtr implements StreamCipher {
  /** The key ‖ IV slot in the shared slabs (material-slots.ts: a proxy holds four streams per connection); -1 once destroyed. */
  private material: number;
  private offset = 0;
  /** The WASM context's arena slot, made on first WASM use and kept until destroy(). */
  private slot: Slot | undefined;
  /** The slot's aesCtrXor export, kept beside the slot (a WeakMap lookup per update costs ≈ 15 ns). */
  private xorFn: KernelFn | undefined;
  private native: Cipher | undefined;
  private onWasm = true;
  private balance = 0;
  /** Number of switches so far (tests, status). */
  switches = 0;

  constructor(private readonly wasmBackend: WasmBackend, private readonly plan: AdaptivePlan, key: Uint8Array, iv: Uint8Array) {
    checkAes256Args('aes-256-ctr', key, iv);
    const material = takeSlot();
    slotBytes(material).set(key);
    slotBytes(material, 32).set(iv);
    this.material = material;
  }

  update(data: Uint8Array, out?: Uint8Array): Uint8Array {
    const material = this.choose(data.length);
    let result: Uint8Array;
    if (this.onWasm) {
      result = out === undefined ? takeOutput(data.length) : outputFor(data, out);
      this.xorWasm(material, data, result);
    } else {
      const produced = this.native!.update(data);
      if (out === undefined) result = produced;
      else (result = outputFor(data, out)).set(produced);
    }
    this.offset += data.length;
    return result;
  }

  /**
   * Encrypts `data` wherever it is cheapest: in place on the WASM side, into node:crypto's fresh output on the
   * native side (which cannot write in place; copying that output back would cost a second pass over the
   * bytes). The caller uses the returned bytes and must not rely on `data` afterwards.
   */
  transform(data: Uint8Array): Uint8Array {
    const material = this.choose(data.length);
    let result: Uint8Array;
    if (this.onWasm) this.xorWasm(material, data, (result = data));
    else result = this.native!.update(data);
    this.offset += data.length;
    return result;
  }

  /** Moves to the cheaper side for an update of `length` bytes when the ski-rental balance says so. */
  private choose(length: number): number {
    const material = this.material;
    if (material < 0) throw new KernelDestroyedError('aes-256-ctr');
    const gain = gainOf(this.plan, length); // > 0: native is cheaper for this length
    if (this.onWasm) {
      this.balance = Math.max(0, this.balance + gain);
      if (this.balance > this.plan.toNativeNs) this.enterNative(material);
    } else {
      this.balance = Math.max(0, this.balance - gain);
      if (this.balance > this.plan.toWasmNs) this.enterWasm(material);
    }
    return material;
  }

  private xorWasm(material: number, data: Uint8Array, dst: Uint8Array): void {
    const slot = (this.slot ??= this.openWasm(material));
    pump(slot.inst, this.xorFn!, slot.ptr, data, dst, 'aesCtrXor');
  }

  /** A WASM context keyed with the key and positioned at the current offset; the key passes through the param slot only. */
  private openWasm(material: number): Slot {
    const pool = this.wasmBackend.pool;
    const slot = openAesSlot(pool, slotBytes(material, 0, 32), (fresh) => this.seekWasm(fresh, material));
    pool.track(this, slot);
    this.xorFn = fnsOf(slot.inst).xor;
    return slot;
  }

  /** Counter = IV + floor(offset / 16), then burn offset mod 16 keystream bytes. */
  private seekWasm(slot: Slot, material: number): void {
    const fns = fnsOf(slot.inst);
    seekCtr(slot, fns.ctrInit, fns.xor, slotBytes(material, 32), this.offset);
  }

  private enterNative(material: number): void {
    this.native = nativeCtrAt(slotBytes(material, 0, 32), slotBytes(material, 32), this.offset);
    this.onWasm = false;
    this.balance = 0;
    this.switches++;
  }

  private enterWasm(material: number): void {
    if (this.slot === undefined) this.slot = this.openWasm(material);
    else this.seekWasm(this.slot, material);
    this.native = undefined;
    this.onWasm = true;
    this.balance = 0;
    this.switches++;
  }

  /**
   * Releases the per-stream cipher state (the WASM arena slot, wiped, or the node:crypto cipher) while the stream
   * is idle; the next update re-creates it at the current offset from key ‖ IV (one key schedule, ≈1 µs). A
   * proxy calls this for connections that have gone quiet, so an idle connection holds only 48 bytes of keys.
   */
  release(): void {
    if (this.material < 0) return;
    const slot = this.slot;
    if (slot !== undefined) {
      const pool = this.wasmBackend.pool;
      pool.untrack(this);
      pool.release(slot);
      this.slot = undefined;
      this.xorFn = undefined;
    }
    this.native = undefined;
    this.onWasm = true;
    this.balance = 0;
  }

  /** Which side serves the stream now (tests, status). */
  get side(): 'wasm' | 'native' {
    return this.onWasm ? 'wasm' : 'native';
  }

  destroy(): void {
    if (this.material < 0) return;
    this.release(); // wipes the WASM context
    releaseSlot(this.material);
    this.material = -1;
  }
}
