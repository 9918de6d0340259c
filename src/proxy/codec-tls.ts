/**
 * Fake-TLS record layer around the obfuscated2 codec for the data phase. [wire.md "Fake TLS"]
 *   up:   TLS records from the client → payloads, as they arrive → obfuscated2 codec (records ≤ 16 640
 *         bytes, else close)
 *   down: DC bytes → obfuscated2 codec → `17 03 03 LL LL` records of ≤ 16 384 bytes, written as
 *         header/payload pairs (one writev) without copying the payload
 */
import { joinPayloads, recordParts, TlsRecordReader } from '../protocol/tls-records.js';
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
    return this.inner.up(joinPayloads(payloads));
  }

  down(raw: Buffer): readonly Uint8Array[] {
    return recordParts(this.inner.down(raw));
  }

  release(): void {
    this.inner.release();
  }

  destroy(): void {
    this.inner.destroy();
  }
}
