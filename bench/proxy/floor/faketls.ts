/**
 * The floor subjects' fake TLS (docs/protocol.md "Fake TLS"; RFC 8446 §4.1.2, §4.1.3, §5.1), written plainly on
 * node:crypto alone: the HMAC-SHA256 check of a ClientHello, an HMAC'd three-record answer, and the record
 * layer's header strip and add. Deliberately minimal next to src/protocol/faketls*.ts: the hello must come in
 * one record (the load generator sends it so), the SNI is not checked, no fronting profile, no replay cache.
 */
import { createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { Socket } from 'node:net';

export const RECORD_HEADER = 5;
const RANDOM_AT = 11;
const MAX_PAYLOAD = 16_384;
const MAX_SKEW_SECONDS = 120;
const P25519 = 2n ** 255n - 19n;

/** The size of the record `buf` starts with, header included, or 0 while its header is incomplete. */
export function recordSize(buf: Buffer): number {
  return buf.length < RECORD_HEADER ? 0 : RECORD_HEADER + buf.readUInt16BE(3);
}

export interface HelloMatch {
  secret: Buffer;
  random: Buffer;
  sessionId: Buffer;
}

/** The secret whose HMAC signs this ClientHello record within the time window, or undefined. */
export function checkClientHello(record: Buffer, secrets: readonly Buffer[], nowSeconds: number): HelloMatch | undefined {
  if (record.length < 44 || record[0] !== 0x16 || record[5] !== 0x01) return undefined;
  const random = Buffer.from(record.subarray(RANDOM_AT, RANDOM_AT + 32));
  const zeroed = Buffer.from(record).fill(0, RANDOM_AT, RANDOM_AT + 32);
  for (const secret of secrets) {
    const mac = createHmac('sha256', secret).update(zeroed).digest();
    if (!timingSafeEqual(mac.subarray(0, 28), random.subarray(0, 28))) continue;
    const timestamp = (mac.readUInt32LE(28) ^ random.readUInt32LE(28)) >>> 0;
    if (Math.abs(timestamp - nowSeconds) > MAX_SKEW_SECONDS) return undefined;
    const sidLength = record[43]!;
    if (sidLength > 32 || 44 + sidLength > record.length) return undefined;
    return { secret, random, sessionId: Buffer.from(record.subarray(44, 44 + sidLength)) };
  }
  return undefined;
}

/**
 * An x25519 public key as the peer draws it (a square modulo 2^255 − 19, so always a curve point's u), without
 * a key pair: the cheapest answer a prober cannot tell from a real one.
 */
function publicKey(): Buffer {
  const n = BigInt('0x' + randomBytes(32).toString('hex')) % P25519;
  const hex = ((n * n) % P25519).toString(16).padStart(64, '0');
  return Buffer.from(hex, 'hex').reverse();
}

/** ServerHello, change cipher spec, one application-data record; the server random HMAC'd over all three. */
export function serverAnswer(hello: HelloMatch): Buffer {
  const sid = hello.sessionId.length;
  const body = 2 + 32 + 1 + sid + 2 + 1 + 2 + 46;
  const appData = 1024 + randomInt(3072);
  const out = Buffer.alloc(RECORD_HEADER + 4 + body + 6 + RECORD_HEADER + appData);
  let at = out.writeUInt8(0x16, 0);
  at = out.writeUInt16BE(0x0303, at);
  at = out.writeUInt16BE(4 + body, at);
  at = out.writeUInt32BE((0x02 << 24) | body, at);
  at = out.writeUInt16BE(0x0303, at);
  at += 32; // the random, filled last
  at = out.writeUInt8(sid, at);
  at += hello.sessionId.copy(out, at);
  at = out.writeUInt16BE(0x1301, at);
  at = out.writeUInt8(0, at);
  at = out.writeUInt16BE(46, at);
  at += Buffer.of(0x00, 0x2b, 0x00, 0x02, 0x03, 0x04, 0x00, 0x33, 0x00, 0x24, 0x00, 0x1d, 0x00, 0x20).copy(out, at);
  at += publicKey().copy(out, at);
  at += Buffer.of(0x14, 0x03, 0x03, 0x00, 0x01, 0x01).copy(out, at);
  at = out.writeUInt8(0x17, at);
  at = out.writeUInt16BE(0x0303, at);
  at = out.writeUInt16BE(appData, at);
  randomBytes(appData).copy(out, at);
  createHmac('sha256', hello.secret).update(hello.random).update(out).digest().copy(out, RANDOM_AT);
  return out;
}

/**
 * The client's records, stripped: each call hands out the payload bytes of a chunk as views, skipping the
 * change-cipher-spec record; false on a record that is neither (then the connection is closed).
 */
export class RecordReader {
  private readonly header = Buffer.alloc(RECORD_HEADER);
  private have = 0;
  private left = 0;
  private skip = false;

  push(chunk: Buffer, out: (payload: Buffer) => void): boolean {
    let at = 0;
    while (at < chunk.length) {
      if (this.left === 0) {
        const n = Math.min(RECORD_HEADER - this.have, chunk.length - at);
        chunk.copy(this.header, this.have, at, at + n);
        this.have += n;
        at += n;
        if (this.have < RECORD_HEADER) return true;
        this.have = 0;
        const type = this.header[0];
        if ((type !== 0x17 && type !== 0x14) || this.header[1] !== 0x03) return false;
        this.skip = type === 0x14;
        this.left = this.header.readUInt16BE(3);
        continue;
      }
      const n = Math.min(this.left, chunk.length - at);
      if (!this.skip) out(chunk.subarray(at, at + n));
      this.left -= n;
      at += n;
    }
    return true;
  }
}

/** Writes `data` as application-data records of at most 16 KiB: header and payload views, corked. */
export function writeRecords(socket: Socket, data: Buffer): boolean {
  socket.cork();
  let ok = true;
  for (let at = 0; at < data.length; at += MAX_PAYLOAD) {
    const n = Math.min(MAX_PAYLOAD, data.length - at);
    const header = Buffer.allocUnsafe(RECORD_HEADER);
    header[0] = 0x17;
    header.writeUInt16BE(0x0303, 1);
    header.writeUInt16BE(n, 3);
    ok = socket.write(header) && ok;
    ok = socket.write(data.subarray(at, at + n)) && ok;
  }
  socket.uncork();
  return ok;
}
