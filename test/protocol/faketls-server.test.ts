import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TlsError } from '../../src/protocol/errors.js';
import {
  buildClientHello,
  buildServerHello,
  CHANGE_CIPHER_SPEC,
  ClientHelloReader,
  joinPayloads,
  recordParts,
  TlsRecordReader,
  verifyClientHello,
  verifyServerAnswer,
  wrapRecords,
} from '../../src/protocol/faketls.js';

const rnd = (n: number) => new Uint8Array(randomBytes(n));
const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);

describe('fake TLS: server answer', () => {
  const key = rnd(16);

  it('has the three records, echoes the session id and verifies on the client side', () => {
    const hello = buildClientHello(key, 'example.com', NOW);
    const verdict = verifyClientHello(hello.record, [{ user: 'u', key, domain: 'example.com' }], NOW);
    if (!verdict.ok) throw new Error(verdict.reason);
    const answer = buildServerHello(key, verdict.fields.random, verdict.fields.sessionId, { cipherSuite: verdict.cipherSuite });
    expect([...answer.subarray(0, 3)]).toEqual([0x16, 0x03, 0x03]);
    expect(answer[5]).toBe(0x02);
    const helloLen = 5 + ((answer[3]! << 8) | answer[4]!);
    expect([...answer.subarray(helloLen, helloLen + 6)]).toEqual([...CHANGE_CIPHER_SPEC]);
    const app = helloLen + 6;
    expect([...answer.subarray(app, app + 3)]).toEqual([0x17, 0x03, 0x03]);
    const appLen = (answer[app + 3]! << 8) | answer[app + 4]!;
    expect(appLen).toBeGreaterThanOrEqual(1024);
    expect(appLen).toBeLessThan(4096);
    expect(app + 5 + appLen).toBe(answer.length);
    // supported_versions 03 04 and an x25519 key share
    expect(Buffer.from(answer).includes(Buffer.from('002b00020304', 'hex'))).toBe(true);
    expect(Buffer.from(answer).includes(Buffer.from('00330024001d0020', 'hex'))).toBe(true);
    const check = verifyServerAnswer(key, hello.random, Buffer.concat([answer, Buffer.from('17030300', 'hex')]));
    expect(check).toMatchObject({ status: 'ok', length: answer.length, cipherSuite: 0x1301 });
    if (check.status === 'ok') expect(check.sessionId).toEqual(hello.sessionId);
    expect(verifyServerAnswer(key, hello.random, answer.subarray(0, answer.length - 1)).status).toBe('need-more');
    expect(verifyServerAnswer(rnd(16), hello.random, answer).status).toBe('error');
    expect(verifyServerAnswer(key, rnd(32), answer).status).toBe('error');
  });

  it('varies the size of the application-data record', () => {
    const sizes = new Set<number>();
    for (let i = 0; i < 20; i++) sizes.add(buildServerHello(key, rnd(32), rnd(32)).length);
    expect(sizes.size).toBeGreaterThan(10);
  });

  it('takes the first non-GREASE TLS 1.3 suite of the client', () => {
    const answer = buildServerHello(key, rnd(32), rnd(32), { cipherSuite: 0x1303, appDataLength: 1500 });
    const v = verifyServerAnswer(key, rnd(32), answer);
    expect(v.status).toBe('error');
    expect(answer.length).toBe(5 + 4 + 2 + 32 + 1 + 32 + 2 + 1 + 2 + 6 + 8 + 32 + 6 + 5 + 1500);
  });

  it('rejects bad inputs with typed errors', () => {
    expect(() => buildServerHello(rnd(15), rnd(32), rnd(32))).toThrow(TlsError);
    expect(() => buildServerHello(key, rnd(31), rnd(32))).toThrow(TlsError);
  });
});

describe('fake TLS: data-phase records', () => {
  it('wraps into records of at most 16 384 bytes and reads them back, across any split', () => {
    const payload = rnd(40_000);
    const wire = wrapRecords(payload);
    expect(wire.length).toBe(40_000 + 3 * 5);
    expect((wire[3]! << 8) | wire[4]!).toBe(16384);
    const small = wrapRecords(payload.subarray(0, 5000), 2878);
    expect(small.length).toBe(5000 + 2 * 5);
    for (const step of [1, 7, 5000, 70_000]) {
      const reader = new TlsRecordReader();
      const out: Buffer[] = [];
      const input = Buffer.concat([CHANGE_CIPHER_SPEC, wire]);
      for (let i = 0; i < input.length; i += step) for (const p of reader.push(input.subarray(i, i + step))) out.push(Buffer.from(p));
      expect(Buffer.concat(out).equals(payload)).toBe(true);
      expect(reader.pendingBytes).toBe(0);
    }
    expect(() => wrapRecords(payload, 16385)).toThrow(TlsError);
  });

  it('accepts the one CCS only before data, and only 0x17 records', () => {
    const data = wrapRecords(Uint8Array.of(1, 2, 3));
    const reader = new TlsRecordReader();
    reader.push(CHANGE_CIPHER_SPEC);
    expect(() => reader.push(CHANGE_CIPHER_SPEC)).toThrowError(expect.objectContaining({ code: 'ERR_PROTOCOL_TLS_RECORD_TYPE' }));
    expect(() => reader.push(data)).toThrow(TlsError); // stays failed
    const r2 = new TlsRecordReader();
    expect(() => r2.push(Uint8Array.of(0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28))).toThrowError(expect.objectContaining({ code: 'ERR_PROTOCOL_TLS_RECORD_TYPE' }));
    const r3 = new TlsRecordReader();
    expect(() => r3.push(Uint8Array.of(0x17, 0x03, 0x03, 0x41, 0x01))).toThrowError(expect.objectContaining({ code: 'ERR_PROTOCOL_TLS_RECORD_TOO_LARGE' }));
    const r4 = new TlsRecordReader();
    expect(() => r4.push(Uint8Array.of(0x17, 0x03, 0x01, 0x00, 0x01, 0x00))).toThrowError(expect.objectContaining({ code: 'ERR_PROTOCOL_TLS_RECORD' }));
  });

  it('never throws an untyped error on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.integer({ min: 1, max: 50 }), fc.boolean(), (bytes, step, partial) => {
        const reader = new TlsRecordReader();
        try {
          for (let i = 0; i < bytes.length; i += step) {
            const chunk = bytes.subarray(i, i + step);
            if (partial) reader.pushPartial(chunk);
            else reader.push(chunk);
          }
        } catch (err) {
          expect(err).toBeInstanceOf(TlsError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('pushPartial hands out the same bytes as push, as they arrive, for any chunking and handover', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 4000 }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 0, max: 20_000 }),
        (sizes, cuts, handover) => {
          const payloads = sizes.map((n) => rnd(n));
          const wire = Buffer.concat([CHANGE_CIPHER_SPEC, ...payloads.map((p) => wrapRecords(p, Math.max(1, Math.min(16384, p.length || 1))))]);
          const reader = new TlsRecordReader();
          const out: Buffer[] = [];
          let at = 0;
          let k = 0;
          while (at < wire.length) {
            const chunk = wire.subarray(at, at + cuts[k++ % cuts.length]!);
            // push() until `handover` bytes, then pushPartial(): what the codec does after the handshake
            const pieces = at < handover ? reader.push(chunk) : reader.pushPartial(chunk);
            for (const piece of pieces) {
              expect(piece.length).toBeGreaterThan(0);
              out.push(Buffer.from(piece));
            }
            at += chunk.length;
          }
          expect(Buffer.concat(out).equals(Buffer.concat(payloads))).toBe(true);
          expect(reader.pendingBytes).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('recordParts gives the bytes of wrapRecords as header/payload views, without copying the payload', () => {
    for (const [size, limit] of [[40_000, 16384], [16384, 16384], [5000, 2878], [1, 1]] as const) {
      const payload = rnd(size);
      const parts = recordParts(payload, limit);
      expect(parts).toHaveLength(2 * Math.ceil(size / limit));
      expect(Buffer.concat(parts).equals(Buffer.from(wrapRecords(payload, limit)))).toBe(true);
      for (let i = 1; i < parts.length; i += 2) expect(parts[i]!.buffer).toBe(payload.buffer);
    }
    expect(recordParts(new Uint8Array(0))).toEqual([]);
    expect(Array.from(wrapRecords(new Uint8Array(0)))).toEqual([0x17, 0x03, 0x03, 0x00, 0x00]); // still one record
    expect(() => recordParts(rnd(10), 0)).toThrow(TlsError);
  });

  it('joinPayloads joins what one push returned, in place over the record headers when it can', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 20_000 }), (sizes, cut) => {
        const payloads = sizes.map((n) => rnd(n));
        const wire = Buffer.concat(payloads.map((p) => wrapRecords(p)));
        const reader = new TlsRecordReader();
        const out: Buffer[] = [];
        for (let at = 0; at < wire.length; at += cut) {
          const pieces = reader.pushPartial(wire.subarray(at, at + cut));
          if (pieces.length === 0) continue;
          const expected = Buffer.concat(pieces.map((p) => Buffer.from(p)));
          const joined = joinPayloads(pieces);
          if (pieces.length > 1) expect(joined.buffer).toBe(wire.buffer); // moved down inside the chunk
          expect(Buffer.from(joined).equals(expected)).toBe(true);
          out.push(Buffer.from(joined));
        }
        expect(Buffer.concat(out).equals(Buffer.concat(payloads))).toBe(true);
      }),
      { numRuns: 200 },
    );
    const a = rnd(3);
    const b = rnd(4);
    expect(Buffer.from(joinPayloads([b, a])).equals(Buffer.concat([b, a]))).toBe(true); // not one chunk: copied
    expect(joinPayloads([])).toHaveLength(0);
  });

  it('pushPartial gives a split record in pieces that are views of the chunks, and checks every header', () => {
    const payload = rnd(1000);
    const wire = wrapRecords(payload);
    const reader = new TlsRecordReader();
    const first = reader.pushPartial(wire.subarray(0, 300));
    expect(first).toHaveLength(1);
    expect(first[0]!.buffer).toBe(wire.buffer); // a view, not a copy
    expect(Buffer.from(first[0]!).equals(Buffer.from(payload.subarray(0, 295)))).toBe(true);
    const rest = reader.pushPartial(wire.subarray(300));
    expect(Buffer.from(rest[0]!).equals(Buffer.from(payload.subarray(295)))).toBe(true);
    expect(() => reader.pushPartial(Uint8Array.of(0x17, 0x03, 0x03, 0x41))).not.toThrow(); // header split: waits
    expect(() => reader.pushPartial(Uint8Array.of(0x01))).toThrowError(expect.objectContaining({ code: 'ERR_PROTOCOL_TLS_RECORD_TOO_LARGE' }));
    const css = new TlsRecordReader();
    expect(css.pushPartial(Buffer.concat([CHANGE_CIPHER_SPEC.subarray(0, 5)]))).toEqual([]);
    expect(css.pushPartial(CHANGE_CIPHER_SPEC.subarray(5))).toEqual([]);
    expect(() => css.pushPartial(CHANGE_CIPHER_SPEC)).toThrowError(expect.objectContaining({ code: 'ERR_PROTOCOL_TLS_RECORD_TYPE' }));
  });
});

describe('fake TLS: whole handshake, client and server sides', () => {
  it('reader → verify → answer → client check → first record carries the obfuscated2 header', () => {
    const key = rnd(16);
    const hello = buildClientHello(key, 'example.com', NOW);
    const reader = new ClientHelloReader();
    const res = reader.feed(hello.record);
    if (res.status !== 'done') throw new Error(res.status);
    const verdict = verifyClientHello(res.record, [{ user: 'u', key, domain: 'example.com' }], NOW);
    if (!verdict.ok) throw new Error(verdict.reason);
    const answer = buildServerHello(key, verdict.fields.random, verdict.fields.sessionId, { cipherSuite: verdict.cipherSuite });
    expect(verifyServerAnswer(key, hello.random, answer).status).toBe('ok');
    const header = rnd(64);
    const records = new TlsRecordReader();
    const first = records.push(Buffer.concat([CHANGE_CIPHER_SPEC, wrapRecords(Buffer.concat([header, Buffer.from('payload')]), 2878)]));
    expect(Buffer.from(first[0]!.subarray(0, 64)).equals(header)).toBe(true);
  });
});
