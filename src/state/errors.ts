/**
 * Typed errors of the state stores' inter-process path (a worker asking the primary). Callers of a StateStore
 * treat any store error as "no answer" and fail open, as they do for a Redis outage; the codes say why.
 */
import { MtShieldError } from '../errors.js';

export type StateIpcErrorCode =
  /** This process has no IPC channel (not started by node:cluster or fork). */
  | 'ERR_STATE_IPC_NO_CHANNEL'
  /** The primary did not answer within the deadline. */
  | 'ERR_STATE_IPC_TIMEOUT'
  /** The channel closed (the primary exited, or the store was closed) before the answer came. */
  | 'ERR_STATE_IPC_CLOSED'
  /** The primary refused the request (unknown operation, bad arguments) or its store failed. */
  | 'ERR_STATE_IPC_REMOTE';

export class StateIpcError extends MtShieldError {
  declare readonly code: StateIpcErrorCode;
  constructor(code: StateIpcErrorCode, message: string) {
    super(code, message);
  }
}

/**
 * A Redis command that failed: Redis unreachable (the store fails fast while it reconnects, instead of queueing
 * commands behind a handshake) or a reply error. The message names the operation, never the key or the URL.
 */
export class StateUnavailableError extends MtShieldError {
  declare readonly code: 'ERR_STATE_UNAVAILABLE';
  constructor(operation: string, options?: { cause?: unknown }) {
    super('ERR_STATE_UNAVAILABLE', `state store unavailable (${operation})`, options);
  }
}

/** The run-time overlay (src/state/overlay.ts) cannot be read or written: the file or Redis key is bad or unreachable. */
export class OverlayStateError extends MtShieldError {
  declare readonly code: 'ERR_STATE_OVERLAY';
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_STATE_OVERLAY', message, options);
  }
}
