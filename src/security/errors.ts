/** Typed errors of the security layer (codes ERR_SECURITY_*; stable forever). */
import { MtShieldError } from '../errors.js';

export type SecurityErrorCode =
  | 'ERR_SECURITY_LEVEL' // unknown level name
  | 'ERR_SECURITY_FORBIDDEN' // level too low
  | 'ERR_SECURITY_UNAUTHORIZED' // missing / wrong / expired credentials
  | 'ERR_SECURITY_RATE_LIMITED' // too many failed attempts
  | 'ERR_SECURITY_INVALID' // bad input (address, CIDR, rule, policy, duration); `field` names it
  | 'ERR_SECURITY_NOT_FOUND' // no such block / rule / token / session / user
  | 'ERR_SECURITY_POLICY' // a policy refuses the operation (e.g. strong_auth on token expiry)
  | 'ERR_SECURITY_STATE' // a state file cannot be read or written
  | 'ERR_SECURITY_UNAVAILABLE'; // a needed part is not wired (e.g. no user directory)

export class SecurityError extends MtShieldError {
  /** The input field at fault, for 400 responses ("ip", "rules.geo.allow.0", …). */
  readonly field?: string;

  constructor(code: SecurityErrorCode, message: string, options?: { field?: string; cause?: unknown }) {
    super(code, message, options);
    this.field = options?.field;
  }
}

export function invalid(field: string, message: string): SecurityError {
  return new SecurityError('ERR_SECURITY_INVALID', `${field}: ${message}`, { field });
}
