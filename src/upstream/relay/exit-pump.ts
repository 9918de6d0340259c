/**
 * The exit's byte pump between one tunnel stream (the client's plaintext, docs/protocol.md "Relay tunnel") and
 * the link its own upstream opened: read → codec → write both ways, with backpressure (a side is paused while
 * its peer refuses writes, resumed on 'drain'), half-close passed on, and both ends destroyed on an error.
 * Listeners are shared functions that find their pump on the emitter (no closures per stream); reads the DC
 * socket borrows (src/proxy/borrowed-reads.ts) are copied only where the codec left them in the shared buffer.
 */
import { onBorrowedData, ownBytes } from '../../proxy/borrowed-reads.js';
import type { RelayCodec, UpstreamEndpoint, UpstreamLink } from '../types.js';
import type { RelayStream } from './stream.js';

const PUMP = Symbol('exit pump');
type Side = { [PUMP]?: ExitPump };

export class ExitPump {
  private closed = 0; // bit 1: stream closed, bit 2: upstream closed
  private readonly upstream: UpstreamEndpoint;
  private readonly codec: RelayCodec;

  constructor(
    private readonly stream: RelayStream,
    link: UpstreamLink,
    private readonly onDone: () => void,
  ) {
    this.upstream = link.endpoint;
    this.codec = link.codec;
  }

  start(): void {
    const { stream, upstream } = this;
    (stream as unknown as Side)[PUMP] = this;
    (upstream as unknown as Side)[PUMP] = this;
    stream.on('data', onStreamData);
    stream.on('drain', onStreamDrain);
    stream.on('end', onStreamEnd);
    stream.on('error', onAnyError);
    stream.on('close', onStreamClose);
    if (!onBorrowedData(upstream, onUpstreamBorrowed)) upstream.on('data', onUpstreamData);
    upstream.on('drain', onUpstreamDrain);
    upstream.on('end', onUpstreamEnd);
    upstream.on('error', onAnyError);
    upstream.on('close', onUpstreamClose);
    stream.resume();
    upstream.resume();
  }

  stop(): void {
    this.stream.destroy();
    this.upstream.destroy();
  }

  fromStream(chunk: Uint8Array): void {
    const out = this.codec.up(chunk) as Uint8Array | null;
    if (out !== null && !this.upstream.destroyed && !this.upstream.write(out)) this.stream.pause();
  }

  fromUpstream(chunk: Uint8Array, borrowed: boolean): void {
    const out = this.codec.down(chunk) as Uint8Array | null;
    if (out === null || this.stream.destroyed) return;
    if (!this.stream.write(borrowed ? ownBytes(out, chunk) : out)) this.upstream.pause();
  }

  streamDrained(): void {
    if (!this.upstream.destroyed) this.upstream.resume();
  }

  upstreamDrained(): void {
    if (!this.stream.destroyed) this.stream.resume();
  }

  streamEnded(): void {
    if (!this.upstream.destroyed) this.upstream.end();
  }

  upstreamEnded(): void {
    this.stream.end();
  }

  sideClosed(bit: number): void {
    if (this.closed & bit) return;
    this.closed |= bit;
    if (bit === 1 && !this.upstream.destroyed) this.upstream.end();
    if (bit === 2) this.stream.end();
    if (this.closed === 3) {
      this.codec.destroy();
      this.onDone();
    }
  }
}

function onStreamData(this: Side, chunk: Uint8Array): void {
  this[PUMP]?.fromStream(chunk);
}
function onUpstreamData(this: Side, chunk: Uint8Array): void {
  this[PUMP]?.fromUpstream(chunk, false);
}
function onUpstreamBorrowed(socket: object, view: Uint8Array): void {
  (socket as Side)[PUMP]?.fromUpstream(view, true);
}
function onStreamDrain(this: Side): void {
  this[PUMP]?.streamDrained();
}
function onUpstreamDrain(this: Side): void {
  this[PUMP]?.upstreamDrained();
}
function onStreamEnd(this: Side): void {
  this[PUMP]?.streamEnded();
}
function onUpstreamEnd(this: Side): void {
  this[PUMP]?.upstreamEnded();
}
function onAnyError(this: Side): void {
  this[PUMP]?.stop();
}
function onStreamClose(this: Side): void {
  this[PUMP]?.sideClosed(1);
}
function onUpstreamClose(this: Side): void {
  this[PUMP]?.sideClosed(2);
}
