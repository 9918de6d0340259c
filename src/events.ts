/**
 * The event bus: the data plane emits, everything else (metrics, audit, anomaly detector, admin event
 * stream) listens. Data flows one way: src/proxy never imports src/security, src/admin or metrics code.
 *
 * Events carry no secrets and no key material. Client addresses are included (the audit log and the anomaly
 * detector need them); metrics must never turn them into labels.
 */
import { EventEmitter } from 'node:events';
import type { RefusalSource, SecretMode, Severity, UserRefusalReason } from './vocabulary/index.js';

export type { SecretMode } from './vocabulary/index.js';

export type HandshakeFailureReason =
  | 'bad_secret' // no user's secret decodes the obfuscated2 header
  | 'bad_hmac' // fake-TLS hello digest matches no user
  | 'replay' // hello random / header bytes seen before
  | 'stale_time' // fake-TLS timestamp outside the skew window
  | 'bad_sni' // SNI does not match the secret's domain
  | 'not_tls' // non-TLS bytes where only fake TLS is allowed
  | 'mode_refused' // the secret mode is refused by config or policy
  | 'timeout' // handshake deadline passed
  | 'throttled' // the source failed too many handshakes lately: fronted without trying any key
  | 'key_budget' // many sources failed key searches lately and this one has no recent success: only hot keys tried
  | 'truncated' // peer closed mid-handshake
  | 'bad_dc' // DC id invalid and no default
  | 'oversized' // a record or frame larger than allowed
  | 'protocol'; // anything else malformed

export interface ConnectionRef {
  /** Process-unique connection id. */
  id: number;
  remoteAddress: string; // normalised (IPv4-mapped IPv6 → IPv4)
  remotePort: number;
  localAddress: string;
  localPort: number;
}

export interface MtShieldEvents {
  'connection.accepted': [ConnectionRef];
  'connection.refused': [ConnectionRef & { reason: string; by: RefusalSource }];
  /** `ja4`: the JA4 fingerprint of a fake-TLS client's ClientHello (src/protocol/ja4.ts), when it sent one. */
  'handshake.ok': [ConnectionRef & { user: string; mode: SecretMode; dc: number; framing: 'abridged' | 'intermediate' | 'padded'; durationMs: number; ja4?: string }];
  'handshake.failed': [ConnectionRef & { reason: HandshakeFailureReason; mode?: SecretMode; durationMs: number; ja4?: string }];
  'replay.detected': [ConnectionRef & { kind: 'tls' | 'obfuscated2' }];
  'connection.fronted': [ConnectionRef & { reason: HandshakeFailureReason; target: string }];
  'user.refused': [ConnectionRef & { user: string; reason: UserRefusalReason }];
  'dc.connected': [ConnectionRef & { user: string; dc: number; upstream: string; connectMs: number }];
  'dc.failed': [ConnectionRef & { user: string; dc: number; upstream: string; error: string }];
  /** Periodic and final byte counts for a relayed connection (deltas since the last report). */
  'bytes': [ConnectionRef & { user: string; fromClient: number; toClient: number }];
  'connection.closed': [ConnectionRef & { user?: string; reason: string; fromClient: number; toClient: number; durationMs: number }];
  /** Crypto work done by the relay (deltas): chunks passed through a cipher in each direction. */
  'packets': [{ encrypted: number; decrypted: number }];
  'config.reloaded': [{ ok: boolean; error?: string; users: number }];
  'server.draining': [{ deadlineMs: number }];
  /** Security layer findings and actions (emitted by src/security, consumed by admin/audit/metrics). */
  'security.event': [SecurityEvent];
}

export type { Severity } from './vocabulary/index.js';

export interface SecurityEvent {
  type: string; // e.g. 'anomaly.handshake_burst', 'block.added', 'policy.changed', 'auth.failed'
  severity: Severity;
  at: number; // epoch ms
  message: string;
  ip?: string;
  user?: string;
  details?: Record<string, unknown>;
}

/** A typed EventEmitter. Listeners must not throw; the bus is synchronous, so they must also be cheap. */
export class EventBus extends EventEmitter<MtShieldEvents> {
  constructor() {
    super({ captureRejections: false });
    this.setMaxListeners(100);
  }
}
