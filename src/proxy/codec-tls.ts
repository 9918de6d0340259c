/**
 * Fake-TLS record layer around an upstream's codec for the data phase (docs/protocol.md "Fake TLS"). It is
 * the client's side of the connection, so the session adds it whatever the upstream is.
 *   up:   TLS records from the client → payloads, as they arrive → the upstream's codec (records ≤ 16 640
 *         bytes, else close)
 *   down: upstream bytes → the upstream's codec → `17 03 03 LL LL` records sized as a web server sizes them
 *         (RecordSizeRamp: segment-sized while new or after an idle second, then growing to 16 384 bytes;
 *         docs/operations.md "Fronting site profile"), written as header/payload pairs (one writev) without
 *         copying the payload
 */
import { joinPayloads, RecordSizeRamp, recordPartsSized, TlsRecordReader, type RecordSizer } from '../protocol/tls-records.js';
import type { RelayCodec } from '../upstream/types.js';

export class TlsCodec implements RelayCodec {
  constructor(
    private readonly inner: RelayCodec,
    private readonly reader: TlsRecordReader,
    private readonly sizer: RecordSizer = new RecordSizeRamp(),
  ) {}

  up(chunk: Uint8Array): Uint8Array | readonly Uint8Array[] | null {
    const payloads = this.reader.pushPartial(chunk);
    if (payloads.length === 0) return null;
    // One cipher pass and one write per chunk instead of one per record: CTR is a stream, so the payloads
    // joined (whole records and the pieces of split ones) are processed exactly as one after the other.
    return this.inner.up(joinPayloads(payloads));
  }

  down(raw: Uint8Array): readonly Uint8Array[] | null {
    const out = this.inner.down(raw);
    if (out === null) return null;
    return recordPartsSized(out instanceof Uint8Array ? out : joinPayloads(out), this.sizer, Date.now());
  }

  release(): void {
    this.inner.release();
  }

  destroy(): void {
    this.inner.destroy();
  }
}
