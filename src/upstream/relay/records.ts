/**
 * Relay records (docs/protocol.md "Relay tunnel"): after the handshake each direction seals its frames with the
 * negotiated suite. One record on the wire:
 *
 *   length u24 BE (of ciphertext ‖ tag) | sequence u64 BE | ciphertext ‖ 16-byte tag        AAD = the 11-byte header
 *
 * The nonce is the sequence number, big-endian, in the last 8 bytes of an otherwise zero nonce (12 bytes for
 * ChaCha20-Poly1305 and AES-GCM, 24 for XChaCha20-Poly1305): each key is fresh per tunnel, direction and rekey,
 * so counter nonces never repeat under one key. The sequence travels in clear (and authenticated) only so that
 * a replayed or reordered record is told apart from a forged one; a record whose sequence is not the next
 * expected one is refused before decryption.
 *
 * Keys: record key = HKDF-SHA256(ikm = Noise split key, salt = handshake hash, info = "mtshield relay v1 " ‖ suite),
 * 16 bytes for aes-128-gcm, 32 otherwise. Rekey (a KEY_UPDATE frame, sent as the last record under the old key):
 * next key = HKDF-SHA256(ikm = current key, salt = empty, info = "mtshield relay v1 rekey"). The sequence keeps
 * counting across rekeys.
 *
 * Seal and open go through the kernel registry's per-size dispatch (wasm-simd for small records, native for large).
 */
import { hkdfSync } from 'node:crypto';
import type { Aead } from '../../kernels/index.js';
import { RelayError } from './errors.js';
import { suiteKeyLength, suiteNonceLength, type RelaySuite } from './suites.js';

export const RECORD_HEADER_LENGTH = 11;
export const RECORD_TAG_LENGTH = 16;
/** Largest ciphertext ‖ tag a record may carry (frames stay well below it). */
export const MAX_SEALED_LENGTH = 65_536 + 64;
const TWO_32 = 2 ** 32;

export function deriveRecordKey(splitKey: Uint8Array, handshakeHash: Uint8Array, suite: RelaySuite): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', splitKey, handshakeHash, `mtshield relay v1 ${suite}`, suiteKeyLength(suite)));
}

export function nextRecordKey(key: Uint8Array): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', key, new Uint8Array(0), 'mtshield relay v1 rekey', key.length));
}

/** Shared state of one direction: key, sequence, nonce buffer. */
abstract class RecordDirection {
  protected seq = 0;
  protected readonly nonce: Uint8Array;
  protected readonly nonceView: DataView;

  constructor(protected readonly aead: Aead, protected key: Uint8Array, suite: RelaySuite) {
    this.nonce = new Uint8Array(suiteNonceLength(suite));
    this.nonceView = new DataView(this.nonce.buffer);
  }

  /** Switches to the next key (KEY_UPDATE); the old key is wiped. */
  rekey(): void {
    const next = nextRecordKey(this.key);
    this.key.fill(0);
    this.key = next;
  }

  get sequence(): number {
    return this.seq;
  }

  protected setNonce(seq: number): void {
    const at = this.nonce.length - 8;
    this.nonceView.setUint32(at, Math.floor(seq / TWO_32));
    this.nonceView.setUint32(at + 4, seq >>> 0);
  }

  destroy(): void {
    this.key.fill(0);
  }
}

export class RecordSealer extends RecordDirection {
  private readonly header = new Uint8Array(RECORD_HEADER_LENGTH);
  private readonly headerView = new DataView(this.header.buffer);

  /** The full record for `frame` (the frame buffer may be reused once this returns). */
  seal(frame: Uint8Array): Uint8Array {
    const seq = this.seq++;
    const sealedLength = frame.length + RECORD_TAG_LENGTH;
    const h = this.headerView;
    h.setUint8(0, sealedLength >>> 16);
    h.setUint16(1, sealedLength & 0xffff);
    h.setUint32(3, Math.floor(seq / TWO_32));
    h.setUint32(7, seq >>> 0);
    this.setNonce(seq);
    const sealed = this.aead.seal(this.key, this.nonce, frame, this.header);
    const record = Buffer.allocUnsafe(RECORD_HEADER_LENGTH + sealedLength);
    record.set(this.header, 0);
    record.set(sealed, RECORD_HEADER_LENGTH);
    return record;
  }
}

/**
 * Parses records out of a byte stream and opens them in order. `feed` borrows its chunk (only a partial record
 * at the end is copied), calls `onFrame` for every record's plaintext, and throws RelayError on the first bad one.
 */
export class RecordOpener extends RecordDirection {
  private pending: Uint8Array | undefined;
  private failed = false;

  constructor(aead: Aead, key: Uint8Array, suite: RelaySuite, private readonly onFrame: (frame: Uint8Array) => void) {
    super(aead, key, suite);
  }

  feed(chunk: Uint8Array): void {
    if (this.failed) return;
    let buf = chunk;
    if (this.pending !== undefined) {
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = undefined;
    }
    let off = 0;
    try {
      while (buf.length - off >= RECORD_HEADER_LENGTH) {
        const sealedLength = (buf[off]! << 16) | (buf[off + 1]! << 8) | buf[off + 2]!;
        if (sealedLength > MAX_SEALED_LENGTH || sealedLength < RECORD_TAG_LENGTH) throw new RelayError('record-oversize', `record length ${sealedLength} out of range`);
        const end = off + RECORD_HEADER_LENGTH + sealedLength;
        if (end > buf.length) break;
        this.openOne(buf, off, end);
        off = end;
      }
    } catch (err) {
      this.failed = true;
      throw err;
    }
    if (off < buf.length) this.pending = buf.slice(off);
  }

  /** True when bytes of an unfinished record are buffered (the peer's end now means truncation). */
  get midRecord(): boolean {
    return this.pending !== undefined && this.pending.length > 0;
  }

  private openOne(buf: Uint8Array, off: number, end: number): void {
    const hi = ((buf[off + 3]! << 24) | (buf[off + 4]! << 16) | (buf[off + 5]! << 8) | buf[off + 6]!) >>> 0;
    const lo = ((buf[off + 7]! << 24) | (buf[off + 8]! << 16) | (buf[off + 9]! << 8) | buf[off + 10]!) >>> 0;
    const number = hi * TWO_32 + lo;
    if (number < this.seq) throw new RelayError('record-replay', `record ${number} arrived again (expected ${this.seq})`);
    if (number > this.seq) throw new RelayError('record-reorder', `record ${number} arrived out of order (expected ${this.seq})`);
    this.setNonce(number);
    let frame: Uint8Array;
    try {
      frame = this.aead.open(this.key, this.nonce, buf.subarray(off + RECORD_HEADER_LENGTH, end), buf.subarray(off, off + RECORD_HEADER_LENGTH));
    } catch (cause) {
      throw new RelayError('record-auth', `record ${number} failed authentication`, { cause });
    }
    this.seq++;
    this.onFrame(frame);
  }
}
