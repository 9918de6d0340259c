/**
 * Fake-TLS record layer around the obfuscated2 codec for the data phase. [wire.md "Fake TLS"]
 *   up:   TLS records from the client → payloads → obfuscated2 codec (records ≤ 16 640 bytes, else close)
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

  up(chunk: Buffer): Uint8Array | readonly Uint8Array[] | null {
    const payloads = this.reader.push(chunk);
    if (payloads.length === 0) return null;
    for (const p of payloads) this.inner.up(p);
    return payloads.length === 1 ? payloads[0]! : payloads;
  }

  down(chunk: Buffer): readonly Uint8Array[] {
    this.inner.down(chunk);
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

  destroy(): void {
    this.inner.destroy();
  }
}
