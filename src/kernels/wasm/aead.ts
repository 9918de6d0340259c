/**
 * AEADs over the wasm kernels: AES-GCM (gcmInit/gcmAad/gcmEncrypt|gcmDecrypt/gcmFinal, SP 800-38D, 96-bit nonces)
 * and ChaCha20-Poly1305 / XChaCha20-Poly1305 (aeadInit with nonceLen 12 or 24, RFC 8439 §2.8,
 * draft-irtf-cfrg-xchacha §2.3). Sealed layout:
 *
 *   seal → [ ciphertext (len = plaintext) | tag (16) ]
 *
 * open decrypts into a private buffer, computes the tag, compares it in constant time with the received one and
 * wipes the buffer (and the I/O buffer) on mismatch, so no plaintext leaves on failure. The context and the
 * param slot (key, nonce, tag) are wiped after every call: an Aead holds no key material between calls.
 */
import type { AeadAlgorithm, Aead } from '../types.js';
import { KernelAuthFailedError, KernelDestroyedError } from '../errors.js';
import { allocOutput, checkAeadArgs, checkSealedLength, constantTimeEqualAt, TAG_LENGTH } from '../validate.js';
import { PARAM_KEY, PARAM_NONCE, PARAM_SIZE, PARAM_TAG, type KernelFn, type KernelInstance, type KernelPool, type Slot } from './instance.js';
import { check } from './status.js';
import { absorb, pump } from './io.js';

interface AeadKernel {
  ctxSize: string;
  init: string;
  aad: string;
  encrypt: string;
  decrypt: string;
  final: string;
  /** true: init(ctx, key, keyLen, nonce, nonceLen) (gcm); false: init(ctx, key, nonce, nonceLen) (aead) */
  keyLenArg: boolean;
}

const GCM: AeadKernel = { ctxSize: 'gcmCtxSize', init: 'gcmInit', aad: 'gcmAad', encrypt: 'gcmEncrypt', decrypt: 'gcmDecrypt', final: 'gcmFinal', keyLenArg: true };
const CHACHA: AeadKernel = { ctxSize: 'aeadCtxSize', init: 'aeadInit', aad: 'aeadAad', encrypt: 'aeadEncrypt', decrypt: 'aeadDecrypt', final: 'aeadFinal', keyLenArg: false };

const KERNELS: Record<AeadAlgorithm, AeadKernel> = {
  'chacha20-poly1305': CHACHA,
  'xchacha20-poly1305': CHACHA,
  'aes-128-gcm': GCM,
  'aes-256-gcm': GCM,
};

/** One context slot with its kernel functions resolved once (no lookups on the hot path). */
interface Bound {
  slot: Slot;
  inst: KernelInstance;
  mem: Uint8Array;
  ctx: number;
  keyPtr: number;
  noncePtr: number;
  tagPtr: number;
  init: KernelFn;
  aad: KernelFn;
  encrypt: KernelFn;
  decrypt: KernelFn;
  final: KernelFn;
}

export class WasmAead implements Aead {
  private bound: Bound | undefined;
  private destroyed = false;
  private readonly k: AeadKernel;

  constructor(private readonly pool: KernelPool, private readonly alg: AeadAlgorithm) {
    this.k = KERNELS[alg];
  }

  seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array {
    const b = this.begin(key, nonce, aad);
    const length = plaintext.length;
    const { mem, inst } = b;
    if (length + TAG_LENGTH <= inst.ioSize) {
      // fast path: ciphertext and tag side by side in the I/O buffer, one slice out
      const io = inst.ioPtr;
      mem.set(plaintext, io);
      let status = b.encrypt(b.ctx, io, length);
      if (status >= 0) status = b.final(b.ctx, io + length);
      const out = status >= 0 ? allocOutput(length + TAG_LENGTH) : undefined;
      if (out !== undefined) inst.memBuf.copy(out, 0, io, io + length + TAG_LENGTH);
      this.end(b);
      if (out === undefined) check(status, this.k.encrypt);
      return out!;
    }
    const out = allocOutput(length + TAG_LENGTH);
    try {
      pump(b.inst, b.encrypt, b.ctx, plaintext, out, this.k.encrypt);
      const status = b.final(b.ctx, b.tagPtr);
      if (status < 0) check(status, this.k.final);
      b.inst.memBuf.copy(out, length, b.tagPtr, b.tagPtr + TAG_LENGTH);
    } finally {
      this.end(b);
    }
    return out;
  }

  open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array {
    checkSealedLength(this.alg, sealed);
    const b = this.begin(key, nonce, aad);
    const ctLength = sealed.length - TAG_LENGTH;
    const { mem, inst } = b;
    if (sealed.length <= inst.ioSize) {
      // fast path: decrypt in the I/O buffer and slice the plaintext out only after the tag matched
      const io = inst.ioPtr;
      mem.set(sealed, io);
      let status = b.decrypt(b.ctx, io, ctLength);
      if (status >= 0) status = b.final(b.ctx, b.tagPtr);
      const ok = status >= 0 && constantTimeEqualAt(mem, b.tagPtr, mem, io + ctLength, TAG_LENGTH);
      const out = ok ? allocOutput(ctLength) : undefined;
      if (out !== undefined) inst.memBuf.copy(out, 0, io, io + ctLength);
      else mem.fill(0, io, io + sealed.length); // a forged message's plaintext stays nowhere
      this.end(b);
      if (status < 0) check(status, this.k.decrypt);
      if (out === undefined) throw new KernelAuthFailedError(this.alg);
      return out;
    }
    const plaintext = new Uint8Array(ctLength);
    let ok = false;
    try {
      pump(b.inst, b.decrypt, b.ctx, ctLength === sealed.length ? sealed : sealed.subarray(0, ctLength), plaintext, this.k.decrypt);
      const status = b.final(b.ctx, b.tagPtr);
      if (status < 0) check(status, this.k.final);
      ok = constantTimeEqualAt(b.mem, b.tagPtr, sealed, ctLength, TAG_LENGTH);
    } finally {
      if (!ok) {
        plaintext.fill(0);
        b.mem.fill(0, b.inst.ioPtr, b.inst.ioPtr + Math.min(ctLength, b.inst.ioSize));
      }
      this.end(b);
    }
    if (!ok) throw new KernelAuthFailedError(this.alg);
    return plaintext;
  }

  destroy(): void {
    this.destroyed = true;
    if (this.bound !== undefined) {
      this.pool.untrack(this);
      this.pool.release(this.bound.slot);
    }
    this.bound = undefined;
  }

  private bind(): Bound {
    const slot = this.pool.alloc(this.pool.primary.fn(this.k.ctxSize)());
    const inst = slot.inst;
    this.pool.track(this, slot);
    return {
      slot,
      inst,
      mem: inst.mem,
      ctx: slot.ptr,
      keyPtr: inst.param + PARAM_KEY,
      noncePtr: inst.param + PARAM_NONCE,
      tagPtr: inst.param + PARAM_TAG,
      init: inst.fn(this.k.init),
      aad: inst.fn(this.k.aad),
      encrypt: inst.fn(this.k.encrypt),
      decrypt: inst.fn(this.k.decrypt),
      final: inst.fn(this.k.final),
    };
  }

  /** Checks arguments, keys the context (key bytes wiped from the param slot at once) and absorbs the AAD. */
  private begin(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array | undefined): Bound {
    if (this.destroyed) throw new KernelDestroyedError(this.alg);
    checkAeadArgs(this.alg, key, nonce);
    const b = (this.bound ??= this.bind());
    const { mem, keyPtr, noncePtr } = b;
    mem.set(key, keyPtr);
    mem.set(nonce, noncePtr);
    const status = this.k.keyLenArg ? b.init(b.ctx, keyPtr, key.length, noncePtr, nonce.length) : b.init(b.ctx, keyPtr, noncePtr, nonce.length);
    mem.fill(0, keyPtr, keyPtr + 32);
    if (status < 0) {
      this.end(b);
      check(status, this.k.init);
    }
    if (aad !== undefined && aad.length > 0) {
      try {
        absorb(b.inst, b.aad, b.ctx, aad, this.k.aad);
      } catch (err) {
        this.end(b);
        throw err;
      }
    }
    return b;
  }

  /** Wipes the context and the param slot (nonce, tag) after every call. */
  private end(b: Bound): void {
    b.mem.fill(0, b.ctx, b.ctx + b.slot.size);
    b.mem.fill(0, b.keyPtr, b.keyPtr + PARAM_SIZE);
  }
}
