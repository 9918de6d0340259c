/**
 * The byte pipe a relay tunnel runs over (docs/protocol.md "Relay tunnel"): TCP, or WebSocket binary messages
 * treated as a byte stream (records may span messages). Plain default: `TcpTransport` over a net.Socket.
 */
import type { Socket } from 'node:net';

export interface RelayTransportHandlers {
  /** Bytes from the peer; `chunk` is borrowed: valid only during the call. */
  data(chunk: Uint8Array): void;
  /** The transport accepts writes again after write() returned false. */
  drain(): void;
  /** The peer finished sending (clean end); close() follows. */
  end(): void;
  /** The transport is gone (after end, an error, or destroy()). Called once. */
  close(error?: Error): void;
}

export interface RelayTransport {
  /** "host:port" of the peer, for logs and audit. */
  readonly remote: string;
  /** Replaces the handlers (the handshake hands the transport over to the tunnel). */
  bind(handlers: RelayTransportHandlers): void;
  /** false: buffered beyond the high-water mark, wait for drain(). */
  write(chunk: Uint8Array): boolean;
  end(): void;
  destroy(): void;
}

const NOOP_HANDLERS: RelayTransportHandlers = { data() {}, drain() {}, end() {}, close() {} };

export class TcpTransport implements RelayTransport {
  readonly remote: string;
  private handlers = NOOP_HANDLERS;
  private error: Error | undefined;

  constructor(private readonly socket: Socket) {
    this.remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.handlers.data(chunk));
    socket.on('drain', () => this.handlers.drain());
    socket.on('end', () => this.handlers.end());
    socket.on('error', (err) => (this.error = err));
    socket.on('close', () => this.handlers.close(this.error));
  }

  bind(handlers: RelayTransportHandlers): void {
    this.handlers = handlers;
  }

  write(chunk: Uint8Array): boolean {
    if (this.socket.destroyed) return false;
    return this.socket.write(chunk);
  }

  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }
}
