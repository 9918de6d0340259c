/**
 * Fake-TLS record layer around the obfuscated2 codec for the data phase. [wire.md "Fake TLS"]
 *   up:   TLS records from the client → payloads, as they arrive → obfuscated2 codec (records ≤ 16 640
 *         bytes, else close)
 *   down: DC bytes → obfuscated2 codec → `17 03 03 LL LL` records of ≤ 16 384 bytes, written as
 *         header/payload pairs (one writev) without copying the payload
 */
import { MAX_RECORD_PAYLOAD, RECORD_HEADER_LENGTH, TYPE_APPLICATION_DATA, TlsRecordReader, writeRecordHeader } from '../protocol/tls-records.js';
import type { ObfuscatedCodec } from './codecs.js';
import type { RelayCodec } from './relay.js';

export class TlsCodec implements RelayCodec {
  constructor(
    private readonly inner: ObfuscatedCodec,
    private readonly reader: TlsRecordReader,
  ) {}

  /** Payload bytes already taken out of records during the handshake. */
  upPayload(payload: Uint8Array): Uint8Array {
    return this.inner.up(payload);
  }

  up(chunk: Buffer): Uint8Array | null {
    const payloads = this.reader.pushPartial(chunk);
    if (payloads.length === 0) return null;
    // One cipher pass and one write per chunk instead of one per record: CTR is a stream, so the payloads
    // joined (whole records and the pieces of split ones) are processed exactly as one after the other.
    const joined = payloads.length === 1 ? payloads[0]! : compact(payloads);
    return this.inner.up(joined);
  }

  down(raw: Buffer): readonly Uint8Array[] {
    const chunk = this.inner.down(raw);
    const count = Math.ceil(chunk.length / MAX_RECORD_PAYLOAD);
    const out: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      const part = chunk.subarray(i * MAX_RECORD_PAYLOAD, Math.min(chunk.length, (i + 1) * MAX_RECORD_PAYLOAD));
      const header = Buffer.allocUnsafe(RECORD_HEADER_LENGTH);
      writeRecordHeader(header, 0, TYPE_APPLICATION_DATA, part.length);
      out.push(header, part);
    }
    return out;
  }

  release(): void {
    this.inner.release();
  }

  destroy(): void {
    this.inner.destroy();
  }
}

/**
 * Joins record payloads. The reader hands out views into one buffer in increasing order, with the record
 * headers between them, so they are moved down over those headers in place (no allocation); anything else
 * is copied.
 */
function compact(payloads: readonly Uint8Array[]): Uint8Array {
  const first = payloads[0]!;
  const buffer = first.buffer;
  let end = first.byteOffset + first.length;
  let total = first.length;
  let inPlace = true;
  for (let i = 1; i < payloads.length; i++) {
    const p = payloads[i]!;
    if (p.buffer !== buffer || p.byteOffset < end) inPlace = false;
    end = p.byteOffset + p.length;
    total += p.length;
  }
  if (!inPlace) return Buffer.concat(payloads as Uint8Array[], total);
  const whole = new Uint8Array(buffer, first.byteOffset, end - first.byteOffset);
  let at = first.length;
  for (let i = 1; i < payloads.length; i++) {
    const p = payloads[i]!;
    const from = p.byteOffset - first.byteOffset;
    whole.copyWithin(at, from, from + p.length);
    at += p.length;
  }
  return whole.subarray(0, total);
}
