/**
 * Typed errors of the relay tunnel (docs/protocol.md "Relay tunnel"). Every refusal carries a stable `code`
 * (the class of failure) and a `reason` (what exactly happened), so the caller can write one audit event per
 * failure without parsing messages. Reasons never contain key material.
 */
import { MtShieldError } from '../../errors.js';

/** What went wrong, as written to the audit log by the caller of `onFailure`. */
export type RelayFailureReason =
  | 'handshake-malformed' // a handshake message of the wrong size or layout
  | 'handshake-auth' // a handshake message failed to decrypt (wrong pinned key, tampering)
  | 'handshake-closed' // the peer closed during the handshake (e.g. it refused us)
  | 'handshake-timeout'
  | 'handshake-replay' // a first message already seen, or its timestamp outside the window
  | 'peer-not-allowed' // the entry's static key is not in `allow`
  | 'suites-disjoint' // no suite both sides accept
  | 'record-auth' // a record failed authentication (flipped bit, wrong key)
  | 'record-replay' // a record with a sequence number already received
  | 'record-reorder' // a record with a sequence number from the future (one was dropped or moved)
  | 'record-truncated' // the connection ended inside a record
  | 'record-oversize'
  | 'frame-malformed' // an authenticated record whose frame does not parse (a peer bug)
  | 'keepalive-timeout'
  | 'transport-error';

export const RELAY_ERROR_CODES = {
  handshake: 'ERR_RELAY_HANDSHAKE',
  peer: 'ERR_RELAY_PEER_REFUSED',
  suites: 'ERR_RELAY_NO_COMMON_SUITE',
  record: 'ERR_RELAY_RECORD',
  frame: 'ERR_RELAY_FRAME',
  closed: 'ERR_RELAY_CLOSED',
  keyFile: 'ERR_RELAY_KEY_FILE',
  server: 'ERR_RELAY_BAD_SERVER',
  key: 'ERR_RELAY_BAD_KEY',
} as const;

export type RelayErrorCode = (typeof RELAY_ERROR_CODES)[keyof typeof RELAY_ERROR_CODES];

const CODE_OF: Record<RelayFailureReason, RelayErrorCode> = {
  'handshake-malformed': 'ERR_RELAY_HANDSHAKE',
  'handshake-auth': 'ERR_RELAY_HANDSHAKE',
  'handshake-closed': 'ERR_RELAY_HANDSHAKE',
  'handshake-timeout': 'ERR_RELAY_HANDSHAKE',
  'handshake-replay': 'ERR_RELAY_HANDSHAKE',
  'peer-not-allowed': 'ERR_RELAY_PEER_REFUSED',
  'suites-disjoint': 'ERR_RELAY_NO_COMMON_SUITE',
  'record-auth': 'ERR_RELAY_RECORD',
  'record-replay': 'ERR_RELAY_RECORD',
  'record-reorder': 'ERR_RELAY_RECORD',
  'record-truncated': 'ERR_RELAY_RECORD',
  'record-oversize': 'ERR_RELAY_RECORD',
  'frame-malformed': 'ERR_RELAY_FRAME',
  'keepalive-timeout': 'ERR_RELAY_CLOSED',
  'transport-error': 'ERR_RELAY_CLOSED',
};

/** A tunnel-level failure: the tunnel (or the handshake) is over; `reason` is what the audit event records. */
export class RelayError extends MtShieldError {
  constructor(
    readonly reason: RelayFailureReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(CODE_OF[reason], message, options);
  }
}

/** Bad operator input: a key that does not decode, an unreadable key file. */
export class RelayConfigError extends MtShieldError {
  constructor(code: 'ERR_RELAY_KEY_FILE' | 'ERR_RELAY_BAD_KEY' | 'ERR_RELAY_BAD_SERVER', message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** One stream was reset (by the peer or locally); the tunnel carries on. */
export class RelayStreamResetError extends MtShieldError {
  constructor(readonly streamId: number, readonly why: string) {
    super('ERR_RELAY_STREAM_RESET', `relay stream ${streamId} reset: ${why}`);
  }
}
