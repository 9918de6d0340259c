/**
 * TLS record layer as fake TLS uses it after the handshake.
 * [RFC 8446 §5.1; docs/protocol.md "Fake TLS record layer"]
 *
 *   offset 0      1        3           5
 *          | type | version | length BE | payload (length bytes)
 *          | 17   | 03 03   | LL LL     |
 *
 * After the server answer the client sends `14 03 03 00 01 01` once, then only `17 03 03` records (the
 * first carries the 64-byte obfuscated2 header). Towards the client records carry at most 16 384 payload
 * bytes (tdlib refuses larger). Incoming records are accepted up to 16 640 bytes (the TLS 1.3 ciphertext
 * bound, the same limit as the tlsSplit kernel).
 */
import { concatBytes } from './bytes.js';
import { TlsError } from './errors.js';

export const RECORD_HEADER_LENGTH = 5;
export const TYPE_CHANGE_CIPHER_SPEC = 0x14;
export const TYPE_ALERT = 0x15;
export const TYPE_HANDSHAKE = 0x16;
export const TYPE_APPLICATION_DATA = 0x17;
/** Largest payload we send in one record. */
export const MAX_RECORD_PAYLOAD = 16384;
/** Largest payload we accept in one incoming record. */
export const MAX_INCOMING_RECORD = 16640;
export const CHANGE_CIPHER_SPEC = Uint8Array.of(0x14, 0x03, 0x03, 0x00, 0x01, 0x01);

/** Writes a record header at `at`. */
export function writeRecordHeader(out: Uint8Array, at: number, type: number, length: number): void {
  out[at] = type;
  out[at + 1] = 0x03;
  out[at + 2] = 0x03;
  out[at + 3] = length >>> 8;
  out[at + 4] = length & 0xff;
}

/** Wraps bytes into `17 03 03` records of at most `maxPayload` (≤ 16 384) bytes each, in one copy. */
export function wrapRecords(payload: Uint8Array, maxPayload = MAX_RECORD_PAYLOAD): Uint8Array {
  checkRecordLimit(maxPayload);
  if (payload.length > 0) return concatBytes(...recordParts(payload, maxPayload));
  const empty = new Uint8Array(RECORD_HEADER_LENGTH); // no payload is still one (empty) record
  writeRecordHeader(empty, 0, TYPE_APPLICATION_DATA, 0);
  return empty;
}

/**
 * `payload` as `17 03 03` records of at most `maxPayload` bytes, as header/payload pairs for a corked or
 * vectored write: the payloads are views of `payload` (not copied), the headers share one small array.
 */
export function recordParts(payload: Uint8Array, maxPayload = MAX_RECORD_PAYLOAD): Uint8Array[] {
  checkRecordLimit(maxPayload);
  const count = Math.ceil(payload.length / maxPayload);
  const headers = new Uint8Array(count * RECORD_HEADER_LENGTH);
  const parts: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const part = payload.subarray(i * maxPayload, Math.min(payload.length, (i + 1) * maxPayload));
    const at = i * RECORD_HEADER_LENGTH;
    writeRecordHeader(headers, at, TYPE_APPLICATION_DATA, part.length);
    parts.push(headers.subarray(at, at + RECORD_HEADER_LENGTH), part);
  }
  return parts;
}

/** Smallest record limit a RecordSizer may give (smaller answers are raised to it). */
export const MIN_SIZED_RECORD = 512;

/** Largest payload for each next record; RecordSizeRamp is the default. */
export interface RecordSizer {
  /** Limit for the next record written at `nowMs` (1..16 384); counts `bytes` of it as sent. */
  next(nowMs: number, bytes: number): number;
}

export interface RecordSizeRampOptions {
  /** Small records' payload range: one MSS less IP/TCP/TLS overhead; default 1250..1400. */
  readonly smallMin?: number;
  readonly smallMax?: number;
  /** Bytes sent in small records before growing, drawn per burst in 0.75..1.25 × this; default 1 MiB. */
  readonly rampBytes?: number;
  /** Idle time after which records start small again; default 1000 ms. */
  readonly idleMs?: number;
  readonly random?: () => number;
}

/**
 * Dynamic record sizing as web servers do it (Google's and Cloudflare's TLS front ends, Apache Traffic
 * Server, Go's crypto/tls): records that fit one TCP segment while the connection is new or after an
 * idle second, so the first bytes decode at once, then doubling up to 16 KiB records for throughput.
 * Small sizes vary per record and the switch point per burst, so there is no fixed pattern to match.
 * A few numbers of state; no allocation per record.
 */
export class RecordSizeRamp implements RecordSizer {
  private readonly shape: RampShape;
  private sent = 0;
  /** Bytes of small records before growing: a whole number (sent is one), so both stay small integers. */
  private threshold = 0;
  private lastAt = Number.NEGATIVE_INFINITY;
  private growing = 0;

  /** Without options every ramp shares one shape object: a ramp per idle fake-TLS connection holds only its state. */
  constructor(options?: RecordSizeRampOptions) {
    this.shape = options === undefined ? (defaultShape ??= rampShape({})) : rampShape(options);
  }

  next(nowMs: number, bytes: number): number {
    const { smallMin, smallSpan, random } = this.shape;
    if (nowMs - this.lastAt > this.shape.idleMs) {
      this.sent = 0;
      this.growing = 0;
      // sent < ceil(x) exactly when sent < x (sent is whole)
      this.threshold = Math.ceil(this.shape.rampBytes * (0.75 + 0.5 * random()));
    }
    this.lastAt = nowMs;
    let limit: number;
    if (this.sent < this.threshold) limit = smallMin + Math.floor(random() * smallSpan);
    else if (this.growing < 4) limit = Math.min(MAX_RECORD_PAYLOAD, (smallMin + Math.floor(random() * smallSpan)) << ++this.growing);
    else limit = MAX_RECORD_PAYLOAD;
    // Past the threshold the count no longer matters (until the next idle reset): it stays a small integer.
    if (this.sent < this.threshold) this.sent += Math.min(bytes, limit);
    return limit;
  }
}

/** A ramp's settings, as RecordSizeRampOptions with the defaults applied. */
interface RampShape {
  readonly smallMin: number;
  readonly smallSpan: number;
  readonly rampBytes: number;
  readonly idleMs: number;
  readonly random: () => number;
}
let defaultShape: RampShape | undefined;

function rampShape(options: RecordSizeRampOptions): RampShape {
  const smallMin = options.smallMin ?? 1250;
  const smallSpan = (options.smallMax ?? 1400) - smallMin + 1;
  if (smallMin < MIN_SIZED_RECORD || smallSpan < 1) {
    throw new TlsError('ERR_PROTOCOL_TLS_RECORD_TOO_LARGE', `small records must be ${MIN_SIZED_RECORD}..${MAX_RECORD_PAYLOAD} bytes`);
  }
  checkRecordLimit(smallMin + smallSpan - 1);
  return { smallMin, smallSpan, rampBytes: options.rampBytes ?? 1 << 20, idleMs: options.idleMs ?? 1000, random: options.random ?? Math.random };
}

/** Record lengths of one recordPartsSized call (module scratch: the call is synchronous; grown on demand). */
let sizedLengths = new Uint16Array(256);

/**
 * recordParts with each record's limit taken from `sizer` (views of `payload`, headers in one array). The limits
 * are drawn first, so the headers take exactly 5 bytes per record (20 for a 64 KiB run at full size), cut from
 * Node's shared pool of small buffers: a typed array of its own (room for the smallest records, 645 bytes) was an
 * off-heap backing store per chunk relayed, and even a small one becomes one once a view of it goes to a socket.
 */
export function recordPartsSized(payload: Uint8Array, sizer: RecordSizer, nowMs: number): Uint8Array[] {
  const most = Math.ceil(payload.length / MIN_SIZED_RECORD);
  if (sizedLengths.length < most) sizedLengths = new Uint16Array(most);
  const lengths = sizedLengths;
  let count = 0;
  for (let at = 0; at < payload.length; ) {
    const limit = Math.max(MIN_SIZED_RECORD, Math.min(MAX_RECORD_PAYLOAD, sizer.next(nowMs, payload.length - at)));
    const n = Math.min(limit, payload.length - at);
    lengths[count++] = n;
    at += n;
  }
  const headers = Buffer.allocUnsafe(count * RECORD_HEADER_LENGTH); // every byte is written below
  const parts: Uint8Array[] = new Array(2 * count);
  for (let i = 0, at = 0, h = 0; i < count; i++, h += RECORD_HEADER_LENGTH) {
    const n = lengths[i]!;
    writeRecordHeader(headers, h, TYPE_APPLICATION_DATA, n);
    parts[2 * i] = headers.subarray(h, h + RECORD_HEADER_LENGTH);
    parts[2 * i + 1] = payload.subarray(at, at + n);
    at += n;
  }
  return parts;
}

function checkRecordLimit(maxPayload: number): void {
  if (!Number.isInteger(maxPayload) || maxPayload < 1 || maxPayload > MAX_RECORD_PAYLOAD) {
    throw new TlsError('ERR_PROTOCOL_TLS_RECORD_TOO_LARGE', `record payload limit must be 1..${MAX_RECORD_PAYLOAD}`);
  }
}

/**
 * Joins the payloads one reader push returned into one run of bytes, for one cipher pass. The reader hands
 * out views into one chunk in increasing order with the record headers between them, so they are moved
 * down over those headers in place (no allocation); anything else is copied.
 */
export function joinPayloads(payloads: readonly Uint8Array[]): Uint8Array {
  if (payloads.length <= 1) return payloads[0] ?? new Uint8Array(0);
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
  const joined = inPlace ? new Uint8Array(buffer, first.byteOffset, end - first.byteOffset) : new Uint8Array(total);
  let at = inPlace ? first.length : 0;
  for (let i = inPlace ? 1 : 0; i < payloads.length; i++) {
    const p = payloads[i]!;
    if (inPlace) joined.copyWithin(at, p.byteOffset - first.byteOffset, p.byteOffset - first.byteOffset + p.length);
    else joined.set(p, at);
    at += p.length;
  }
  return joined.subarray(0, total);
}

export interface TlsRecordReaderOptions {
  /** Accept one `14 03 03 00 01 01` before the first data record (the client side of fake TLS does). */
  readonly allowChangeCipherSpec?: boolean;
  readonly maxRecordLength?: number;
}

/**
 * Incremental reader for the data phase: push TCP chunks, get the payloads of complete application-data
 * records (views into the chunk where possible). Anything else throws a TlsError and the reader stays
 * failed: the caller closes the connection.
 */
export class TlsRecordReader {
  /**
   * A header split across pushes, made on the first such split (most connections never have one: a typed array
   * per idle fake-TLS connection was ≈ 200 bytes of heap, snapshot); the current record's type is `type`.
   */
  private header: Uint8Array | undefined;
  private headerLen = 0;
  private type = 0;
  private body: Uint8Array | undefined; // the record being completed across pushes
  private bodyLen = 0;
  /** pushPartial(): payload bytes of the current application-data record still to come. */
  private remaining = 0;
  private cssAllowed: boolean;
  private failed: TlsError | undefined;
  private readonly maxRecord: number;

  constructor(options: TlsRecordReaderOptions = {}) {
    this.cssAllowed = options.allowChangeCipherSpec ?? true;
    this.maxRecord = options.maxRecordLength ?? MAX_INCOMING_RECORD;
  }

  /** Bytes held waiting for the rest of a record. */
  get pendingBytes(): number {
    return this.headerLen + this.bodyLen;
  }

  /**
   * Payloads of the records completed by this chunk. Records wholly inside the chunk come back as views
   * into it (consume them before reusing the chunk); a record split across pushes is copied once.
   */
  push(chunk: Uint8Array): Uint8Array[] {
    if (this.failed) throw this.failed;
    const out: Uint8Array[] = [];
    let at = 0;
    while (at < chunk.length) {
      if (this.headerLen === 0 && chunk.length - at >= RECORD_HEADER_LENGTH) {
        const length = this.checkHeader(chunk, at);
        const end = at + RECORD_HEADER_LENGTH + length;
        if (end <= chunk.length) {
          this.accept(chunk[at]!, chunk.subarray(at + RECORD_HEADER_LENGTH, end), out);
          at = end;
          continue;
        }
        this.type = chunk[at]!;
        this.headerLen = RECORD_HEADER_LENGTH;
        this.body = new Uint8Array(length);
        this.bodyLen = 0;
        at += RECORD_HEADER_LENGTH;
        continue;
      }
      if (this.headerLen < RECORD_HEADER_LENGTH) {
        at = this.gatherHeader(chunk, at);
        if (this.headerLen < RECORD_HEADER_LENGTH) break;
        this.body = new Uint8Array(this.checkHeader(this.header!, 0));
        this.bodyLen = 0;
      }
      at = this.fillBody(chunk, at, out);
    }
    return out;
  }

  /**
   * Like push(), but hands out application-data payload as it arrives: a record split across chunks comes
   * back in pieces, each a view into its chunk, so nothing is copied and nothing waits for a record's last
   * segment. For a stream cipher (the obfuscated2 layer inside) pieces are as good as whole records. A record
   * that push() had started holding is completed the copying way first. Once called, call only this.
   */
  pushPartial(chunk: Uint8Array): Uint8Array[] {
    if (this.failed) throw this.failed;
    const out: Uint8Array[] = [];
    let at = 0;
    while (at < chunk.length) {
      if (this.body !== undefined) {
        at = this.fillBody(chunk, at, out);
        continue;
      }
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, chunk.length - at);
        out.push(chunk.subarray(at, at + n));
        this.remaining -= n;
        at += n;
        if (this.remaining === 0) this.headerLen = 0;
        continue;
      }
      let length: number;
      if (this.headerLen === 0 && chunk.length - at >= RECORD_HEADER_LENGTH) {
        length = this.checkHeader(chunk, at);
        this.type = chunk[at]!;
        at += RECORD_HEADER_LENGTH;
      } else {
        at = this.gatherHeader(chunk, at);
        if (this.headerLen < RECORD_HEADER_LENGTH) break;
        length = this.checkHeader(this.header!, 0);
      }
      this.headerLen = RECORD_HEADER_LENGTH;
      if (this.type === TYPE_CHANGE_CIPHER_SPEC) {
        this.body = new Uint8Array(length); // one byte, checked whole by accept()
        this.bodyLen = 0;
        continue;
      }
      this.cssAllowed = false;
      this.remaining = length;
      if (length === 0) this.headerLen = 0;
    }
    return out;
  }

  /** Copies into the held record body; accepts it once complete. Returns the new position in `chunk`. */
  private fillBody(chunk: Uint8Array, at: number, out: Uint8Array[]): number {
    const body = this.body!;
    const n = Math.min(body.length - this.bodyLen, chunk.length - at);
    body.set(chunk.subarray(at, at + n), this.bodyLen);
    this.bodyLen += n;
    if (this.bodyLen === body.length) {
      this.accept(this.type, body, out);
      this.headerLen = 0;
      this.bodyLen = 0;
      this.body = undefined;
    }
    return at + n;
  }

  /**
   * Adds a split header's next bytes from chunk[at..] to `header`; returns the new position in `chunk`. Once the
   * header is whole (headerLen reaches RECORD_HEADER_LENGTH) its type is in `type`.
   */
  private gatherHeader(chunk: Uint8Array, at: number): number {
    const header = (this.header ??= new Uint8Array(RECORD_HEADER_LENGTH));
    const n = Math.min(RECORD_HEADER_LENGTH - this.headerLen, chunk.length - at);
    header.set(chunk.subarray(at, at + n), this.headerLen);
    this.headerLen += n;
    if (this.headerLen === RECORD_HEADER_LENGTH) this.type = header[0]!;
    return at + n;
  }

  /** Validates a record header at b[at..at+5]; returns its payload length. */
  private checkHeader(b: Uint8Array, at: number): number {
    const type = b[at]!;
    const length = (b[at + 3]! << 8) | b[at + 4]!;
    if (b[at + 1] !== 0x03 || b[at + 2] !== 0x03) this.fail('ERR_PROTOCOL_TLS_RECORD', 'record version is not 03 03');
    if (type === TYPE_CHANGE_CIPHER_SPEC && this.cssAllowed) {
      if (length !== 1) this.fail('ERR_PROTOCOL_TLS_RECORD', 'change cipher spec record must carry one byte');
      return length;
    }
    if (type !== TYPE_APPLICATION_DATA) {
      this.fail('ERR_PROTOCOL_TLS_RECORD_TYPE', `record type 0x${type.toString(16)} where application data was expected`);
    }
    if (length > this.maxRecord) this.fail('ERR_PROTOCOL_TLS_RECORD_TOO_LARGE', `record of ${length} bytes exceeds ${this.maxRecord}`);
    return length;
  }

  private accept(type: number, payload: Uint8Array, out: Uint8Array[]): void {
    if (type === TYPE_CHANGE_CIPHER_SPEC) {
      if (payload[0] !== 1) this.fail('ERR_PROTOCOL_TLS_RECORD', 'change cipher spec byte must be 01');
      this.cssAllowed = false;
      return;
    }
    this.cssAllowed = false;
    if (payload.length > 0) out.push(payload);
  }

  private fail(code: TlsError['code'], message: string): never {
    this.failed = new TlsError(code, message);
    throw this.failed;
  }
}
