/**
 * The byte pump between a client and its upstream (a DC, any other Upstream's endpoint, or the fronting
 * site): two directions, each read → transform (codec) → write, with
 *   - backpressure: a side is paused while its peer's write queue is above `maxBuffer`, resumed on 'drain';
 *   - shaping: the BandwidthShaper may ask for a delay, during which the source is paused;
 *   - half-close: an 'end' from one side is passed on as end() to the other; the relay is over when both
 *     sides have closed (or on error, quota, idle timeout or bad input, which destroy both).
 * Listeners: the relay owns the upstream's; the client socket's belong to the session for the whole
 * connection, which passes their events on (onData, onEnd, onDrain, onClose, stop). One owner per socket; the
 * client's borrowed reads are a read hook, not a listener, and come to the relay directly.
 * Transforms run in place on the chunk the socket handed over, or hand back their own fresh output, so no
 * per-chunk copies are made here — except for reads into the shared buffer of borrowed-reads.ts (an upstream
 * that borrows them, and the client once the relay runs), where what the codec left in that buffer is copied
 * before it is queued for writing. Every chunk also counts towards gc-pacer.ts's paced minor collections.
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { badInputReason } from '../protocol/errors.js';
import type { RelayCodec, UpstreamEndpoint } from '../upstream/types.js';
import type { BandwidthShaper, Direction } from './hooks.js';
import { borrowReadsFrom, onBorrowedData, ownBytes } from './borrowed-reads.js';
import { paceRelayed } from './gc-pacer.js';

export interface RelayOwner {
  /** Raw bytes read from one side; return false to stop the relay (quota). */
  onRelayed(direction: Direction, bytes: number): boolean;
  /** Called once when both sides are gone. */
  onRelayEnd(reason: string): void;
}

export interface RelayOptions {
  maxBuffer: number;
  shaper?: BandwidthShaper;
  user?: string;
}

export class Relay {
  private reason: string | undefined;
  private closed = 0; // bit 1: client closed, bit 2: upstream closed
  private clientBlocked = 0; // bit 1: backpressure, bit 2: shaper
  private upstreamBlocked = 0;
  private shapeTimer: NodeJS.Timeout | undefined;
  // The options' two fields the relay reads, kept rather than the options object (one object less per connection).
  private readonly shaper: BandwidthShaper | undefined;
  private readonly user: string | undefined;

  constructor(
    private readonly owner: RelayOwner,
    readonly client: Socket,
    readonly upstream: UpstreamEndpoint,
    private readonly codec: RelayCodec | undefined,
    options: RelayOptions,
  ) {
    this.shaper = options.shaper;
    this.user = options.user;
  }

  /** `held`: client bytes read before the relay existed, relayed before anything else (and before an end). */
  start(held?: Buffer): void {
    const { client, upstream } = this;
    // Listeners are shared functions that find their relay on the stream: a proxy holds many idle relays,
    // and five closures each would cost more than the one property.
    (upstream as RelayStream)[RELAY] = this;
    if (!onBorrowedData(upstream, onBorrowedUpstreamData)) upstream.on('data', onUpstreamData);
    // The client's reads go straight to the relay from now on, into the shared buffer (no fresh 64 KiB per read:
    // issue 17's external bytes). Its listeners stay the session's; bytes it already buffered still come as 'data'.
    (client as RelayStream)[RELAY] = this;
    borrowReadsFrom(client, onBorrowedClientRead);
    upstream.on('end', onUpstreamEnd);
    upstream.on('drain', onUpstreamDrain);
    upstream.on('error', onUpstreamError);
    upstream.on('close', onUpstreamClose);
    if (held !== undefined) this.onData(client, held);
    if (this.clientBlocked === 0) client.resume();
    if (this.upstreamBlocked === 0) upstream.resume();
    if (client.readableEnded) this.onEnd(client);
    if (client.destroyed) this.onClose(client);
    if (upstream.destroyed) this.onClose(upstream);
  }

  /** No bytes for a while: the codec may drop its cipher contexts (re-created on the next chunk). */
  quiet(): void {
    this.codec?.release();
  }

  /** Ends the relay now (idle, quota, shutdown, a socket error): both sides are destroyed. */
  stop(reason: string): void {
    this.reason ??= reason;
    this.client.destroy();
    this.upstream.destroy();
  }

  /** Bytes from either side; a side that borrows reads passes a view of the shared read buffer. */
  onData(from: Duplex, chunk: Buffer, borrowed = false): void {
    if (from === this.client) this.move('up', chunk, this.upstream, borrowed);
    else this.move('down', chunk, this.client, borrowed);
  }

  private move(direction: Direction, chunk: Buffer, sink: Duplex, borrowed = false): void {
    if (this.reason !== undefined && this.closed !== 0 && sink.destroyed) return;
    if (!this.owner.onRelayed(direction, chunk.length)) return this.stop('quota');
    paceRelayed(chunk.length); // scavenges keep up with node:crypto's outputs (gc-pacer.ts)
    let out: Uint8Array | readonly Uint8Array[] | null;
    try {
      out = this.codec ? this.codec[direction](chunk) : chunk;
    } catch (err) {
      return this.stop(badInputReason(err));
    }
    if (out === null || sink.destroyed) return;
    let ok: boolean;
    if (out instanceof Uint8Array) {
      ok = sink.write(borrowed ? ownBytes(out, chunk) : out);
    } else {
      // parts that are views of a borrowed read (fast mode's TLS records) come from one copy of the read
      const owned = borrowed ? ownedCopy(out, chunk) : undefined;
      sink.cork();
      ok = true;
      for (const part of out) ok = sink.write(owned !== undefined && part.buffer === chunk.buffer ? rebase(part, chunk, owned) : part) && ok;
      sink.uncork();
    }
    // Sockets are created with highWaterMark = maxBuffer, so write() says false exactly when the queue is full
    // and 'drain' follows.
    if (!ok) this.block(direction === 'up' ? 'client' : 'upstream', 1);
    const shaper = this.shaper;
    if (shaper && this.user !== undefined) {
      const delay = shaper.delayFor(this.user, direction, chunk.length);
      if (delay > 0) this.shape(direction === 'up' ? 'client' : 'upstream', delay);
    }
  }

  private block(side: 'client' | 'upstream', bit: number): void {
    if (side === 'client') {
      this.clientBlocked |= bit;
      this.client.pause();
    } else {
      this.upstreamBlocked |= bit;
      this.upstream.pause();
    }
  }

  private unblock(side: 'client' | 'upstream', bit: number): void {
    if (side === 'client') {
      this.clientBlocked &= ~bit;
      if (this.clientBlocked === 0 && !this.client.destroyed) this.client.resume();
    } else {
      this.upstreamBlocked &= ~bit;
      if (this.upstreamBlocked === 0 && !this.upstream.destroyed) this.upstream.resume();
    }
  }

  private shape(side: 'client' | 'upstream', delayMs: number): void {
    this.block(side, 2);
    // One timer per shaped relay at a time; only shaped connections pay for it.
    clearTimeout(this.shapeTimer);
    this.shapeTimer = setTimeout(() => {
      this.shapeTimer = undefined;
      this.unblock('client', 2);
      this.unblock('upstream', 2);
    }, Math.min(delayMs, 10_000));
  }

  /** A side drained: its peer may send again. */
  onDrain(side: Duplex): void {
    if (side === this.upstream) this.unblock('client', 1);
    else this.unblock('upstream', 1);
  }

  /** Half-close: one side's end is passed on to the other. */
  onEnd(side: Duplex): void {
    const peer = side === this.client ? this.upstream : this.client;
    if (!peer.destroyed) peer.end();
  }

  onClose(side: Duplex): void {
    if (side === this.client) {
      this.reason ??= 'client_closed';
      this.closed |= 1;
      // The client is gone: what it sent is flushed to the upstream, which is then closed (nothing it could
      // answer would reach anyone).
      if (!this.upstream.destroyed) destroySoon(this.upstream);
    } else {
      this.reason ??= 'upstream_closed';
      this.closed |= 2;
      // Flush what the upstream said last, then close the client. A paused client is read again (and what it
      // sends dropped: move() stops at a destroyed sink): a borrowing socket stops reading when paused, and
      // closing with unread bytes in the kernel's buffer would reset the connection instead of ending it.
      if (!this.client.destroyed) {
        this.client.destroySoon();
        this.unblock('client', 3);
      }
    }
    this.maybeEnd();
  }

  private maybeEnd(): void {
    if (this.closed !== 3) return;
    clearTimeout(this.shapeTimer);
    this.codec?.destroy();
    this.owner.onRelayEnd(this.reason ?? 'closed');
  }
}

const RELAY = Symbol('relay');
type RelayStream = UpstreamEndpoint & { [RELAY]?: Relay };

function onUpstreamData(this: RelayStream, chunk: Buffer): void {
  this[RELAY]?.onData(this, chunk);
}
function onBorrowedUpstreamData(stream: Duplex, view: Buffer): void {
  (stream as RelayStream)[RELAY]?.onData(stream, view, true);
}
function onBorrowedClientRead(this: Socket, n: number, buffer: Buffer): void {
  (this as Socket & { [RELAY]?: Relay })[RELAY]?.onData(this, buffer.subarray(0, n), true);
}
function onUpstreamEnd(this: RelayStream): void {
  this[RELAY]?.onEnd(this);
}
function onUpstreamDrain(this: RelayStream): void {
  this[RELAY]?.onDrain(this);
}
function onUpstreamError(this: RelayStream): void {
  this[RELAY]?.stop('error');
}
function onUpstreamClose(this: RelayStream): void {
  this[RELAY]?.onClose(this);
}

/** net.Socket's destroySoon for any duplex: end (flushing what is queued), then destroy once finished. */
function destroySoon(stream: Duplex): void {
  if ((stream as Partial<Socket>).destroySoon) return (stream as Socket).destroySoon();
  if (stream.writable) stream.end();
  if (stream.writableFinished) stream.destroy();
  else stream.once('finish', () => stream.destroy());
}

/** One copy of `chunk` when any part is a view of it (the shared read buffer), else undefined. */
function ownedCopy(parts: readonly Uint8Array[], chunk: Buffer): Buffer | undefined {
  for (const part of parts) if (part.buffer === chunk.buffer) return Buffer.from(chunk);
  return undefined;
}

/** `part`, a view of `chunk`'s memory, as the same bytes of `copy` (a copy of `chunk`). */
function rebase(part: Uint8Array, chunk: Buffer, copy: Buffer): Uint8Array {
  const at = part.byteOffset - chunk.byteOffset;
  return copy.subarray(at, at + part.length);
}
