/**
 * The seams where the security layer plugs into the data plane without the data plane importing it.
 * Each interface has a plain default (allow everything, never delay) so the proxy runs alone.
 */
import type { ConnectionRef, SecretMode } from '../events.js';
import type { RefusalSource } from '../vocabulary/index.js';

export type { RefusalSource } from '../vocabulary/index.js';

export type GateDecision =
  | { allow: true }
  /** `front`: splice to the fronting site (looks like a web site to a prober); `close`: clean close. */
  | { allow: false; by: RefusalSource; reason: string; action?: 'close' | 'front' };

export interface HandshakeOutcome {
  ok: boolean;
  /** The failure reason when !ok (see HandshakeFailureReason in events.ts). */
  reason?: string;
}

export interface ConnectionGate {
  /** At accept time, before any byte is read. */
  onAccept(conn: ConnectionRef): GateDecision | Promise<GateDecision>;
  /** After the handshake identified the user, before dialing the DC. */
  onIdentified(conn: ConnectionRef, user: string, mode: SecretMode): GateDecision | Promise<GateDecision>;
  /** After every handshake attempt (feeds failed-handshake limits). */
  onHandshake?(conn: ConnectionRef, outcome: HandshakeOutcome): void;
  /** When the connection is gone, whatever its outcome. */
  onClosed?(conn: ConnectionRef, user: string | undefined): void;
}

export type Direction = 'up' | 'down'; // up = client → DC, down = DC → client

export interface BandwidthShaper {
  /** Milliseconds the relay should wait before moving `bytes` more for `user` in `direction` (0 = go now). */
  delayFor(user: string, direction: Direction, bytes: number): number;
}

export const allowAllGate: ConnectionGate = {
  onAccept: () => ({ allow: true }),
  onIdentified: () => ({ allow: true }),
};

export const unlimitedShaper: BandwidthShaper = {
  delayFor: () => 0,
};
