/**
 * The relay's view of one middle-mode client: a Duplex over its MiddleClientStream (docs/protocol.md "Middle
 * proxy"). Written bytes are the client's plaintext transport stream (obfuscated2 already removed by the codec):
 * they are cut into packets with the client's own framing (src/protocol/framing.ts) and each packet goes out as
 * one RPC_PROXY_REQ, its quick-ack flag carried over. Answers come back re-framed the same way; RPC_SIMPLE_ACK
 * becomes the client's quick-ack reply; RPC_CLOSE_EXT ends the readable side.
 *
 * Backpressure is this client's alone: a full link socket holds this client's write callback until the link
 * drains; a full readable side (the client reads slowly) pauses this client's stream, which queues its answers
 * while the link keeps reading for everyone else.
 */
import { Duplex } from 'node:stream';
import { FrameDecoder, encodeFrame, encodeQuickAck, type FramingKind } from '../../protocol/framing.js';
import type { MiddleClientStream } from './client-stream.js';

type Done = (err?: Error | null) => void;
const NO_PADDING = { padding: 0 } as const;

export class MiddleClientEndpoint extends Duplex {
  private readonly decoder: FrameDecoder;
  private writeDone: Done | undefined;

  constructor(
    readonly stream: MiddleClientStream,
    private readonly framing: FramingKind,
    highWaterMark: number,
  ) {
    super({ highWaterMark, allowHalfOpen: true });
    this.decoder = new FrameDecoder(framing, { direction: 'from-client' });
    stream.on('data', this.onAnswer);
    stream.on('quickack', this.onQuickAck);
    stream.on('drain', this.onLinkDrain);
    stream.on('end', this.onRemoteEnd);
    stream.on('close', this.onStreamClose);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: Done): void {
    let ok = true;
    try {
      for (const frame of this.decoder.push(chunk)) {
        if (frame.type === 'data') ok = this.stream.write(frame.payload, frame.quickAck) && ok;
      }
    } catch (err) {
      return done(err as Error);
    }
    if (ok || this.stream.destroyed) return done();
    this.writeDone = done; // completes on the link's 'drain'
  }

  override _final(done: Done): void {
    this.stream.end(); // RPC_CLOSE_CONN: the client left
    done();
  }

  override _read(): void {
    this.stream.resume();
  }

  override _destroy(err: Error | null, done: Done): void {
    this.stream.destroy();
    const pending = this.writeDone;
    this.writeDone = undefined;
    pending?.();
    done(err);
  }

  private readonly onAnswer = (packet: Buffer): void => {
    // Padded framing without padding: a valid frame, and no random bytes drawn per answer; the size a censor
    // sees is already hidden by the packet's own MTProto padding.
    if (!this.push(encodeFrame(this.framing, packet, NO_PADDING))) this.stream.pause();
  };

  private readonly onQuickAck = (token: number): void => {
    if (!this.push(encodeQuickAck(this.framing, token))) this.stream.pause();
  };

  private readonly onLinkDrain = (): void => {
    const done = this.writeDone;
    this.writeDone = undefined;
    done?.();
  };

  private readonly onRemoteEnd = (): void => {
    this.push(null);
  };

  private readonly onStreamClose = (err: Error | undefined): void => {
    if (err) return void this.destroy(err);
    this.push(null);
    // the middle proxy closed this client: nothing more can be sent either
    if (!this.writableEnded) this.end();
  };
}
