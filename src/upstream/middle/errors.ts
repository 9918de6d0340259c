/**
 * Typed errors of the middle-proxy link (docs/protocol.md "Middle proxy"). Wire problems carry
 * ERR_PROTOCOL_MIDDLE_* codes, a bad proxy-config table ERR_CONFIG_PROXY_TABLE_*; messages never hold the proxy
 * secret, keys or client data.
 */
import { MtShieldError } from '../../errors.js';
import { ProtocolError } from '../../protocol/errors.js';

export type MiddleErrorCode =
  | 'ERR_PROTOCOL_MIDDLE_FRAME_LENGTH'
  | 'ERR_PROTOCOL_MIDDLE_FRAME_CRC'
  | 'ERR_PROTOCOL_MIDDLE_FRAME_SEQ'
  | 'ERR_PROTOCOL_MIDDLE_MESSAGE'
  | 'ERR_PROTOCOL_MIDDLE_HANDSHAKE'
  | 'ERR_PROTOCOL_MIDDLE_HANDSHAKE_TIMEOUT'
  | 'ERR_PROTOCOL_MIDDLE_ADDRESS'
  | 'ERR_PROTOCOL_MIDDLE_LINK_CLOSED'
  | 'ERR_PROTOCOL_MIDDLE_CLIENT_OVERFLOW'
  | 'ERR_PROTOCOL_MIDDLE_CLIENT_CLOSED'
  | 'ERR_PROTOCOL_MIDDLE_NO_PONG';

/** Something on the link to (or from) a middle proxy is not what the protocol allows. */
export class MiddleProtocolError extends ProtocolError {
  declare readonly code: MiddleErrorCode;
  constructor(code: MiddleErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

export type ProxyTableErrorCode = 'ERR_CONFIG_PROXY_TABLE_SYNTAX' | 'ERR_CONFIG_PROXY_TABLE_EMPTY' | 'ERR_CONFIG_PROXY_TABLE_DEFAULT';

/** The proxy-config text (getProxyConfig) cannot be used; `line` is 1-based when one line is at fault. */
export class ProxyTableError extends MtShieldError {
  declare readonly code: ProxyTableErrorCode;
  readonly line: number | undefined;
  constructor(code: ProxyTableErrorCode, message: string, line?: number) {
    super(code, line === undefined ? message : `line ${line}: ${message}`);
    this.line = line;
  }
}

export type MiddleSetupErrorCode =
  | 'ERR_CONFIG_MIDDLE_FILE' // a file middle mode needs is missing or unusable
  | 'ERR_CONFIG_MIDDLE_DOWNLOAD'; // fetching a file from core.telegram.org failed

/** Middle mode cannot start (or refresh) with the files it was given; the message names the file and the fix. */
export class MiddleSetupError extends MtShieldError {
  declare readonly code: MiddleSetupErrorCode;
  constructor(code: MiddleSetupErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
