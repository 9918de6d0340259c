/**
 * MTProto transport framings inside the obfuscation. [docs/protocol.md "Framings";
 * core.telegram.org/mtproto/mtproto-transports]
 *
 *   abridged      len/4 < 0x7f:  | L (1) | payload |          L = len/4, bit 0x80 = quick ack (client → server)
 *                 otherwise:     | 7f | L (3, LE) | payload |  (bit 0x80 of the first byte likewise)
 *   intermediate  | len (u32 LE) | payload |                   bit 31 of len = quick ack (client → server)
 *   padded        | len (u32 LE) | payload | padding 0..15 |   len covers payload + padding; a receiver can
 *                                                              only strip len % 4 (MTProto ignores the rest)
 *   quick-ack replies (server → client): 4 bytes with no length; abridged sends the token byte-swapped
 *   (big-endian, top bit set), (padded) intermediate sends it as u32 LE with bit 31 set.
 *
 * Used by the fake DC, the load generator and tests; the proxy itself never parses frames in direct mode.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { FramingError } from './errors.js';

export type FramingKind = 'abridged' | 'intermediate' | 'padded';
export type FrameDirection = 'from-client' | 'from-server';

export type Frame =
  | { readonly type: 'data'; readonly payload: Uint8Array; readonly quickAck: boolean }
  | { readonly type: 'ack'; readonly token: number };

/** Default largest frame (payload plus padding) a decoder accepts. */
export const DEFAULT_MAX_FRAME = 16 * 1024 * 1024;
const ABRIDGED_MAX_WORDS = 0xffffff;
const QUICK_ACK = 0x80000000;

export interface EncodeOptions {
  /** Ask the receiver for a quick ack (client → server only). */
  readonly quickAck?: boolean;
  /** Padded intermediate: bytes of random padding (0..15); default random. */
  readonly padding?: number;
}

export function encodeFrame(kind: FramingKind, payload: Uint8Array, options: EncodeOptions = {}): Uint8Array {
  const quick = options.quickAck ?? false;
  if (kind === 'abridged') {
    if (payload.length % 4 !== 0) throw new FramingError('ERR_PROTOCOL_FRAME_BAD', 'abridged payloads must be a multiple of 4 bytes');
    const words = payload.length / 4;
    if (words > ABRIDGED_MAX_WORDS) throw new FramingError('ERR_PROTOCOL_FRAME_TOO_LARGE', 'abridged payload too large');
    const short = words < 0x7f;
    const out = new Uint8Array((short ? 1 : 4) + payload.length);
    if (short) out[0] = words;
    else out.set([0x7f, words & 0xff, (words >>> 8) & 0xff, words >>> 16]);
    if (quick) out[0]! |= 0x80;
    out.set(payload, short ? 1 : 4);
    return out;
  }
  if (kind !== 'intermediate' && kind !== 'padded') throw new FramingError('ERR_PROTOCOL_FRAME_BAD', 'unknown framing');
  const pad = kind === 'padded' ? (options.padding ?? randomInt(16)) : 0;
  if (!Number.isInteger(pad) || pad < 0 || pad > 15) throw new FramingError('ERR_PROTOCOL_FRAME_PADDING', 'padding must be 0..15 bytes');
  const length = payload.length + pad;
  if (length >= QUICK_ACK) throw new FramingError('ERR_PROTOCOL_FRAME_TOO_LARGE', 'intermediate payload too large');
  const out = new Uint8Array(4 + length);
  new DataView(out.buffer).setUint32(0, (length | (quick ? QUICK_ACK : 0)) >>> 0, true);
  out.set(payload, 4);
  if (pad > 0) out.set(randomBytes(pad), 4 + payload.length);
  return out;
}

/** The server's quick-ack reply for a token (4 bytes, no length). */
export function encodeQuickAck(kind: FramingKind, token: number): Uint8Array {
  const out = new Uint8Array(4);
  const dv = new DataView(out.buffer);
  if (kind === 'abridged') dv.setUint32(0, (token | QUICK_ACK) >>> 0, false);
  else dv.setUint32(0, (token | QUICK_ACK) >>> 0, true);
  return out;
}

export interface DecoderOptions {
  readonly maxFrameLength?: number;
  /** from-client: bit 0x80 / bit 31 asks for a quick ack; from-server: it marks a 4-byte quick-ack reply. */
  readonly direction?: FrameDirection;
}

/** Incremental decoder: push bytes, get complete frames; throws FramingError on an oversized frame. */
export class FrameDecoder {
  private chunks: Uint8Array[] = [];
  private held = 0;
  private need = 1; // bytes required before parsing can make progress
  private failed: FramingError | undefined;
  private readonly max: number;
  private readonly fromServer: boolean;

  constructor(
    readonly kind: FramingKind,
    options: DecoderOptions = {},
  ) {
    if (kind !== 'abridged' && kind !== 'intermediate' && kind !== 'padded') {
      throw new FramingError('ERR_PROTOCOL_FRAME_BAD', 'unknown framing');
    }
    this.max = options.maxFrameLength ?? DEFAULT_MAX_FRAME;
    this.fromServer = options.direction === 'from-server';
  }

  get pendingBytes(): number {
    return this.held;
  }

  push(chunk: Uint8Array): Frame[] {
    if (this.failed) throw this.failed;
    if (chunk.length === 0) return [];
    this.chunks.push(chunk);
    this.held += chunk.length;
    // Joining only once a whole frame (or header) is there keeps byte-at-a-time input linear.
    if (this.held < this.need) return [];
    const data = this.chunks.length === 1 ? this.chunks[0]! : joinChunks(this.chunks, this.held);
    const frames: Frame[] = [];
    let at = 0;
    for (;;) {
      const step = this.kind === 'abridged' ? this.abridged(data, at, frames) : this.intermediate(data, at, frames);
      if (step <= 0) {
        this.need = -step;
        break;
      }
      at += step;
    }
    const rest = data.length - at;
    this.chunks = rest === 0 ? [] : [new Uint8Array(data.subarray(at))];
    this.held = rest;
    return frames;
  }

  /** Bytes consumed by one complete frame at `at`, or minus the bytes needed from `at` to make progress. */
  private abridged(d: Uint8Array, at: number, out: Frame[]): number {
    if (d.length - at < 1) return -1;
    const first = d[at]!;
    if (this.fromServer && first & 0x80) {
      if (d.length - at < 4) return -4;
      out.push({ type: 'ack', token: new DataView(d.buffer, d.byteOffset + at, 4).getUint32(0, false) & ~QUICK_ACK });
      return 4;
    }
    const quickAck = !this.fromServer && (first & 0x80) !== 0;
    const short = first & 0x7f;
    let header = 1;
    let words = short;
    if (short === 0x7f) {
      if (d.length - at < 4) return -4;
      words = d[at + 1]! | (d[at + 2]! << 8) | (d[at + 3]! << 16);
      header = 4;
    }
    const length = words * 4;
    if (length > this.max) this.fail(length);
    if (d.length - at < header + length) return -(header + length);
    out.push({ type: 'data', payload: new Uint8Array(d.subarray(at + header, at + header + length)), quickAck });
    return header + length;
  }

  private intermediate(d: Uint8Array, at: number, out: Frame[]): number {
    if (d.length - at < 4) return -4;
    const raw = (d[at]! | (d[at + 1]! << 8) | (d[at + 2]! << 16) | (d[at + 3]! << 24)) >>> 0;
    const flagged = raw >= QUICK_ACK;
    if (this.fromServer && flagged) {
      out.push({ type: 'ack', token: (raw & ~QUICK_ACK) >>> 0 });
      return 4;
    }
    const length = raw & 0x7fffffff;
    if (length > this.max) this.fail(length);
    if (d.length - at < 4 + length) return -(4 + length);
    const keep = this.kind === 'padded' ? length - (length % 4) : length;
    out.push({ type: 'data', payload: new Uint8Array(d.subarray(at + 4, at + 4 + keep)), quickAck: flagged });
    return 4 + length;
  }

  private fail(length: number): never {
    this.failed = new FramingError('ERR_PROTOCOL_FRAME_TOO_LARGE', `frame of ${length} bytes exceeds ${this.max}`);
    throw this.failed;
  }
}

function joinChunks(chunks: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
