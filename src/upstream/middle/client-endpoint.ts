/**
 * The relay's view of one middle-mode client: a Duplex over its MiddleClientStream (docs/protocol.md "Middle
 * proxy"). Written bytes are the client's plaintext transport stream (obfuscated2 already removed by the codec):
 * they are cut into packets with the client's own framing (client-packets.ts) and each packet goes out as one
 * RPC_PROXY_REQ, its quick-ack flag carried over. Answers come back framed the same way; RPC_SIMPLE_ACK becomes
 * the client's quick-ack reply; RPC_CLOSE_EXT ends the readable side.
 *
 * Per client this is one object and nothing else: the endpoint is its stream's sink (method calls, no listeners
 * or closures), the packet cutter holds a buffer only once a frame is split across chunks, and answers are not
 * copied here — each is framed in place in the link's receive buffer and handed to the relay as a borrowed read
 * (src/proxy/borrowed-reads.ts), which copies only what its codec leaves in that buffer. Before the relay takes
 * the reads (and for anything else that reads this stream) answers are pushed as copies.
 *
 * Backpressure is this client's alone: a full link socket holds this client's write callback until the link
 * drains; pause() (the client reads slowly) pauses this client's stream, which queues its answers while the
 * link keeps reading for everyone else.
 */
import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { encodeQuickAck, type FramingKind } from '../../protocol/framing.js';
import { lendReads } from '../../proxy/borrowed-reads.js';
import type { ClientStreamSink, MiddleClientStream } from './client-stream.js';
import { ClientPacketCutter, frameAnswerInPlace, type PacketSink } from './client-packets.js';

type Done = (err?: Error | null) => void;
type BorrowedReader = (stream: Socket, view: Buffer) => void;

export class MiddleClientEndpoint extends Duplex implements ClientStreamSink, PacketSink {
  private readonly cutter: ClientPacketCutter;
  private writeDone: Done | undefined;
  /** The relay's handler for borrowed reads, once it took them. */
  private reader: BorrowedReader | undefined;
  /** Within _write: every packet so far fit into the link's socket buffer. */
  private linkHasRoom = true;

  constructor(
    readonly stream: MiddleClientStream,
    private readonly framing: FramingKind,
    highWaterMark: number,
  ) {
    super({ highWaterMark, allowHalfOpen: true });
    this.cutter = new ClientPacketCutter(framing);
    stream.attach(this);
    lendReads(this, takeReads);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: Done): void {
    this.linkHasRoom = true;
    try {
      this.cutter.push(chunk, this);
    } catch (err) {
      return done(err as Error);
    }
    if (this.linkHasRoom || this.stream.destroyed) return done();
    this.writeDone = done; // completes on the link's 'drain'
  }

  override _final(done: Done): void {
    this.stream.end(); // RPC_CLOSE_CONN: the client left
    done();
  }

  override _read(): void {
    this.stream.resume();
  }

  override pause(): this {
    this.stream.pause();
    return super.pause();
  }

  override resume(): this {
    super.resume();
    this.stream.resume();
    return this;
  }

  override _destroy(err: Error | null, done: Done): void {
    this.stream.destroy();
    const pending = this.writeDone;
    this.writeDone = undefined;
    pending?.();
    done(err);
  }

  /** PacketSink: one whole packet of the client (a view of the written chunk; the link copies it at once). */
  onClientPacket(packet: Buffer, quickAck: boolean): void {
    if (!this.stream.write(packet, quickAck)) this.linkHasRoom = false;
  }

  /** ClientStreamSink: an answer, framed in place in front of its packet. */
  onAnswer(payload: Buffer, at: number): void {
    let frame: Buffer;
    try {
      frame = frameAnswerInPlace(this.framing, payload, at);
    } catch (err) {
      // a packet the client's framing cannot carry ends this client, not the link
      return void this.destroy(err as Error);
    }
    this.out(frame, true);
  }

  onQuickAck(confirm: number): void {
    const reply = encodeQuickAck(this.framing, confirm);
    this.out(Buffer.from(reply.buffer, reply.byteOffset, reply.length), false);
  }

  onLinkDrain(): void {
    const done = this.writeDone;
    this.writeDone = undefined;
    done?.();
  }

  onRemoteEnd(): void {
    this.push(null);
  }

  onStreamClose(err: Error | undefined): void {
    if (this.destroyed) return; // our own destroy closed the stream
    if (err) return void this.destroy(err);
    this.push(null);
    // the middle proxy closed this client: nothing more can be sent either
    if (!this.writableEnded) this.end();
  }

  /** Bytes for the client: to the relay's borrowed reader, else into the readable buffer (a copy when borrowed). */
  private out(bytes: Buffer, borrowed: boolean): void {
    if (this.destroyed) return;
    if (this.reader !== undefined) return this.reader(this as unknown as Socket, bytes);
    if (!this.push(borrowed ? Buffer.from(bytes) : bytes)) this.stream.pause();
  }

  /** The relay takes the reads: what was pushed before goes to it first. */
  adoptReader(reader: BorrowedReader): void {
    this.reader = reader;
    for (let early = this.read() as Buffer | null; early !== null; early = this.read() as Buffer | null) reader(this as unknown as Socket, early);
  }
}

/** The one attach function of every endpoint (borrowed-reads.ts lendReads). */
function takeReads(reader: BorrowedReader, stream: object): void {
  (stream as MiddleClientEndpoint).adoptReader(reader);
}
