/**
 * Typed errors of the fronting-site profiler: a site that cannot be reached, answers too slowly, too much,
 * or not with a TLS ServerHello. The store turns every one of them into the fallback profile and a log line;
 * none of them ever reaches a client connection.
 */
import { MtShieldError } from '../errors.js';

export type FrontingErrorCode =
  | 'ERR_FRONTING_CONNECT'
  | 'ERR_FRONTING_TIMEOUT'
  | 'ERR_FRONTING_NOT_TLS'
  | 'ERR_FRONTING_ALERT'
  | 'ERR_FRONTING_PROFILE';

export class FrontingError extends MtShieldError {
  declare readonly code: FrontingErrorCode;
  constructor(code: FrontingErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
