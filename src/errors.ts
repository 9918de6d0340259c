/**
 * Typed errors with stable codes (undici's style): every error mtshield raises on purpose is a
 * MtShieldError whose `code` is a stable string that callers, tests and logs can match on.
 * Codes are grouped by prefix: ERR_KERNEL_*, ERR_PROTOCOL_*, ERR_PROXY_*, ERR_CONFIG_*, ERR_SECURITY_*,
 * ERR_ADMIN_*. Add a subclass next to the module that throws it; keep the code string stable forever.
 */
export class MtShieldError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** True when `err` is a MtShieldError, optionally with the given code. */
export function isMtShieldError(err: unknown, code?: string): err is MtShieldError {
  return err instanceof MtShieldError && (code === undefined || err.code === code);
}
