/**
 * Kernel status codes (docs/kernel-abi.md "Rules"; mirrors assembly/util/memory.ts) → typed errors.
 *   0 OK · -1 BAD_KEY_LENGTH · -2 BAD_NONCE_LENGTH · -3 BAD_LENGTH · -4 OUT_OF_BOUNDS · -5 BAD_STATE
 *   -6 FRAME_TOO_LARGE · -7 BAD_FRAME
 */
import {
  KernelBadKeyLengthError,
  KernelBadLengthError,
  KernelBadNonceLengthError,
  KernelError,
  KernelInternalError,
} from '../errors.js';

export const Status = {
  OK: 0,
  BAD_KEY_LENGTH: -1,
  BAD_NONCE_LENGTH: -2,
  BAD_LENGTH: -3,
  OUT_OF_BOUNDS: -4,
  BAD_STATE: -5,
  FRAME_TOO_LARGE: -6,
  BAD_FRAME: -7,
} as const;

/** The typed error for a negative status returned by `what`. */
export function statusError(status: number, what: string): KernelError {
  switch (status) {
    case Status.BAD_KEY_LENGTH:
      return new KernelBadKeyLengthError(`${what}: key length not supported by the kernel`);
    case Status.BAD_NONCE_LENGTH:
      return new KernelBadNonceLengthError(`${what}: nonce/IV length not supported by the kernel`);
    case Status.BAD_LENGTH:
      return new KernelBadLengthError(`${what}: data length not allowed`);
    case Status.OUT_OF_BOUNDS:
      return new KernelInternalError('ERR_KERNEL_OUT_OF_BOUNDS', `${what}: pointer outside linear memory`);
    case Status.BAD_STATE:
      return new KernelInternalError('ERR_KERNEL_BAD_STATE', `${what}: call out of order`);
    case Status.FRAME_TOO_LARGE:
      return new KernelInternalError('ERR_KERNEL_FRAME_TOO_LARGE', `${what}: frame length above the maximum`);
    case Status.BAD_FRAME:
      return new KernelInternalError('ERR_KERNEL_BAD_FRAME', `${what}: malformed frame`);
    default:
      return new KernelInternalError('ERR_KERNEL_STATUS', `${what}: unexpected kernel status ${status}`);
  }
}

/** Returns `status` when it is >= 0 (OK or a count), throws the mapped typed error otherwise. */
export function check(status: number, what: string): number {
  if (status < 0) throw statusError(status, what);
  return status;
}
