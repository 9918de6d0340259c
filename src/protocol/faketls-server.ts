/**
 * Fake TLS, server side, step 3: the answer, exactly three records. [docs/protocol.md "Fake TLS", "Server
 * answer"; RFC 8446 §4.1.3]
 *
 *   0    16 03 03 LL LL                                   ServerHello record
 *   5    02 LL LL LL  03 03                               handshake header, legacy version
 *   11   server random (32)                               = HMAC-SHA256(S, client random ‖ answer with this zeroed)
 *   43   sid len | sid (echo)  | suite (2) | 00 (no compression)
 *        00 2e | 00 2b 00 02 03 04 (supported_versions: TLS 1.3) | 00 33 00 24 00 1d 00 20 x25519 key (32)
 *        (the two extensions in the fronting site's order; with X25519MLKEM768, 04 8a | 00 33 04 64 11 ec
 *        04 60 | ciphertext (1088) ‖ x25519 key (32))
 *   …    14 03 03 00 01 01                                change cipher spec
 *   …    17 03 03 LL LL  random bytes                     stands in for the encrypted certificate flight
 *
 * Telegram apps authenticate exactly these three records and read every later record as data, so the
 * certificate flight is always one record. Its size, the suite, the extension order and the key-share group come from the
 * fronting site's profile (src/fronting/answer.ts: planAnswer); without one, 1024..4095 bytes at random.
 * The client side (tests, load generator) checks the same HMAC with verifyServerAnswer.
 */
import { createHmac, generateKeyPairSync, randomInt, type JsonWebKey } from 'node:crypto';
import { fillRandom } from './random-pool.js';
import { copyBytes, ctEqualBytes } from './bytes.js';
import { TlsError } from './errors.js';
import {
  CHANGE_CIPHER_SPEC,
  RECORD_HEADER_LENGTH,
  TYPE_APPLICATION_DATA,
  TYPE_CHANGE_CIPHER_SPEC,
  TYPE_HANDSHAKE,
  writeRecordHeader,
} from './tls-records.js';
import { RANDOM_LENGTH, RANDOM_OFFSET } from './faketls-verify.js';

export interface ServerHelloOptions {
  /** Suite to answer with; default 13 01 (verifyClientHello's `cipherSuite` is the usual choice). */
  readonly cipherSuite?: number;
  /** Size of the application-data record; default random in 1024..4095. */
  readonly appDataLength?: number;
  /** The x25519 public key to announce; default a fresh key pair's public half. */
  readonly keyShare?: Uint8Array;
  /**
   * Order of the two ServerHello extensions, as the fronting site sends them: supported_versions (0x002b)
   * and key_share (0x0033); default [0x002b, 0x0033]. Other types are ignored.
   */
  readonly extensionOrder?: readonly number[];
  /**
   * Key-share group: 0x001d x25519 (default), or 0x11ec X25519MLKEM768 when the fronting site picks it and
   * the client offered it: an ML-KEM-768 ciphertext (1088 bytes, random here: the app never decapsulates)
   * followed by the x25519 key, as draft-ietf-tls-ecdhe-mlkem orders them.
   */
  readonly keyShareGroup?: number;
}

/**
 * A real x25519 public key (a random string would not always be a curve point, which a prober can test).
 *
 * The key is encoded by the generating job itself. Exporting it afterwards (`publicKey.export({ format:
 * 'jwk' })`) deadlocked Node 20 for good: the export holds the key's mutex while it allocates, a GC in that
 * allocation destroys the finished key-generation job, and the job's destructor takes the same mutex (seen
 * in a proxy benchmark after about 10^4 handshakes; test/protocol/x25519-deadlock.test.ts). DER export avoids
 * that too but costs 70 µs more per key.
 */
export function x25519PublicKey(): Uint8Array {
  // @types/node has no overload for a JWK-encoded x25519 pair; Node 20 returns the public half as a JWK object.
  const generate = generateKeyPairSync as unknown as (type: 'x25519', options: object) => { publicKey: JsonWebKey };
  const { publicKey } = generate('x25519', { publicKeyEncoding: { format: 'jwk' } });
  return new Uint8Array(Buffer.from(publicKey.x!, 'base64url'));
}

const SUPPORTED_VERSIONS = Uint8Array.of(0x00, 0x2b, 0x00, 0x02, 0x03, 0x04); // TLS 1.3
export const GROUP_X25519 = 0x001d;
export const GROUP_X25519_MLKEM768 = 0x11ec;
const MLKEM768_CIPHERTEXT = 1088;

/** key_share extension header: type, length, group, key length (the key bytes follow). */
function keyShareHead(group: number): Uint8Array {
  const keyLength = group === GROUP_X25519_MLKEM768 ? MLKEM768_CIPHERTEXT + 32 : 32;
  const h = new Uint8Array(8);
  h.set([0x00, 0x33, (keyLength + 4) >>> 8, (keyLength + 4) & 0xff, group >>> 8, group & 0xff, keyLength >>> 8, keyLength & 0xff]);
  return h;
}

/** True when the site puts key_share before supported_versions. */
function keyShareFirst(order: readonly number[] | undefined): boolean {
  if (!order) return false;
  const ks = order.indexOf(0x0033);
  const sv = order.indexOf(0x002b);
  return ks >= 0 && (sv < 0 || ks < sv);
}

export function buildServerHello(
  key: Uint8Array,
  clientRandom: Uint8Array,
  sessionId: Uint8Array,
  options: ServerHelloOptions = {},
): Uint8Array {
  if (key.length !== 16 || clientRandom.length !== RANDOM_LENGTH || sessionId.length > 32) {
    throw new TlsError('ERR_PROTOCOL_TLS_SERVER_HELLO', 'server hello needs a 16-byte key, a 32-byte random and a session id ≤ 32 bytes');
  }
  const keyShare = options.keyShare ?? x25519PublicKey();
  const suite = options.cipherSuite ?? 0x1301;
  const appLen = options.appDataLength ?? randomInt(1024, 4096);
  if (keyShare.length !== 32 || appLen < 1 || appLen > 16384) {
    throw new TlsError('ERR_PROTOCOL_TLS_SERVER_HELLO', 'key share must be 32 bytes and the data record 1..16384');
  }
  const group = options.keyShareGroup === GROUP_X25519_MLKEM768 ? GROUP_X25519_MLKEM768 : GROUP_X25519;
  const head = keyShareHead(group);
  const pqLength = group === GROUP_X25519_MLKEM768 ? MLKEM768_CIPHERTEXT : 0;
  const extensionsLength = SUPPORTED_VERSIONS.length + head.length + pqLength + 32;
  const body = 2 + RANDOM_LENGTH + 1 + sessionId.length + 2 + 1 + 2 + extensionsLength;
  const helloRecord = RECORD_HEADER_LENGTH + 4 + body;
  const total = helloRecord + CHANGE_CIPHER_SPEC.length + RECORD_HEADER_LENGTH + appLen;
  const out = new Uint8Array(total);
  writeRecordHeader(out, 0, TYPE_HANDSHAKE, 4 + body);
  let at = RECORD_HEADER_LENGTH;
  out.set([0x02, body >>> 16, (body >>> 8) & 0xff, body & 0xff, 0x03, 0x03], at);
  at += 6 + RANDOM_LENGTH; // random stays zero until the HMAC is known
  out[at++] = sessionId.length;
  out.set(sessionId, at);
  at += sessionId.length;
  out[at++] = suite >>> 8;
  out[at++] = suite & 0xff;
  out[at++] = 0x00;
  out[at++] = extensionsLength >>> 8;
  out[at++] = extensionsLength & 0xff;
  if (!keyShareFirst(options.extensionOrder)) {
    out.set(SUPPORTED_VERSIONS, at);
    at += SUPPORTED_VERSIONS.length;
  }
  out.set(head, at);
  at += head.length;
  if (pqLength > 0) fillRandom(out, at, pqLength);
  at += pqLength;
  out.set(keyShare, at);
  at += 32;
  if (keyShareFirst(options.extensionOrder)) {
    out.set(SUPPORTED_VERSIONS, at);
    at += SUPPORTED_VERSIONS.length;
  }
  out.set(CHANGE_CIPHER_SPEC, at);
  at += CHANGE_CIPHER_SPEC.length;
  writeRecordHeader(out, at, TYPE_APPLICATION_DATA, appLen);
  fillRandom(out, at + RECORD_HEADER_LENGTH, appLen);
  out.set(createHmac('sha256', key).update(clientRandom).update(out).digest(), RANDOM_OFFSET);
  return out;
}

export type ServerAnswerResult =
  | { readonly status: 'need-more' }
  | { readonly status: 'error'; readonly error: TlsError }
  | { readonly status: 'ok'; readonly length: number; readonly cipherSuite: number; readonly sessionId: Uint8Array };

/**
 * Client side: checks a server answer at the start of `data` (three records as above). Returns need-more
 * until all three are there; `length` is where the data phase begins.
 */
export function verifyServerAnswer(key: Uint8Array, clientRandom: Uint8Array, data: Uint8Array): ServerAnswerResult {
  const fail = (m: string): ServerAnswerResult => ({ status: 'error', error: new TlsError('ERR_PROTOCOL_TLS_SERVER_HELLO', m) });
  const types = [TYPE_HANDSHAKE, TYPE_CHANGE_CIPHER_SPEC, TYPE_APPLICATION_DATA];
  let at = 0;
  for (const type of types) {
    if (data.length - at < RECORD_HEADER_LENGTH) return { status: 'need-more' };
    if (data[at] !== type || data[at + 1] !== 0x03 || data[at + 2] !== 0x03) return fail('unexpected record in server answer');
    at += RECORD_HEADER_LENGTH + ((data[at + 3]! << 8) | data[at + 4]!);
    if (data.length < at) return { status: 'need-more' };
  }
  const helloEnd = RECORD_HEADER_LENGTH + ((data[3]! << 8) | data[4]!);
  if (helloEnd < RANDOM_OFFSET + RANDOM_LENGTH + 1 || data[5] !== 0x02) return fail('server answer does not start with a ServerHello');
  const sidLen = data[RANDOM_OFFSET + RANDOM_LENGTH]!;
  const suiteAt = RANDOM_OFFSET + RANDOM_LENGTH + 1 + sidLen;
  if (sidLen > 32 || suiteAt + 2 > helloEnd) return fail('ServerHello session id is malformed');
  const answer = copyBytes(data, 0, at);
  answer.fill(0, RANDOM_OFFSET, RANDOM_OFFSET + RANDOM_LENGTH);
  const mac = new Uint8Array(createHmac('sha256', key).update(clientRandom).update(answer).digest());
  if (ctEqualBytes(mac, 0, data, RANDOM_OFFSET, RANDOM_LENGTH) !== 1) return fail('server random does not match the secret');
  return {
    status: 'ok',
    length: at,
    cipherSuite: (data[suiteAt]! << 8) | data[suiteAt + 1]!,
    sessionId: copyBytes(data, RANDOM_OFFSET + RANDOM_LENGTH + 1, suiteAt),
  };
}
