/**
 * Fake TLS, server side, step 1: collect the client's ClientHello. [RFC 8446 §4.1.2, §5.1; docs/protocol.md "Fake TLS"]
 *
 *   record:     16 | 03 01 | LL LL | handshake fragment …     (repeated while the handshake spans records)
 *   handshake:  01 | LL LL LL | 03 03 | random (32) | sid len | sid | suites | compression | extensions
 *   offsets in the single-record form used for the HMAC:
 *               0    1       3       5    6          9       11            43        44
 *
 * Clients send 1.7–1.9 KB hellos, split across TCP segments; the handshake message may also be fragmented
 * over several 0x16 records. The reader buffers until the whole handshake message is there, then hands out
 * the single-record form `16 03 0x LL LL ‖ handshake` (byte-identical to the wire when it came in one record),
 * which is what the digest covers. Non-TLS first bytes are reported after at most 3 bytes, so the proxy
 * can front them at once.
 */
import { TlsError } from './errors.js';
import { RECORD_HEADER_LENGTH, TYPE_HANDSHAKE } from './tls-records.js';

/** Largest handshake body accepted (the hello proper, without its 4-byte header). */
export const MAX_HELLO_BYTES = 16384;
const MAX_HELLO_RECORDS = 256;
const MAX_RECORD = 16384;

export type HelloReadResult =
  | { readonly status: 'need-more' }
  /** The first bytes are not a TLS handshake record: front the connection. */
  | { readonly status: 'not-tls' }
  | { readonly status: 'error'; readonly error: TlsError }
  | {
      readonly status: 'done';
      /** `16 03 0x LL LL ‖ handshake message`: input for verifyClientHello. */
      readonly record: Uint8Array;
      /** Bytes received after the hello (normally none: the client waits for the answer). */
      readonly rest: Uint8Array;
    };

export interface ClientHelloReaderOptions {
  readonly maxHelloBytes?: number;
}

export class ClientHelloReader {
  private buf = new Uint8Array(2048);
  private len = 0;
  private recordAt = 0; // start of the next unparsed record in buf
  private records = 0;
  private handshake = new Uint8Array(0);
  private handshakeLen = 0;
  private handshakeTotal = -1;
  private final: HelloReadResult | undefined;
  private readonly maxHello: number;

  constructor(options: ClientHelloReaderOptions = {}) {
    this.maxHello = options.maxHelloBytes ?? MAX_HELLO_BYTES;
  }

  /**
   * Every byte fed until the result became final, in order (what the proxy relays to the fronting site).
   * Bytes fed after a final result are not kept: the caller stops feeding then.
   */
  received(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  feed(chunk: Uint8Array): HelloReadResult {
    if (this.final) return this.final;
    this.append(chunk);
    return this.parse();
  }

  private append(chunk: Uint8Array): void {
    if (this.len + chunk.length > this.buf.length) {
      const grown = new Uint8Array(Math.max(this.buf.length * 2, this.len + chunk.length));
      grown.set(this.buf.subarray(0, this.len));
      this.buf = grown;
    }
    this.buf.set(chunk, this.len);
    this.len += chunk.length;
  }

  private finish(result: HelloReadResult): HelloReadResult {
    this.final = result;
    return result;
  }

  private error(code: TlsError['code'], message: string): HelloReadResult {
    return this.finish({ status: 'error', error: new TlsError(code, message) });
  }

  private parse(): HelloReadResult {
    const b = this.buf;
    if (this.records === 0) {
      // Decide "not TLS" from the first bytes alone: 16 03 01..04.
      if (this.len >= 1 && b[0] !== TYPE_HANDSHAKE) return this.finish({ status: 'not-tls' });
      if (this.len >= 2 && b[1] !== 0x03) return this.finish({ status: 'not-tls' });
      if (this.len >= 3 && (b[2]! < 0x01 || b[2]! > 0x04)) return this.finish({ status: 'not-tls' });
    }
    for (;;) {
      const at = this.recordAt;
      if (this.len - at < RECORD_HEADER_LENGTH) return { status: 'need-more' };
      if (b[at] !== TYPE_HANDSHAKE || b[at + 1] !== 0x03) {
        return this.error('ERR_PROTOCOL_TLS_HELLO', 'hello continues with a record that is not a handshake record');
      }
      const length = (b[at + 3]! << 8) | b[at + 4]!;
      if (length === 0 || length > MAX_RECORD) {
        return this.error('ERR_PROTOCOL_TLS_RECORD', `handshake record length ${length} out of range`);
      }
      if (this.len - at < RECORD_HEADER_LENGTH + length) return { status: 'need-more' };
      if (++this.records > MAX_HELLO_RECORDS) return this.error('ERR_PROTOCOL_TLS_HELLO', 'hello fragmented into too many records');
      this.appendHandshake(b.subarray(at + RECORD_HEADER_LENGTH, at + RECORD_HEADER_LENGTH + length));
      this.recordAt = at + RECORD_HEADER_LENGTH + length;
      if (this.handshakeTotal < 0 && this.handshakeLen >= 4) {
        const h = this.handshake;
        if (h[0] !== 0x01) return this.error('ERR_PROTOCOL_TLS_HELLO', `handshake type ${h[0]} is not ClientHello`);
        const body = (h[1]! << 16) | (h[2]! << 8) | h[3]!;
        if (body > this.maxHello) {
          return this.error('ERR_PROTOCOL_TLS_HELLO_TOO_LARGE', `ClientHello of ${body} bytes exceeds ${this.maxHello}`);
        }
        this.handshakeTotal = 4 + body;
      }
      if (this.handshakeTotal >= 0) {
        if (this.handshakeLen > this.handshakeTotal) {
          return this.error('ERR_PROTOCOL_TLS_HELLO', 'handshake record carries bytes beyond the ClientHello');
        }
        if (this.handshakeLen === this.handshakeTotal) return this.done();
      }
    }
  }

  private appendHandshake(part: Uint8Array): void {
    if (this.handshakeLen + part.length > this.handshake.length) {
      const grown = new Uint8Array(Math.max(this.handshake.length * 2, this.handshakeLen + part.length, 512));
      grown.set(this.handshake.subarray(0, this.handshakeLen));
      this.handshake = grown;
    }
    this.handshake.set(part, this.handshakeLen);
    this.handshakeLen += part.length;
  }

  private done(): HelloReadResult {
    const total = this.handshakeTotal;
    if (total > 0xffff) return this.error('ERR_PROTOCOL_TLS_HELLO_TOO_LARGE', 'ClientHello does not fit one record');
    const record = new Uint8Array(RECORD_HEADER_LENGTH + total);
    record[0] = TYPE_HANDSHAKE;
    record[1] = this.buf[1]!;
    record[2] = this.buf[2]!;
    record[3] = total >>> 8;
    record[4] = total & 0xff;
    record.set(this.handshake.subarray(0, total), RECORD_HEADER_LENGTH);
    return this.finish({ status: 'done', record, rest: this.buf.slice(this.recordAt, this.len) });
  }
}
