/**
 * The PROXY header step of `[server] proxy_protocol = true` (haproxy's "The PROXY protocol Versions 1 & 2",
 * https://www.haproxy.org/download/2.9/doc/proxy-protocol.txt; docs/fleet.md): runs before the Session, so the
 * session, the gate, the limits, the logs, the metrics and the audit log only ever see the header's address.
 * A peer outside `proxy_protocol_trusted`, a missing, malformed or oversized header, and one that has not arrived
 * by the handshake deadline all close the connection (haproxy: the receiver must not guess). A LOCAL / UNKNOWN
 * header keeps the socket's own address. It uses the session's shared socket listeners (session.ts), so the
 * client socket keeps the one 'data' listener it has for its whole life; the Session takes over the socket,
 * paused, with the bytes that followed the header.
 */
import type { Socket } from 'node:net';
import { ProxyHeaderReader, type ProxyHeader } from '../protocol/proxy-protocol.js';
import { handshakeDeadline } from './connection-timing.js';
import { onClientData, onClientEnd, onSocketClose, onSocketError, SESSION, type SocketOwner } from './socket-owner.js';

/** What the intake needs from the server. */
export interface ProxyHeaderOwner {
  /** The header arrived: start the Session with `client` (undefined for LOCAL) and `rest`. */
  headerRead(intake: ProxyHeaderIntake, client: { address: string; port: number } | undefined, rest: Buffer): void;
  /** The connection ended before a header (`reason`: timeout, a ProxyProtocolError code, client_closed). */
  headerFailed(intake: ProxyHeaderIntake, reason: string): void;
}

export class ProxyHeaderIntake implements SocketOwner {
  readonly deadline: number;
  private reader: ProxyHeaderReader | undefined = new ProxyHeaderReader();

  constructor(
    private readonly owner: ProxyHeaderOwner,
    readonly socket: Socket,
    readonly id: number,
    handshakeTimeoutMs: number,
  ) {
    // The header shares the handshake's randomised deadline: a slow header cannot hold a slot longer than a slow hello.
    this.deadline = handshakeDeadline(Date.now(), handshakeTimeoutMs);
    (socket as Socket & { [SESSION]?: SocketOwner })[SESSION] = this;
    socket.on('error', onSocketError).on('close', onSocketClose).on('data', onClientData).on('end', onClientEnd);
  }

  onClientData(chunk: Buffer): void {
    const reader = this.reader;
    if (reader === undefined) return;
    let header: ProxyHeader;
    let rest: Buffer;
    try {
      const step = reader.push(chunk);
      if (step.kind === 'more') return;
      ({ header, rest } = step);
    } catch (err) {
      return this.fail((err as { code?: string }).code ?? 'ERR_PROXY_PROTOCOL_MALFORMED');
    }
    this.reader = undefined;
    this.socket.pause(); // the Session resumes it once its gate has answered
    const client = header.command === 'proxy' && header.source ? header.source : undefined;
    this.owner.headerRead(this, client, rest);
  }

  onClientEnd(): void {
    this.fail('truncated');
  }

  onClientDrain(): void {}

  onSocketError(): void {}

  onSocketClose(): void {
    this.fail('client_closed');
  }

  /** Called by the server's sweep. */
  tick(now: number): void {
    if (now >= this.deadline) this.fail('timeout');
  }

  fail(reason: string): void {
    if (this.reader === undefined) return;
    this.reader = undefined;
    this.socket.destroy();
    this.owner.headerFailed(this, reason);
  }
}
