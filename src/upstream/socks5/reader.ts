/**
 * Reads a SOCKS5 server's answers from a socket during the handshake: exact byte counts on request, a cap on
 * what the server may send unasked (a server that floods is refused, not buffered), and a clean typed error
 * when the socket ends, fails or the deadline passes. `release()` detaches and hands back any bytes read past
 * the last answer, so the relay sees them.
 */
import type { Socket } from 'node:net';
import { Socks5Error } from './errors.js';

/** The longest answer (a CONNECT reply with a 255-byte domain: 4 + 1 + 255 + 2) with room to spare. */
export const MAX_BUFFERED = 512;

export class HandshakeReader {
  private buffered: Buffer = Buffer.alloc(0);
  private want = 0;
  private resolveRead?: (bytes: Buffer) => void;
  private rejectRead?: (err: unknown) => void;
  private failure?: unknown;

  constructor(private readonly socket: Socket) {
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onEnd);
    socket.on('error', this.onError);
    socket.resume();
  }

  /** Exactly `n` bytes (n ≤ MAX_BUFFERED). */
  read(n: number): Promise<Buffer> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.want = n;
      this.resolveRead = resolve;
      this.rejectRead = reject;
      this.deliver();
    });
  }

  /** Fails the pending read (and every later one) with `err`. */
  fail(err: unknown): void {
    this.failure ??= err;
    const reject = this.rejectRead;
    this.resolveRead = this.rejectRead = undefined;
    reject?.(this.failure);
  }

  /** Detaches; the socket is paused and any bytes past the last answer are returned. */
  release(): Buffer {
    const { socket } = this;
    socket.pause();
    socket.off('data', this.onData);
    socket.off('end', this.onEnd);
    socket.off('close', this.onEnd);
    socket.off('error', this.onError);
    const rest = this.buffered;
    this.buffered = Buffer.alloc(0);
    return rest;
  }

  private deliver(): void {
    if (!this.resolveRead || this.buffered.length < this.want) return;
    const bytes = this.buffered.subarray(0, this.want);
    this.buffered = this.buffered.subarray(this.want);
    const resolve = this.resolveRead;
    this.resolveRead = this.rejectRead = undefined;
    resolve(bytes);
  }

  private readonly onData = (chunk: Buffer) => {
    if (this.buffered.length + chunk.length > MAX_BUFFERED) {
      return this.fail(new Socks5Error('ERR_SOCKS5_PROTOCOL', `SOCKS5 server sent more than ${MAX_BUFFERED} bytes during the handshake`));
    }
    this.buffered = Buffer.concat([this.buffered, chunk]);
    this.deliver();
  };

  private readonly onEnd = () => this.fail(new Socks5Error('ERR_SOCKS5_CLOSED', 'SOCKS5 server closed the connection during the handshake'));

  private readonly onError = (err: Error) =>
    this.fail(new Socks5Error('ERR_SOCKS5_CLOSED', `SOCKS5 connection failed during the handshake: ${err.message}`, { cause: err }));
}
