/**
 * The multiplexer's frames, one per record plaintext (docs/protocol.md "Relay tunnel"):
 *
 *   type u8 | stream id u32 BE | body
 *
 *   OPEN       1  dc i16 | framing len u8 | framing | address len u8 | address | port u16
 *   DATA       2  bytes (at most MAX_DATA_PAYLOAD)
 *   WINDOW     3  credit u32: the receiver consumed this many more bytes of the stream
 *   RESET      4  reason (UTF-8, at most 128 bytes): this stream only
 *   CLOSE      5  (empty) the sender will send no more data on the stream (half-close)
 *   PING       6  8 opaque bytes, stream 0
 *   PONG       7  the PING's 8 bytes, stream 0
 *   KEY_UPDATE 8  (empty) stream 0: the next record in this direction uses the next key
 *
 * Encoding writes into one scratch buffer per tunnel (sealed at once, so it is reused for every frame).
 */
import { RelayError } from './errors.js';

export const FrameType = {
  OPEN: 1,
  DATA: 2,
  WINDOW: 3,
  RESET: 4,
  CLOSE: 5,
  PING: 6,
  PONG: 7,
  KEY_UPDATE: 8,
} as const;

export const FRAME_HEADER_LENGTH = 5;
/** DATA payload per frame: 16 KiB keeps records inside the registry's mid size classes and latency low. */
export const MAX_DATA_PAYLOAD = 16_384;
const MAX_RESET_REASON = 128;

/** What an OPEN carries: where the entry's client wants to go and who it is. */
export interface StreamMeta {
  /** Telegram DC id as the client asked for it (negative: media DCs). */
  dc: number;
  /** The client's MTProto framing ("abridged", "intermediate", "padded", …). */
  framing: string;
  clientAddress: string;
  clientPort: number;
}

export class FrameWriter {
  private readonly scratch = Buffer.allocUnsafe(FRAME_HEADER_LENGTH + MAX_DATA_PAYLOAD);

  /** A frame of `type` on `stream` with `bodyLength` body bytes still to be written at offset 5 of the result. */
  begin(type: number, stream: number, bodyLength: number): Buffer {
    const s = this.scratch;
    s[0] = type;
    s.writeUInt32BE(stream, 1);
    return bodyLength === MAX_DATA_PAYLOAD ? s : s.subarray(0, FRAME_HEADER_LENGTH + bodyLength);
  }

  data(stream: number, bytes: Uint8Array): Buffer {
    const f = this.begin(FrameType.DATA, stream, bytes.length);
    f.set(bytes, FRAME_HEADER_LENGTH);
    return f;
  }

  u32(type: number, stream: number, value: number): Buffer {
    const f = this.begin(type, stream, 4);
    f.writeUInt32BE(value, FRAME_HEADER_LENGTH);
    return f;
  }

  open(stream: number, meta: StreamMeta): Buffer {
    const framing = Buffer.from(meta.framing.slice(0, 64), 'utf8');
    const address = Buffer.from(meta.clientAddress.slice(0, 64), 'utf8');
    const f = this.begin(FrameType.OPEN, stream, 2 + 1 + framing.length + 1 + address.length + 2);
    let at = FRAME_HEADER_LENGTH;
    at = f.writeInt16BE(meta.dc, at);
    at = f.writeUInt8(framing.length, at);
    at += framing.copy(f, at);
    at = f.writeUInt8(address.length, at);
    at += address.copy(f, at);
    f.writeUInt16BE(meta.clientPort & 0xffff, at);
    return f;
  }

  reset(stream: number, reason: string): Buffer {
    const r = Buffer.from(reason, 'utf8').subarray(0, MAX_RESET_REASON);
    const f = this.begin(FrameType.RESET, stream, r.length);
    r.copy(f, FRAME_HEADER_LENGTH);
    return f;
  }

  empty(type: number, stream: number): Buffer {
    return this.begin(type, stream, 0);
  }

  ping(type: number, payload: Uint8Array): Buffer {
    const f = this.begin(type, 0, 8);
    f.set(payload.subarray(0, 8), FRAME_HEADER_LENGTH);
    return f;
  }
}

export function frameStream(frame: Uint8Array): number {
  if (frame.length < FRAME_HEADER_LENGTH) throw new RelayError('frame-malformed', 'frame shorter than its header');
  return ((frame[1]! << 24) | (frame[2]! << 16) | (frame[3]! << 8) | frame[4]!) >>> 0;
}

export function readU32(frame: Uint8Array): number {
  if (frame.length !== FRAME_HEADER_LENGTH + 4) throw new RelayError('frame-malformed', 'WINDOW frame of the wrong size');
  return ((frame[5]! << 24) | (frame[6]! << 16) | (frame[7]! << 8) | frame[8]!) >>> 0;
}

export function decodeOpen(frame: Uint8Array): StreamMeta {
  const b = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
  try {
    let at = FRAME_HEADER_LENGTH;
    const dc = b.readInt16BE(at);
    at += 2;
    const fl = b.readUInt8(at++);
    const framing = b.toString('utf8', at, at + fl);
    at += fl;
    const al = b.readUInt8(at++);
    const clientAddress = b.toString('utf8', at, at + al);
    at += al;
    const clientPort = b.readUInt16BE(at);
    if (at + 2 !== b.length) throw new RangeError('trailing bytes');
    return { dc, framing, clientAddress, clientPort };
  } catch (cause) {
    throw new RelayError('frame-malformed', 'OPEN frame malformed', { cause });
  }
}
