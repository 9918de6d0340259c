/**
 * Typed kernel errors (stable `code` strings, never renamed). Thrown by every backend alike, so callers match
 * on `err.code` whatever backend served them. Messages carry lengths and names, never key or data bytes.
 */
import { MtShieldError } from '../errors.js';

export class KernelError extends MtShieldError {}

export class KernelBadKeyLengthError extends KernelError {
  constructor(message: string) {
    super('ERR_KERNEL_BAD_KEY_LENGTH', message);
  }
}

export class KernelBadNonceLengthError extends KernelError {
  constructor(message: string) {
    super('ERR_KERNEL_BAD_NONCE_LENGTH', message);
  }
}

export class KernelBadLengthError extends KernelError {
  constructor(message: string) {
    super('ERR_KERNEL_BAD_LENGTH', message);
  }
}

export class KernelDestroyedError extends KernelError {
  constructor(what: string) {
    super('ERR_KERNEL_DESTROYED', `${what}: used after destroy()`);
  }
}

export class KernelAuthFailedError extends KernelError {
  constructor(alg: string) {
    super('ERR_KERNEL_AUTH_FAILED', `${alg}: authentication tag mismatch`);
  }
}

export type SwapRefusal = 'read' | 'path' | 'size' | 'hash' | 'invalid' | 'abi' | 'selftest' | 'coverage';

export class KernelSwapRefusedError extends KernelError {
  readonly reason: SwapRefusal;
  constructor(reason: SwapRefusal, message: string, options?: { cause?: unknown }) {
    super('ERR_KERNEL_SWAP_REFUSED', message, options);
    this.reason = reason;
  }
}

export class KernelUnsupportedError extends KernelError {
  constructor(message: string) {
    super('ERR_KERNEL_UNSUPPORTED', message);
  }
}

/** A kernel returned a status the wrapper did not expect (out of bounds, bad state): a bug, not bad input. */
export class KernelInternalError extends KernelError {
  constructor(code: string, message: string) {
    super(code, message);
  }
}
