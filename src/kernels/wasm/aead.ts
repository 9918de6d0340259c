/**
 * AEADs over the wasm kernels: AES-GCM (gcmInit/gcmAad/gcmEncrypt|gcmDecrypt/gcmFinal, SP 800-38D, 96-bit nonces)
 * and ChaCha20-Poly1305 / XChaCha20-Poly1305 (aeadInit with nonceLen 12 or 24, RFC 8439 §2.8,
 * draft-irtf-cfrg-xchacha §2.3). Sealed layout, built in place in the I/O buffer so one copy takes both out:
 *
 *   io → [ ciphertext (len = plaintext) | tag (16, written by final at io + len) ]
 *
 * open decrypts in the I/O buffer, computes the tag into the param slot, compares it in constant time with the
 * received one and copies plaintext out only on a match; on a mismatch the I/O buffer is wiped, so no plaintext
 * leaves or stays. The key is wiped from the param slot right after init; the context is wiped after every call
 * (by the kernel's final call where the build does that — probed once per context slot — else here).
 * Hot path: no per-call closures or objects besides the result; every kernel function is resolved once.
 */
import type { AeadAlgorithm, Aead } from '../types.js';
import { KernelAuthFailedError, KernelDestroyedError } from '../errors.js';
import { aeadKeyLength, aeadNonceLength, checkAeadArgs, checkSealedLength, constantTimeEqualAt, TAG_LENGTH } from '../validate.js';
import { PARAM_KEY, PARAM_NONCE, PARAM_TAG, zeroWords, type KernelFn, type KernelPool, type Slot } from './instance.js';
import { statusError } from './status.js';
import { MemoryWindow, takeOutput } from './output.js';

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

/** Param-slot bytes that may hold call data after init (nonce at 32, tag at 64): wiped after every call. */
const PARAM_CALL_BYTES = PARAM_TAG + TAG_LENGTH - PARAM_NONCE;
const UNBOUND: KernelFn = () => -5;
const NO_MEMORY = new Uint8Array(0);
const NO_WINDOW = new MemoryWindow(NO_MEMORY, 0);

export class WasmAead implements Aead {
  private readonly k: AeadKernel;
  private readonly keyLength: number;
  private readonly nonceLength: number;
  private destroyed = false;
  private slot: Slot | undefined = undefined;
  // Resolved by bind() on first use (fields, not a side object: one load less per access on the hot path).
  private mem: Uint8Array = NO_MEMORY;
  private mem32: Int32Array = new Int32Array(0);
  private io = 0;
  private ioSize = 0;
  private ctx = 0;
  private ctxSize = 0;
  private keyPtr = 0;
  private noncePtr = 0;
  private tagPtr = 0;
  /** true when this build's final call leaves the context zeroed, so the per-call JS wipe would be redundant. */
  private finalWipes = false;
  private init = UNBOUND;
  private aad = UNBOUND;
  private encrypt = UNBOUND;
  private decrypt = UNBOUND;
  private final = UNBOUND;
  /** The I/O buffer's result views, one per direction (seal and open lengths differ by the tag). */
  private sealOut = NO_WINDOW;
  private openOut = NO_WINDOW;

  constructor(private readonly pool: KernelPool, private readonly alg: AeadAlgorithm) {
    this.k = KERNELS[alg];
    this.keyLength = aeadKeyLength(alg);
    this.nonceLength = aeadNonceLength(alg);
  }

  seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array {
    this.begin(key, nonce, aad);
    const length = plaintext.length;
    const sealedLength = length + TAG_LENGTH;
    if (sealedLength > this.ioSize) return this.sealChunked(plaintext);
    const mem = this.mem;
    const io = this.io;
    mem.set(plaintext, io);
    let status = this.encrypt(this.ctx, io, length);
    if (status >= 0) status = this.final(this.ctx, io + length);
    if (status < 0) this.fail(status, this.k.encrypt, sealedLength);
    const out = this.sealOut.copy(sealedLength);
    this.end();
    return out;
  }

  open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array {
    checkSealedLength(this.alg, sealed);
    this.begin(key, nonce, aad);
    const ctLength = sealed.length - TAG_LENGTH;
    if (sealed.length > this.ioSize) return this.openChunked(sealed, ctLength);
    const mem = this.mem;
    const io = this.io;
    mem.set(sealed, io);
    let status = this.decrypt(this.ctx, io, ctLength);
    if (status >= 0) status = this.final(this.ctx, this.tagPtr);
    if (status < 0) this.fail(status, this.k.decrypt, sealed.length);
    if (!constantTimeEqualAt(mem, this.tagPtr, mem, io + ctLength, TAG_LENGTH)) {
      mem.fill(0, io, io + sealed.length); // a forged message's plaintext stays nowhere
      this.end();
      throw new KernelAuthFailedError(this.alg);
    }
    const out = this.openOut.copy(ctLength);
    this.end();
    return out;
  }

  destroy(): void {
    this.destroyed = true;
    if (this.slot !== undefined) {
      this.pool.untrack(this);
      this.pool.release(this.slot);
    }
    this.slot = undefined;
  }

  /** Messages larger than the I/O buffer: ciphertext chunk by chunk into the result, the tag via the param slot. */
  private sealChunked(plaintext: Uint8Array): Uint8Array {
    const length = plaintext.length;
    const out = takeOutput(length + TAG_LENGTH);
    this.pump(this.encrypt, this.k.encrypt, plaintext, length, out);
    const status = this.final(this.ctx, this.tagPtr);
    if (status < 0) this.fail(status, this.k.final, this.ioSize);
    out.set(this.mem.subarray(this.tagPtr, this.tagPtr + TAG_LENGTH), length);
    this.end();
    return out;
  }

  private openChunked(sealed: Uint8Array, ctLength: number): Uint8Array {
    const plaintext = new Uint8Array(ctLength);
    let ok = false;
    try {
      this.pump(this.decrypt, this.k.decrypt, sealed, ctLength, plaintext);
      const status = this.final(this.ctx, this.tagPtr);
      if (status < 0) this.fail(status, this.k.final, this.ioSize);
      ok = constantTimeEqualAt(this.mem, this.tagPtr, sealed, ctLength, TAG_LENGTH);
    } finally {
      if (!ok) {
        plaintext.fill(0);
        this.mem.fill(0, this.io, this.io + Math.min(ctLength, this.ioSize));
      }
    }
    this.end();
    if (!ok) throw new KernelAuthFailedError(this.alg);
    return plaintext;
  }

  /** Runs `kernel` over src[0, length) through the I/O buffer in chunks, writing the result to dst. */
  private pump(kernel: KernelFn, what: string, src: Uint8Array, length: number, dst: Uint8Array): void {
    const { mem, io, ioSize, ctx } = this;
    for (let pos = 0; pos < length; pos += ioSize) {
      const n = Math.min(ioSize, length - pos);
      mem.set(src.subarray(pos, pos + n), io);
      const status = kernel(ctx, io, n);
      if (status < 0) this.fail(status, what, n);
      dst.set(mem.subarray(io, io + n), pos);
    }
  }

  /** Checks arguments, keys the context (key bytes wiped from the param slot at once) and absorbs the AAD. */
  private begin(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array | undefined): void {
    if (this.destroyed) throw new KernelDestroyedError(this.alg);
    // the common case checked inline against lengths resolved once; anything else gets checkAeadArgs' typed error
    if (!(key instanceof Uint8Array) || key.length !== this.keyLength || !(nonce instanceof Uint8Array) || nonce.length !== this.nonceLength) {
      checkAeadArgs(this.alg, key, nonce);
    }
    if (this.slot === undefined) this.bind();
    const mem = this.mem;
    mem.set(key, this.keyPtr);
    mem.set(nonce, this.noncePtr);
    const status = this.k.keyLenArg
      ? this.init(this.ctx, this.keyPtr, key.length, this.noncePtr, nonce.length)
      : this.init(this.ctx, this.keyPtr, this.noncePtr, nonce.length);
    zeroWords(this.mem32, this.keyPtr, 32);
    if (status < 0) this.fail(status, this.k.init, 0);
    if (aad !== undefined && aad.length > 0) {
      const { io, ioSize, ctx } = this;
      for (let pos = 0; pos < aad.length; pos += ioSize) {
        const n = Math.min(ioSize, aad.length - pos);
        mem.set(pos === 0 && n === aad.length ? aad : aad.subarray(pos, pos + n), io);
        const s = this.aad(ctx, io, n);
        if (s < 0) this.fail(s, this.k.aad, n);
      }
    }
  }

  /** After every call: the context (unless the kernel's final already zeroed it) and the nonce and tag fields. */
  private end(): void {
    if (!this.finalWipes) this.mem.fill(0, this.ctx, this.ctx + this.ctxSize);
    zeroWords(this.mem32, this.noncePtr, PARAM_CALL_BYTES);
  }

  /** A kernel refused a call (a bug, not bad input): wipe everything this call touched, throw the typed error. */
  private fail(status: number, what: string, ioBytes: number): never {
    this.mem.fill(0, this.ctx, this.ctx + this.ctxSize);
    this.mem.fill(0, this.io, this.io + ioBytes);
    zeroWords(this.mem32, this.keyPtr, PARAM_TAG + TAG_LENGTH);
    throw statusError(status, what);
  }

  private bind(): void {
    const slot = this.pool.alloc(this.pool.primary.fn(this.k.ctxSize)());
    const inst = slot.inst;
    this.pool.track(this, slot);
    this.slot = slot;
    this.mem = inst.mem;
    this.mem32 = inst.mem32;
    this.io = inst.ioPtr;
    this.ioSize = inst.ioSize;
    this.ctx = slot.ptr;
    this.ctxSize = slot.size;
    this.keyPtr = inst.param + PARAM_KEY;
    this.noncePtr = inst.param + PARAM_NONCE;
    this.tagPtr = inst.param + PARAM_TAG;
    this.init = inst.fn(this.k.init);
    this.aad = inst.fn(this.k.aad);
    this.encrypt = inst.fn(this.k.encrypt);
    this.decrypt = inst.fn(this.k.decrypt);
    this.final = inst.fn(this.k.final);
    this.sealOut = new MemoryWindow(inst.mem, inst.ioPtr);
    this.openOut = new MemoryWindow(inst.mem, inst.ioPtr);
    this.finalWipes = this.probeFinalWipes();
  }

  /**
   * Does this build's final call zero the context? ChaCha's aeadFinal does; gcmFinal keeps the key schedule.
   * Probed once per slot with a throwaway key and a short message (a swapped build is probed afresh), so the
   * JS wipe after every call is skipped only where the kernel provably did it already.
   */
  private probeFinalWipes(): boolean {
    const { mem, ctx, ctxSize, keyPtr, noncePtr, io } = this;
    const { keyLength, nonceLength } = this;
    mem.fill(0x5c, keyPtr, keyPtr + keyLength);
    mem.fill(0x36, noncePtr, noncePtr + nonceLength);
    let status = this.k.keyLenArg ? this.init(ctx, keyPtr, keyLength, noncePtr, nonceLength) : this.init(ctx, keyPtr, noncePtr, nonceLength);
    mem.fill(0, io, io + 80);
    if (status >= 0) status = this.encrypt(ctx, io, 80);
    if (status >= 0) status = this.final(ctx, this.tagPtr);
    let nonzero = 0;
    for (let i = ctx; i < ctx + ctxSize; i++) if (mem[i] !== 0) nonzero++;
    mem.fill(0, ctx, ctx + ctxSize);
    mem.fill(0, io, io + 80);
    zeroWords(this.mem32, keyPtr, PARAM_TAG + TAG_LENGTH);
    return status >= 0 && nonzero <= 4; // at most a state word ("finished") may remain
  }
}
