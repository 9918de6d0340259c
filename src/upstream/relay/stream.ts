/**
 * One client stream inside a relay tunnel: a small socket-like object (events data/drain/end/close/error;
 * write/end/destroy/pause/resume), what the Upstream seam consumes on the entry side and what the exit hands
 * to its own upstream. Flow control is per stream (docs/protocol.md "Relay tunnel"): a sender may have at most
 * `window` bytes unacknowledged; the receiver returns credit (WINDOW) as its reader takes data, so a reader that
 * stops reading stalls only its own stream. A RESET ends this stream only.
 */
import { EventEmitter } from 'node:events';
import { RelayStreamResetError } from './errors.js';
import { MAX_DATA_PAYLOAD, type StreamMeta } from './frames.js';

/** What a stream needs from its tunnel. */
export interface StreamHost {
  sendData(id: number, bytes: Uint8Array): void;
  sendWindow(id: number, credit: number): void;
  sendClose(id: number): void;
  sendReset(id: number, reason: string): void;
  /** True while the tunnel's transport is refusing writes (stream writes then report false). */
  readonly congested: boolean;
  /** Asks for `stream.onTunnelDrain()` when the transport drains. */
  wantDrain(stream: RelayStream): void;
  forget(id: number): void;
}

export interface RelayStreamEvents {
  data: [chunk: Uint8Array];
  drain: [];
  end: [];
  close: [hadError: boolean];
  error: [err: Error];
}

export class RelayStream extends EventEmitter<RelayStreamEvents> {
  private sendCredit: number;
  private readonly outQueue: Uint8Array[] = [];
  private outQueued = 0;
  private readonly inQueue: Uint8Array[] = [];
  private inQueued = 0;
  private unacked = 0;
  private paused = false;
  private needDrain = false;
  private localEnding = false;
  private localEndSent = false;
  private remoteEnded = false;
  private endEmitted = false;
  private closed = false;

  constructor(
    readonly id: number,
    readonly meta: StreamMeta,
    private readonly host: StreamHost,
    private readonly window: number,
  ) {
    super();
    this.sendCredit = window;
  }

  get destroyed(): boolean {
    return this.closed;
  }

  /** Queues `chunk`; false when the caller should wait for 'drain' (no credit, or the tunnel is congested). */
  write(chunk: Uint8Array): boolean {
    if (this.closed || this.localEnding) return false;
    if (chunk.length > 0) {
      this.outQueue.push(chunk);
      this.outQueued += chunk.length;
      this.flush();
    }
    const ok = this.outQueued === 0 && !this.host.congested;
    if (!ok) {
      this.needDrain = true;
      if (this.host.congested) this.host.wantDrain(this);
    }
    return ok;
  }

  /** Half-close: queued data is still sent, then CLOSE. */
  end(chunk?: Uint8Array): void {
    if (this.closed || this.localEnding) return;
    if (chunk !== undefined) this.write(chunk);
    this.localEnding = true;
    this.flush();
  }

  pause(): this {
    this.paused = true;
    return this;
  }

  resume(): this {
    if (!this.paused) return this;
    this.paused = false;
    while (!this.paused && this.inQueue.length > 0 && !this.closed) {
      const next = this.inQueue.shift()!;
      this.inQueued -= next.length;
      this.deliver(next);
    }
    this.maybeEnd();
    return this;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Resets the stream (RESET to the peer unless it already closed); the tunnel carries on. */
  destroy(err?: Error): void {
    if (this.closed) return;
    this.host.sendReset(this.id, err?.message ?? 'destroyed');
    this.finish(err);
  }

  // ---- called by the tunnel ----

  /** DATA from the peer. False when the peer overran the credit it was given (the tunnel resets the stream). */
  onData(bytes: Uint8Array): boolean {
    if (this.closed || this.remoteEnded) return true; // late data after a local destroy: drop
    if (this.unacked + this.inQueued + bytes.length > this.window) return false;
    if (this.paused || this.inQueue.length > 0) {
      this.inQueue.push(bytes);
      this.inQueued += bytes.length;
    } else this.deliver(bytes);
    return true;
  }

  onWindow(credit: number): void {
    if (this.closed) return;
    this.sendCredit += credit;
    this.flush();
  }

  onRemoteClose(): void {
    if (this.closed) return;
    this.remoteEnded = true;
    this.maybeEnd();
  }

  onRemoteReset(why: string): void {
    if (this.closed) return;
    this.finish(new RelayStreamResetError(this.id, why));
  }

  onTunnelDrain(): void {
    this.flush();
  }

  /** The tunnel went away: this stream ends with it. */
  onTunnelClosed(err: Error): void {
    this.finish(err);
  }

  // ---- internals ----

  private deliver(bytes: Uint8Array): void {
    this.emit('data', bytes);
    // credit goes back once the reader has taken half a window: few WINDOW frames, no stall
    this.unacked += bytes.length;
    if (this.unacked >= this.window >>> 1 && !this.closed && !this.remoteEnded) {
      this.host.sendWindow(this.id, this.unacked);
      this.unacked = 0;
    }
  }

  private flush(): void {
    while (this.outQueue.length > 0 && this.sendCredit > 0 && !this.closed) {
      const head = this.outQueue[0]!;
      const n = Math.min(head.length, this.sendCredit, MAX_DATA_PAYLOAD);
      this.host.sendData(this.id, n === head.length ? head : head.subarray(0, n));
      if (n === head.length) this.outQueue.shift();
      else this.outQueue[0] = head.subarray(n);
      this.outQueued -= n;
      this.sendCredit -= n;
    }
    if (this.closed) return;
    if (this.outQueued === 0 && this.localEnding && !this.localEndSent) {
      this.localEndSent = true;
      this.host.sendClose(this.id);
      this.maybeClose();
    }
    if (this.needDrain && this.outQueued === 0 && !this.localEnding) {
      if (this.host.congested) {
        this.host.wantDrain(this);
      } else {
        this.needDrain = false;
        this.emit('drain');
      }
    }
  }

  private maybeEnd(): void {
    if (this.remoteEnded && !this.endEmitted && this.inQueue.length === 0 && !this.paused && !this.closed) {
      this.endEmitted = true;
      this.emit('end');
      this.maybeClose();
    }
  }

  private maybeClose(): void {
    if (this.localEndSent && this.endEmitted) this.finish();
  }

  private finish(err?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.outQueue.length = 0;
    this.inQueue.length = 0;
    this.inQueued = 0;
    this.host.forget(this.id);
    if (err !== undefined && this.listenerCount('error') > 0) this.emit('error', err);
    this.emit('close', err !== undefined);
  }
}
