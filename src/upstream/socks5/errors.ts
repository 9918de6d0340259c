/**
 * Typed errors of the SOCKS5 upstream (RFC 1928, RFC 1929), with stable codes. A reply code from the server
 * maps to its own code, so a dc.failed event and a log line say what the SOCKS5 server refused and why.
 * Messages never carry the username or password.
 */
import { MtShieldError } from '../../errors.js';

/**
 * ERR_SOCKS5_UNREACHABLE (the SOCKS5 server itself could not be reached), ERR_SOCKS5_TIMEOUT (no complete
 * answer within the handshake deadline), ERR_SOCKS5_CLOSED (the server closed mid-handshake),
 * ERR_SOCKS5_PROTOCOL (an answer that is not SOCKS5), ERR_SOCKS5_NO_ACCEPTABLE_METHOD, ERR_SOCKS5_AUTH_REFUSED,
 * ERR_SOCKS5_ADDRESS_TOO_LONG, ERR_SOCKS5_CREDENTIALS (too long for RFC 1929), or one of REPLY_CODES' codes.
 */
export class Socks5Error extends MtShieldError {
  /** The server's REP field (RFC 1928 section 6) when the error is a refused CONNECT. */
  readonly reply?: number;

  constructor(code: string, message: string, options?: { cause?: unknown; reply?: number }) {
    super(code, message, options);
    this.reply = options?.reply;
  }
}

/** RFC 1928 section 6, REP values other than succeeded. */
const REPLY_CODES: Record<number, [code: string, text: string]> = {
  0x01: ['ERR_SOCKS5_GENERAL_FAILURE', 'general SOCKS server failure'],
  0x02: ['ERR_SOCKS5_NOT_ALLOWED', 'connection not allowed by ruleset'],
  0x03: ['ERR_SOCKS5_NETWORK_UNREACHABLE', 'network unreachable'],
  0x04: ['ERR_SOCKS5_HOST_UNREACHABLE', 'host unreachable'],
  0x05: ['ERR_SOCKS5_CONNECTION_REFUSED', 'connection refused'],
  0x06: ['ERR_SOCKS5_TTL_EXPIRED', 'TTL expired'],
  0x07: ['ERR_SOCKS5_COMMAND_NOT_SUPPORTED', 'command not supported'],
  0x08: ['ERR_SOCKS5_ADDRESS_TYPE_NOT_SUPPORTED', 'address type not supported'],
};

/** The refused CONNECT's error: its own code for the RFC's values, ERR_SOCKS5_REPLY for any other. */
export function replyError(reply: number, target: string): Socks5Error {
  const [code, text] = REPLY_CODES[reply] ?? ['ERR_SOCKS5_REPLY', `reply code 0x${reply.toString(16).padStart(2, '0')}`];
  return new Socks5Error(code, `SOCKS5 server refused CONNECT to ${target}: ${text}`, { reply });
}

/** Refusals about the target alone (the next DC address may still work); others end the attempt. */
export function isTargetRefusal(err: unknown): boolean {
  return err instanceof Socks5Error && err.reply !== undefined && [0x03, 0x04, 0x05, 0x06].includes(err.reply);
}
