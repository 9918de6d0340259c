import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError, TlsError } from '../../src/protocol/errors.js';
import {
  buildClientHello,
  ClientHelloReader,
  parseClientHelloFields,
  verifyClientHello,
  type HelloReadResult,
} from '../../src/protocol/faketls.js';
import { b64, helloVectors } from './vectors.js';

const MTG_KEY = Buffer.from('367a189aee18fa31c190054efd4a8e95', 'hex');
const DOMAIN = 'storage.googleapis.com';
const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);
const rnd = (n: number) => new Uint8Array(randomBytes(n));

function readAll(chunks: Uint8Array[]): HelloReadResult {
  const reader = new ClientHelloReader();
  let last: HelloReadResult = { status: 'need-more' };
  for (const c of chunks) last = reader.feed(c);
  return last;
}

/** Re-frames a single-record hello as several handshake records cut at the given handshake offsets. */
function fragment(record: Uint8Array, cuts: number[]): Uint8Array {
  const hs = record.subarray(5);
  const points = [0, ...cuts.filter((c) => c > 0 && c < hs.length).sort((a, b) => a - b), hs.length];
  const parts: Uint8Array[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const piece = hs.subarray(points[i]!, points[i + 1]!);
    if (piece.length === 0) continue;
    parts.push(Uint8Array.of(0x16, 0x03, 0x01, piece.length >> 8, piece.length & 0xff), piece);
  }
  return Buffer.concat(parts);
}

describe('fake TLS: mtg ClientHello vectors', () => {
  for (const v of helloVectors()) {
    const good = !v.name.includes('bad');
    it(`${good ? 'accepts' : 'rejects'} ${v.name}`, () => {
      const res = readAll([b64(v.full)]);
      expect(res.status).toBe('done');
      if (res.status !== 'done') return;
      expect(res.record).toEqual(b64(v.full));
      const fields = parseClientHelloFields(res.record);
      expect(fields.serverName).toBe(v.host);
      if (good) expect(fields.sessionId).toEqual(b64(v.sessionId));
      expect(fields.random).toEqual(b64(v.random));
      const verdict = verifyClientHello(res.record, [{ user: 'x', key: rnd(16), domain: DOMAIN }, { user: 'mtg', key: MTG_KEY, domain: DOMAIN }], v.time * 1000);
      if (!good) {
        expect(verdict).toEqual({ ok: false, reason: 'bad_hmac' });
        return;
      }
      expect(verdict).toMatchObject({ ok: true, user: 'mtg', index: 1, timestamp: v.time, skewMs: 0, cipherSuite: v.cipherSuite });
      // legacy 2021 timestamps: stale against today's clock
      expect(verifyClientHello(res.record, [{ user: 'mtg', key: MTG_KEY, domain: DOMAIN }], NOW)).toMatchObject({ ok: false, reason: 'stale_time', timestamp: v.time });
    });
  }
});

describe('fake TLS: reading a hello split across segments and fragments', () => {
  const key = rnd(16);
  const hello = buildClientHello(key, 'example.com', NOW);

  it('builds a modern-sized hello that verifies', () => {
    expect(hello.record.length).toBeGreaterThanOrEqual(1700);
    expect(hello.record.length).toBeLessThanOrEqual(1950);
    const verdict = verifyClientHello(hello.record, [{ user: 'u', key, domain: 'example.com' }], NOW + 5000);
    expect(verdict).toMatchObject({ ok: true, user: 'u', skewMs: -5000 });
    if (verdict.ok) expect(verdict.replayKey).toEqual(hello.random);
  });

  it('completes at every TCP split point, and not before the last byte', () => {
    const rec = hello.record;
    for (let cut = 1; cut < rec.length; cut++) {
      const reader = new ClientHelloReader();
      expect(reader.feed(rec.subarray(0, cut)).status).toBe('need-more');
      const res = reader.feed(rec.subarray(cut));
      expect(res.status).toBe('done');
      if (res.status === 'done') expect(res.record.length).toBe(rec.length);
    }
  });

  it('completes when fed one byte at a time and keeps trailing bytes', () => {
    const reader = new ClientHelloReader();
    const stream = Buffer.concat([hello.record, Buffer.from([0x14, 0x03])]);
    let res: HelloReadResult = { status: 'need-more' };
    const last = hello.record.length - 1;
    for (let i = 0; i < last; i++) expect(reader.feed(stream.subarray(i, i + 1)).status).toBe('need-more');
    res = reader.feed(stream.subarray(last));
    expect(res.status).toBe('done');
    if (res.status === 'done') expect([...res.rest]).toEqual([0x14, 0x03]);
    expect(reader.received()).toEqual(new Uint8Array(stream));
  });

  it('reassembles handshake fragments at every split offset, and HMAC still verifies', () => {
    const hsLen = hello.record.length - 5;
    for (let cut = 1; cut < hsLen; cut += 1) {
      const wire = fragment(hello.record, [cut]);
      const res = readAll([wire.subarray(0, 7), wire.subarray(7)]);
      expect(res.status).toBe('done');
      if (res.status !== 'done') continue;
      expect(Buffer.from(res.record).equals(hello.record)).toBe(true);
    }
    const many = fragment(hello.record, [3, 4, 50, 51, 600, 1200, 1201]);
    const res = readAll([many]);
    expect(res.status === 'done' && verifyClientHello(res.record, [{ user: 1, key, domain: 'example.com' }], NOW).ok).toBe(true);
  });

  it('reads hellos up to 16 KiB across records and refuses larger ones', () => {
    const big = buildClientHello(key, 'example.com', NOW, { padTo: 16384 });
    expect(big.record.length).toBe(16384);
    const wire = fragment(big.record, [8000]);
    const res = readAll([wire]);
    expect(res.status).toBe('done');
    if (res.status === 'done') expect(verifyClientHello(res.record, [{ user: 1, key, domain: 'example.com' }], NOW).ok).toBe(true);
    const huge = Uint8Array.of(0x16, 0x03, 0x01, 0x00, 0x04, 0x01, 0x00, 0x40, 0x01);
    const out = readAll([huge]);
    expect(out.status === 'error' && out.error.code).toBe('ERR_PROTOCOL_TLS_HELLO_TOO_LARGE');
  });
});

describe('fake TLS: failures', () => {
  const key = rnd(16);
  const users = [{ user: 'alice', key, domain: 'example.com' }];

  it('reports non-TLS first bytes at once', () => {
    for (const first of ['GET / HTTP/1.1\r\n', '\xef', '\x16\x02', '\x16\x03\x09']) {
      const reader = new ClientHelloReader();
      const res = reader.feed(Buffer.from(first, 'latin1'));
      expect(res.status).toBe('not-tls');
    }
    expect(readAll([Uint8Array.of(0x16)]).status).toBe('need-more');
    expect(readAll([Uint8Array.of(0x16, 0x03, 0x01, 0, 0)]).status).toBe('error');
    expect(readAll([Uint8Array.of(0x16, 0x03, 0x01, 0, 4, 2, 0, 0, 0)]).status).toBe('error');
  });

  it('wrong secret → bad_hmac; tampered byte → bad_hmac', () => {
    const hello = buildClientHello(rnd(16), 'example.com', NOW);
    expect(verifyClientHello(hello.record, users, NOW)).toEqual({ ok: false, reason: 'bad_hmac' });
    const good = buildClientHello(key, 'example.com', NOW);
    // a byte of the session id (record 5 + handshake 4 + version 2 + random 32 + length 1 = offset 44, 32 bytes):
    // covered by the HMAC, never a length (byte 200 sometimes hit the SNI length of the randomised layout)
    const tampered = good.record.slice();
    tampered[60]! ^= 1;
    expect(verifyClientHello(tampered, users, NOW)).toEqual({ ok: false, reason: 'bad_hmac' });
    const badRandom = good.record.slice();
    badRandom[11]! ^= 1;
    expect(verifyClientHello(badRandom, users, NOW)).toEqual({ ok: false, reason: 'bad_hmac' });
  });

  it('stale time outside the window, accepted inside it; the window is configurable', () => {
    const hello = buildClientHello(key, 'example.com', NOW - 121_000);
    expect(verifyClientHello(hello.record, users, NOW)).toMatchObject({ ok: false, reason: 'stale_time', user: 'alice' });
    expect(verifyClientHello(hello.record, users, NOW, { maxSkewMs: 300_000 }).ok).toBe(true);
    const future = buildClientHello(key, 'example.com', NOW + 119_000);
    expect(verifyClientHello(future.record, users, NOW).ok).toBe(true);
  });

  it('wrong SNI → bad_sni (case-insensitive match accepted)', () => {
    const hello = buildClientHello(key, 'evil.example.org', NOW);
    // No key is tried for a name no user has, so no user is named.
    expect(verifyClientHello(hello.record, users, NOW)).toEqual({ ok: false, reason: 'bad_sni' });
    const upper = buildClientHello(key, 'EXAMPLE.com', NOW);
    expect(verifyClientHello(upper.record, users, NOW).ok).toBe(true);
  });

  it('never throws an untyped error on random or mutated input', () => {
    const base = buildClientHello(key, 'example.com', NOW).record;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 600 }),
          fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 }), fc.nat(base.length)).map(([at, v, cut]) => {
            const m = base.slice(0, Math.max(cut, 10));
            m[at % m.length] = v;
            return m;
          }),
          fc.uint8Array({ minLength: 40, maxLength: 300 }).map((tail) => Buffer.concat([Uint8Array.of(0x16, 0x03, 0x01, tail.length >> 8, tail.length & 0xff, 0x01, 0, (tail.length - 4) >> 8, (tail.length - 4) & 0xff), tail.subarray(4)])),
        ),
        fc.integer({ min: 1, max: 64 }),
        (bytes, step) => {
          try {
            const reader = new ClientHelloReader();
            let res: HelloReadResult = { status: 'need-more' };
            for (let i = 0; i < bytes.length; i += step) res = reader.feed(bytes.subarray(i, i + step));
            if (res.status === 'error') expect(res.error).toBeInstanceOf(TlsError);
            if (res.status === 'done') verifyClientHello(res.record, users, NOW);
            verifyClientHello(new Uint8Array(bytes), users, NOW);
          } catch (err) {
            expect(err).toBeInstanceOf(ProtocolError);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
