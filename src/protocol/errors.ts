/**
 * Typed errors of the protocol layer. Every error that src/protocol raises on purpose is one of these, so
 * the proxy can map bad input to a handshake failure reason (or a clean close) by `code`, never by message.
 * Messages say what is wrong and never echo secret material.
 */
import { MtShieldError } from '../errors.js';

/** Base class of every protocol error; `code` starts with ERR_PROTOCOL_. */
export class ProtocolError extends MtShieldError {}

/** Stable codes for secret parsing and generation. */
export type SecretErrorCode =
  | 'ERR_PROTOCOL_SECRET_EMPTY'
  | 'ERR_PROTOCOL_SECRET_ENCODING'
  | 'ERR_PROTOCOL_SECRET_LENGTH'
  | 'ERR_PROTOCOL_SECRET_PREFIX'
  | 'ERR_PROTOCOL_SECRET_DOMAIN'
  | 'ERR_PROTOCOL_SECRET_MODE';

/** A secret (operator input or link) that cannot be used. */
export class SecretError extends ProtocolError {
  declare readonly code: SecretErrorCode;
  constructor(code: SecretErrorCode, message: string) {
    super(code, message);
  }
}

/** Stable codes for obfuscated2 header handling. */
export type HeaderErrorCode = 'ERR_PROTOCOL_HEADER_LENGTH' | 'ERR_PROTOCOL_HEADER_TAG' | 'ERR_PROTOCOL_HEADER_KEY';

export class HeaderError extends ProtocolError {
  declare readonly code: HeaderErrorCode;
  constructor(code: HeaderErrorCode, message: string) {
    super(code, message);
  }
}

/** Stable codes for fake-TLS records and hellos. */
export type TlsErrorCode =
  | 'ERR_PROTOCOL_TLS_RECORD'
  | 'ERR_PROTOCOL_TLS_RECORD_TYPE'
  | 'ERR_PROTOCOL_TLS_RECORD_TOO_LARGE'
  | 'ERR_PROTOCOL_TLS_HELLO'
  | 'ERR_PROTOCOL_TLS_HELLO_TOO_LARGE'
  | 'ERR_PROTOCOL_TLS_SERVER_HELLO';

export class TlsError extends ProtocolError {
  declare readonly code: TlsErrorCode;
  constructor(code: TlsErrorCode, message: string) {
    super(code, message);
  }
}

/** Stable codes for the MTProto transport framings. */
export type FramingErrorCode =
  | 'ERR_PROTOCOL_FRAME_TOO_LARGE'
  | 'ERR_PROTOCOL_FRAME_BAD'
  | 'ERR_PROTOCOL_FRAME_PADDING';

export class FramingError extends ProtocolError {
  declare readonly code: FramingErrorCode;
  constructor(code: FramingErrorCode, message: string) {
    super(code, message);
  }
}

/** Stable codes for the DC table and its overrides. */
export type DcErrorCode = 'ERR_PROTOCOL_DC_ADDRESS' | 'ERR_PROTOCOL_DC_UNKNOWN';

export class DcError extends ProtocolError {
  declare readonly code: DcErrorCode;
  constructor(code: DcErrorCode, message: string) {
    super(code, message);
  }
}

/** Stable codes for proxy links. */
export type LinkErrorCode = 'ERR_PROTOCOL_LINK_HOST' | 'ERR_PROTOCOL_LINK_PORT';

export class LinkError extends ProtocolError {
  declare readonly code: LinkErrorCode;
  constructor(code: LinkErrorCode, message: string) {
    super(code, message);
  }
}

/** Every stable code a protocol error can carry. */
export type ProtocolErrorCode = SecretErrorCode | HeaderErrorCode | TlsErrorCode | FramingErrorCode | DcErrorCode | LinkErrorCode;

/** What bad input from a client ends as: a handshake failure reason, or the reason a relay closes. */
export type BadInputReason = 'oversized' | 'protocol';

/** The one table from protocol error codes to bad-input reasons; a code not listed (or any other error) is 'protocol'. */
const BAD_INPUT_REASONS: { readonly [C in ProtocolErrorCode]?: BadInputReason } = {
  ERR_PROTOCOL_TLS_RECORD_TOO_LARGE: 'oversized',
  ERR_PROTOCOL_TLS_HELLO_TOO_LARGE: 'oversized',
  ERR_PROTOCOL_FRAME_TOO_LARGE: 'oversized',
};

/** The reason for an error thrown while parsing client bytes: by its ProtocolError code, never its message. */
export function badInputReason(err: unknown): BadInputReason {
  if (!(err instanceof ProtocolError)) return 'protocol';
  return BAD_INPUT_REASONS[err.code as ProtocolErrorCode] ?? 'protocol';
}
