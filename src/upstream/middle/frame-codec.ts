/**
 * The "full" framing of the middle-proxy RPC link (docs/protocol.md "Middle proxy", framing):
 *
 *   offset 0   u32 LE  length = 12 + payload length (whole frame, checksum included)
 *   offset 4   i32 LE  sequence number: -2 (RPC_NONCE), -1 (RPC_HANDSHAKE), then 0, 1, … each way
 *   offset 8   payload (a multiple of 4 bytes)
 *   offset L-4 u32 LE  CRC32 (or CRC32-C once negotiated) of bytes 0 … L-5
 *   then, on an encrypted link, `04 00 00 00` words up to the next 16-byte boundary (no sequence number).
 *
 * The encoder fills frames in place (the caller writes the payload at BODY_OFFSET, sealFrame adds the rest).
 * The decoder is incremental and pull-based: push() any chunking, next() one payload at a time, so a cipher can be
 * switched on between two frames of one chunk. Payloads from next() are borrowed views into the decoder's
 * buffer, valid until the following push().
 */
import type { CbcCipher } from '../../kernels/index.js';
import { checksum, type CrcKind } from './crc.js';
import { FRAME_OVERHEAD, PAD_WORD, START_SEQ } from './constants.js';
import { MiddleProtocolError } from './errors.js';

/** Where the payload starts inside a frame. */
export const BODY_OFFSET = 8;
/** Largest payload a decoder accepts by default (the official proxy's bound on one RPC packet). */
export const DEFAULT_MAX_PAYLOAD = 16 * 1024 * 1024;
const BLOCK = 16;

/** Bytes a frame of `bodyLength` takes on the wire, padding included when `pad`. */
export function frameSize(bodyLength: number, pad: boolean): number {
  const bare = bodyLength + FRAME_OVERHEAD;
  return pad ? (bare + BLOCK - 1) & ~(BLOCK - 1) : bare;
}

/**
 * Completes a frame whose payload already sits at [BODY_OFFSET, BODY_OFFSET + bodyLength) of `frame` (sized by
 * frameSize): length, sequence number, checksum, and padding words to the end of `frame`.
 */
export function sealFrame(frame: Buffer, bodyLength: number, seq: number, crc: CrcKind): void {
  if (bodyLength % 4 !== 0) throw new MiddleProtocolError('ERR_PROTOCOL_MIDDLE_FRAME_LENGTH', 'RPC payloads are whole 4-byte words');
  const length = bodyLength + FRAME_OVERHEAD;
  frame.writeUInt32LE(length, 0);
  frame.writeInt32LE(seq, 4);
  frame.writeUInt32LE(checksum(crc, frame.subarray(0, length - 4)), length - 4);
  for (let at = length; at < frame.length; at += 4) frame.writeUInt32LE(PAD_WORD, at);
}

/** One frame as a fresh buffer (tests, handshake packets). */
export function encodeFrame(seq: number, payload: Uint8Array, options: { pad?: boolean; crc?: CrcKind } = {}): Buffer {
  const frame = Buffer.allocUnsafe(frameSize(payload.length, options.pad ?? false));
  frame.set(payload, BODY_OFFSET);
  sealFrame(frame, payload.length, seq, options.crc ?? 'crc32');
  return frame;
}

export interface FrameDecoderOptions {
  maxPayload?: number;
  /** Sequence number the first frame must carry (default -2). */
  startSeq?: number;
}

export class FrameDecoder {
  /** Checksum of incoming frames; switched to CRC32-C after a handshake that negotiated it. */
  crc: CrcKind = 'crc32';
  private buf = Buffer.allocUnsafe(4096);
  private start = 0;
  /** Bytes in [start, plainEnd) are plaintext; [plainEnd, end) still ciphertext (less than a block or not yet). */
  private plainEnd = 0;
  private end = 0;
  private seq: number;
  private cipher: CbcCipher | undefined;
  private readonly maxLength: number;
  /** Bytes of the stream read as frames or padding so far. */
  private consumed = 0;
  /** Just switched to CBC off a 16-byte boundary: plaintext padding words may still follow. */
  private alignPlain = false;

  constructor(options: FrameDecoderOptions = {}) {
    this.seq = options.startSeq ?? START_SEQ;
    this.maxLength = (options.maxPayload ?? DEFAULT_MAX_PAYLOAD) + FRAME_OVERHEAD;
  }

  /** Sequence number the next frame must carry. */
  get expectedSeq(): number {
    return this.seq;
  }

  /** Bytes received and not yet returned as frames (ciphertext tail included). */
  get buffered(): number {
    return this.end - this.start;
  }

  push(chunk: Uint8Array): void {
    if (this.start === this.end) this.start = this.plainEnd = this.end = 0;
    if (this.end + chunk.length > this.buf.length) this.makeRoom(chunk.length);
    this.buf.set(chunk, this.end);
    this.end += chunk.length;
    this.decryptPending();
  }

  /** Everything not yet read is AES-256-CBC ciphertext under `cipher` (chained across pushes). */
  setCipher(cipher: CbcCipher): void {
    this.cipher = cipher;
    this.plainEnd = this.start;
    // A peer may pad its last plaintext frame (RPC_NONCE) to 16 bytes, as alexbers/mtprotoproxy does: those
    // words are not ciphertext.
    this.alignPlain = this.consumed % BLOCK !== 0;
    this.decryptPending();
  }

  /** The next complete payload, or undefined until more bytes arrive. Throws MiddleProtocolError on a bad frame. */
  next(): Buffer | undefined {
    for (;;) {
      const available = this.plainEnd - this.start;
      if (available < 4) return undefined;
      const length = this.buf.readUInt32LE(this.start);
      if (length === PAD_WORD) {
        this.start += 4;
        this.consumed += 4;
        continue;
      }
      if (length < FRAME_OVERHEAD || length % 4 !== 0 || length > this.maxLength) {
        throw new MiddleProtocolError('ERR_PROTOCOL_MIDDLE_FRAME_LENGTH', `frame length ${length} outside 12…${this.maxLength} or not a multiple of 4`);
      }
      if (available < length) return undefined;
      const at = this.start;
      const seq = this.buf.readInt32LE(at + 4);
      if (seq !== this.seq) throw new MiddleProtocolError('ERR_PROTOCOL_MIDDLE_FRAME_SEQ', `frame sequence number ${seq}, expected ${this.seq}`);
      if (checksum(this.crc, this.buf.subarray(at, at + length - 4)) !== this.buf.readUInt32LE(at + length - 4)) {
        throw new MiddleProtocolError('ERR_PROTOCOL_MIDDLE_FRAME_CRC', `frame ${seq} fails its ${this.crc} check`);
      }
      this.seq = (this.seq + 1) | 0;
      this.start = at + length;
      this.consumed += length;
      return this.buf.subarray(at + BODY_OFFSET, at + length - 4);
    }
  }

  private makeRoom(incoming: number): void {
    const kept = this.end - this.start;
    const needed = kept + incoming;
    const target = needed > this.buf.length ? Buffer.allocUnsafe(Math.max(needed, this.buf.length * 2)) : this.buf;
    this.buf.copy(target, 0, this.start, this.end);
    this.buf = target;
    this.plainEnd -= this.start;
    this.end = kept;
    this.start = 0;
  }

  private decryptPending(): void {
    if (this.cipher === undefined) {
      this.plainEnd = this.end;
      return;
    }
    while (this.alignPlain) {
      if (this.end - this.plainEnd < 4) return;
      if (this.buf.readUInt32LE(this.plainEnd) !== PAD_WORD) this.alignPlain = false;
      else {
        this.plainEnd += 4;
        this.start = this.plainEnd;
        this.consumed += 4;
        this.alignPlain = this.consumed % BLOCK !== 0;
      }
    }
    const whole = (this.end - this.plainEnd) & ~(BLOCK - 1);
    if (whole === 0) return;
    const span = this.buf.subarray(this.plainEnd, this.plainEnd + whole);
    this.cipher.update(span, span);
    this.plainEnd += whole;
  }
}
