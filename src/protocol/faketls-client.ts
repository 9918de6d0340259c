/**
 * Fake TLS, client side: a ClientHello shaped like a current browser's, authenticated with the secret.
 * For tests, the fake client and the load generator.
 * [docs/protocol.md "Fake TLS"; tdlib TlsInit; RFC 8446 §4.1.2;
 * RFC 8701 GREASE; draft-ietf-tls-esni (ECH GREASE); X25519MLKEM768 key share]
 *
 *   0   16 03 01 LL LL | 01 LL LL LL | 03 03 | random (32) | 20 sid (32)
 *   76  suites: GREASE, 13 01, 13 02, 13 03, ECDHE suites…  | 01 00 (compression)
 *   …   extensions, shuffled between a leading and a trailing GREASE extension: server_name (the secret's
 *       domain), key_share (GREASE, X25519MLKEM768 1216 bytes, x25519 32 bytes), supported_versions,
 *       ECH GREASE, ALPN, signature_algorithms, …, padding up to a size in 1750..1900 bytes
 *   random = HMAC-SHA256(S, record with random zeroed); random[28..32] ^= u32 LE unix seconds
 */
import { createHmac, randomBytes, randomInt } from 'node:crypto';
import { TlsError } from './errors.js';
import { RANDOM_LENGTH, RANDOM_OFFSET } from './faketls-verify.js';

export interface ClientHelloOptions {
  /** 32 bytes by default (random). */
  readonly sessionId?: Uint8Array;
  /** Shuffle the middle extensions like Chrome does; default true. */
  readonly shuffle?: boolean;
  /** Target record size for the padding extension; default random in 1750..1900; 0 disables padding. */
  readonly padTo?: number;
}

export interface BuiltClientHello {
  readonly record: Uint8Array;
  readonly random: Uint8Array;
  readonly sessionId: Uint8Array;
}

const enc = new TextEncoder();

function u16(v: number): number[] {
  return [(v >>> 8) & 0xff, v & 0xff];
}

function grease(): number {
  const n = randomInt(16);
  return (n << 12) | 0x0a00 | (n << 4) | 0x0a;
}

function ext(type: number, data: Uint8Array | number[]): Uint8Array {
  const body = data instanceof Uint8Array ? data : Uint8Array.from(data);
  const out = new Uint8Array(4 + body.length);
  out.set([...u16(type), ...u16(body.length)]);
  out.set(body, 4);
  return out;
}

function vec16(parts: (Uint8Array | number[])[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(2 + total);
  out.set(u16(total));
  let at = 2;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  return vec16(parts).subarray(2);
}

function shuffled<T>(items: T[]): T[] {
  const a = items.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

const SUITES = [0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035];
const SIG_ALGS = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601];

function middleExtensions(domain: Uint8Array, groupGrease: number, versionGrease: number): Uint8Array[] {
  const name = vec16([[0x00, ...u16(domain.length)], domain]);
  const alpn = vec16([[2, ...enc.encode('h2')], [8, ...enc.encode('http/1.1')]]);
  const keyShare = vec16([
    [...u16(groupGrease), 0x00, 0x01, 0x00],
    [...u16(0x11ec), ...u16(1216)],
    randomBytes(1216),
    [...u16(0x001d), ...u16(32)],
    randomBytes(32),
  ]);
  const echPayload = randomBytes([144, 176, 208, 240][randomInt(4)]!);
  const ech = concat([
    Uint8Array.of(0x00, 0x00, 0x01, 0x00, 0x01, randomInt(256), 0x00, 0x20),
    randomBytes(32),
    Uint8Array.from(u16(echPayload.length)),
    echPayload,
  ]);
  return [
    ext(0x0000, name),
    ext(0x0017, []),
    ext(0xff01, [0x00]),
    ext(0x000a, vec16([[...u16(groupGrease), ...u16(0x11ec), ...u16(0x001d), ...u16(0x0017), ...u16(0x0018)]])),
    ext(0x000b, [0x01, 0x00]),
    ext(0x0023, []),
    ext(0x0010, alpn),
    ext(0x0005, [0x01, 0x00, 0x00, 0x00, 0x00]),
    ext(0x000d, vec16([SIG_ALGS.flatMap(u16)])),
    ext(0x0012, []),
    ext(0x0033, keyShare),
    ext(0x002d, [0x01, 0x01]),
    ext(0x002b, [0x06, ...u16(versionGrease), 0x03, 0x04, 0x03, 0x03]),
    ext(0x001b, [0x02, 0x00, 0x02]),
    ext(0x44cd, vec16([[0x02, ...enc.encode('h2')]])),
    ext(0xfe0d, ech),
  ];
}

export function buildClientHello(key: Uint8Array, domain: string, nowMs: number, options: ClientHelloOptions = {}): BuiltClientHello {
  const sessionId = options.sessionId ?? new Uint8Array(randomBytes(32));
  const host = enc.encode(domain);
  if (key.length !== 16 || sessionId.length > 32 || host.length === 0 || host.length > 255) {
    throw new TlsError('ERR_PROTOCOL_TLS_HELLO', 'client hello needs a 16-byte key, a session id ≤ 32 bytes and a domain');
  }
  let middle = middleExtensions(host, grease(), grease());
  if (options.shuffle ?? true) middle = shuffled(middle);
  const head = concat([
    Uint8Array.of(0x03, 0x03),
    new Uint8Array(RANDOM_LENGTH),
    Uint8Array.of(sessionId.length),
    sessionId,
    vec16([[...u16(grease()), ...SUITES.flatMap(u16)]]),
    Uint8Array.of(0x01, 0x00),
  ]);
  const extensions = [ext(grease(), []), ...middle, ext(grease(), [0x00])];
  const unpadded = 9 + head.length + 2 + extensions.reduce((n, e) => n + e.length, 0);
  const target = options.padTo ?? randomInt(1750, 1901);
  if (target - unpadded >= 4) extensions.push(ext(0x0015, new Uint8Array(target - unpadded - 4)));
  const body = concat([head, vec16(extensions)]);
  const record = new Uint8Array(9 + body.length);
  record.set([0x16, 0x03, 0x01, ...u16(4 + body.length), 0x01, 0x00, ...u16(body.length)]);
  record.set(body, 9);
  if (record.length - 5 > 0xffff) throw new TlsError('ERR_PROTOCOL_TLS_HELLO_TOO_LARGE', 'client hello too large');
  const random = new Uint8Array(createHmac('sha256', key).update(record).digest());
  const seconds = Math.floor(nowMs / 1000) >>> 0;
  for (let i = 0; i < 4; i++) random[28 + i]! ^= (seconds >>> (8 * i)) & 0xff;
  record.set(random, RANDOM_OFFSET);
  return { record, random, sessionId };
}
