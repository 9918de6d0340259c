/**
 * The client's MTProto transport framing in middle mode (docs/protocol.md "Framings"; core.telegram.org/mtproto/
 * mtproto-transports): cutting the client's plaintext stream into packets, and writing an answer's frame header
 * in front of its packet. Both without copies on the common path:
 *
 *   cutting   whole frames inside one chunk are handed on as views of that chunk (the link copies each into its
 *             RPC frame at once); only a frame split across chunks is gathered, in a buffer allocated when the
 *             split happens, of the frame's size, and dropped once the frame is complete
 *   answers   the packet arrives as a view into the link's receive buffer after the 16-byte RPC_PROXY_ANS header,
 *             so the 1- or 4-byte frame header is written over the end of that header: the frame is a view too
 *
 * Answers are sent without padding (a valid padded-intermediate frame): no random bytes drawn per answer, and the
 * size a censor sees is hidden by the packet's own MTProto padding.
 */
import { FramingError } from '../../protocol/errors.js';
import { DEFAULT_MAX_FRAME, type FramingKind } from '../../protocol/framing.js';

const QUICK_ACK = 0x80000000;
const ABRIDGED_LONG = 0x7f;

/** Where each cut packet goes (the client endpoint; a view, borrowed until the call returns). */
export interface PacketSink {
  onClientPacket(packet: Buffer, quickAck: boolean): void;
}

/** Bytes of frame header needed before an answer of `length` bytes in `framing`. */
export function answerHeaderLength(framing: FramingKind, length: number): number {
  return framing === 'abridged' && length / 4 < ABRIDGED_LONG ? 1 : 4;
}

/**
 * Writes the frame header for the packet at `payload[at…]` into the bytes just before it and returns the whole
 * frame as a view of `payload`; `at` must leave room for 4 bytes.
 */
export function frameAnswerInPlace(framing: FramingKind, payload: Buffer, at: number): Buffer {
  const length = payload.length - at;
  if (framing === 'abridged') {
    if (length % 4 !== 0) throw new FramingError('ERR_PROTOCOL_FRAME_BAD', 'abridged payloads must be a multiple of 4 bytes');
    const words = length / 4;
    if (words < ABRIDGED_LONG) {
      payload[at - 1] = words;
      return payload.subarray(at - 1);
    }
    if (words > 0xffffff) throw new FramingError('ERR_PROTOCOL_FRAME_TOO_LARGE', 'abridged payload too large');
    payload.writeUInt32LE(((words << 8) | ABRIDGED_LONG) >>> 0, at - 4);
    return payload.subarray(at - 4);
  }
  if (length >= QUICK_ACK) throw new FramingError('ERR_PROTOCOL_FRAME_TOO_LARGE', 'intermediate payload too large');
  payload.writeUInt32LE(length, at - 4);
  return payload.subarray(at - 4);
}

/** Cuts one client's plaintext stream into packets. */
export class ClientPacketCutter {
  /** A frame split across chunks, gathered here (allocated at the first split). */
  private held: Buffer | undefined;
  private heldBytes = 0;
  private failed: FramingError | undefined;

  constructor(
    private readonly framing: FramingKind,
    private readonly maxFrame = DEFAULT_MAX_FRAME,
  ) {}

  /** Hands every whole packet in `chunk` (after what was held) to `sink`; throws FramingError on an oversized frame. */
  push(chunk: Buffer, sink: PacketSink): void {
    if (this.failed) throw this.failed;
    let at = 0;
    if (this.heldBytes > 0) {
      at = this.completeHeld(chunk, sink);
      if (at < 0) return;
    }
    let size = 0;
    for (;;) {
      size = this.frameAt(chunk, at, chunk.length);
      if (size <= 0 || at + size > chunk.length) break;
      this.emit(chunk, at, size, sink);
      at += size;
    }
    if (at < chunk.length) this.hold(chunk, at, chunk.length, size);
  }

  /**
   * Feeds the held split frame from `chunk`: the offset in `chunk` after the completed frame, or -1 when all of
   * `chunk` went into the held bytes.
   */
  private completeHeld(chunk: Buffer, sink: PacketSink): number {
    let at = 0;
    // the header itself may be split: take bytes until the frame's size is known
    let size = this.frameAt(this.held!, 0, this.heldBytes);
    while (size <= 0) {
      if (at >= chunk.length) return -1;
      this.hold(chunk, at, at + 1);
      at++;
      size = this.frameAt(this.held!, 0, this.heldBytes);
    }
    const missing = size - this.heldBytes;
    if (chunk.length - at < missing) {
      this.hold(chunk, at, chunk.length, size);
      return -1;
    }
    this.hold(chunk, at, at + missing, size);
    this.heldBytes = 0;
    const held = this.held!;
    // not kept: an idle client holds no buffer (the next split frame allocates its own size once)
    this.held = undefined;
    this.emit(held, 0, size, sink);
    return at + missing;
  }

  /** Size of the frame at `at` (header included), or 0 when its header is not complete within `end`. */
  private frameAt(d: Buffer, at: number, end: number): number {
    const have = end - at;
    if (have < 1) return 0;
    let header: number;
    let length: number;
    if (this.framing === 'abridged') {
      const short = d[at]! & 0x7f;
      if (short === ABRIDGED_LONG) {
        if (have < 4) return 0;
        header = 4;
        length = (d[at + 1]! | (d[at + 2]! << 8) | (d[at + 3]! << 16)) * 4;
      } else {
        header = 1;
        length = short * 4;
      }
    } else {
      if (have < 4) return 0;
      header = 4;
      length = d.readUInt32LE(at) & 0x7fffffff;
    }
    if (length > this.maxFrame) {
      this.failed = new FramingError('ERR_PROTOCOL_FRAME_TOO_LARGE', `frame of ${length} bytes exceeds ${this.maxFrame}`);
      throw this.failed;
    }
    return header + length;
  }

  private emit(d: Buffer, at: number, size: number, sink: PacketSink): void {
    if (this.framing === 'abridged') {
      const quickAck = (d[at]! & 0x80) !== 0;
      const header = (d[at]! & 0x7f) === ABRIDGED_LONG ? 4 : 1;
      sink.onClientPacket(d.subarray(at + header, at + size), quickAck);
      return;
    }
    const quickAck = d.readUInt32LE(at) >= QUICK_ACK;
    const length = size - 4;
    // padded intermediate: only length % 4 can be told apart from the packet (MTProto ignores the rest)
    const keep = this.framing === 'padded' ? length - (length % 4) : length;
    sink.onClientPacket(d.subarray(at + 4, at + 4 + keep), quickAck);
  }

  /** Appends d[from, to) to the held bytes; `frame`: the split frame's whole size once known (one allocation). */
  private hold(d: Buffer, from: number, to: number, frame = 0): void {
    const n = to - from;
    const need = this.heldBytes + n;
    if (this.held === undefined || this.held.length < need) {
      const grown = Buffer.allocUnsafe(Math.max(need, frame, 64));
      if (this.held !== undefined) this.held.copy(grown, 0, 0, this.heldBytes);
      this.held = grown;
    }
    d.copy(this.held, this.heldBytes, from, to);
    this.heldBytes = need;
  }
}
