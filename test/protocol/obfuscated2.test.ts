import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aesCtr, createCtrStream } from '../../src/protocol/ctr.js';
import { ProtocolError } from '../../src/protocol/errors.js';
import {
  buildClientHeader,
  deriveDcKeys,
  generateServerHeader,
  headerNeedsRedraw,
  parseClientHeader,
  parseDcHeader,
  type ProtocolTag,
} from '../../src/protocol/obfuscated2.js';
import { b64, obfuscated2Vectors } from './vectors.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const rnd = (n: number) => new Uint8Array(randomBytes(n));

describe('obfuscated2: mtg vectors', () => {
  for (const v of obfuscated2Vectors()) {
    it(`derives keys and decrypts/encrypts the sample chunks (${v.name})`, () => {
      const secret = b64(v.secret);
      const other = { user: 'other', key: rnd(16) };
      const res = parseClientHeader(b64(v.frame), [other, { user: 'mtg', key: secret }, { user: 'late', key: secret }]);
      expect(res.ok).toBe(true);
      if (!res.ok) return;
      expect(res.user).toBe('mtg');
      expect(res.index).toBe(1);
      expect(res.dc).toBe(v.dc);
      expect(res.tag).toBe('padded');
      expect(hex(res.replayKey)).toBe(hex(b64(v.frame).subarray(8, 56)));
      // the key derivation spelled out independently of the module
      const frame = b64(v.frame);
      const readKey = createHash('sha256').update(frame.subarray(8, 40)).update(secret).digest();
      expect(hex(res.decrypt.key)).toBe(hex(readKey));
      const rev = Buffer.from(frame.subarray(8, 56)).reverse();
      expect(hex(res.encrypt.key)).toBe(hex(createHash('sha256').update(rev.subarray(0, 32)).update(secret).digest()));
      expect(hex(res.encrypt.iv)).toBe(hex(rev.subarray(32, 48)));
      // client → proxy: payload keystream starts at offset 64 with the ready-for-payload IV
      expect(hex(aesCtr(res.decrypt.key, res.decrypt.iv, b64(v.decrypted.cipher)))).toBe(hex(b64(v.decrypted.text)));
      const whole = createCipheriv('aes-256-ctr', readKey, frame.subarray(40, 56));
      whole.update(frame);
      expect(hex(whole.update(b64(v.decrypted.cipher)))).toBe(hex(b64(v.decrypted.text)));
      // proxy → client
      expect(hex(aesCtr(res.encrypt.key, res.encrypt.iv, b64(v.encrypted.text)))).toBe(hex(b64(v.encrypted.cipher)));
    });
  }

  it('reports no match for a wrong secret and throws typed errors on bad lengths', () => {
    const v = obfuscated2Vectors()[0]!;
    expect(parseClientHeader(b64(v.frame), [{ user: 'x', key: rnd(16) }])).toEqual({ ok: false, reason: 'no-match' });
    expect(parseClientHeader(b64(v.frame), [])).toEqual({ ok: false, reason: 'no-match' });
    expect(() => parseClientHeader(rnd(63), [])).toThrow(ProtocolError);
    expect(() => parseClientHeader(b64(v.frame), [{ user: 'x', key: rnd(15) }])).toThrow(ProtocolError);
  });
});

describe('obfuscated2: client side and proxy → DC side', () => {
  const tags: ProtocolTag[] = ['abridged', 'intermediate', 'padded'];
  const dcs = [1, 2, -2, 5, 203, 10002, -10004, 0, 32767, -32768];

  it('buildClientHeader round-trips through parseClientHeader for every tag and DC id', () => {
    const key = rnd(16);
    for (const tag of tags) {
      for (const dc of dcs) {
        const client = buildClientHeader(key, tag, dc);
        expect(headerNeedsRedraw(client.header.slice(0, 56).fill(0x11, 0, 8))).toBe(false);
        const server = parseClientHeader(client.header, [{ user: 'a', key: rnd(16) }, { user: 'b', key }]);
        expect(server).toMatchObject({ ok: true, user: 'b', tag, dc });
        if (!server.ok) continue;
        expect(server.decrypt).toEqual(client.encrypt);
        expect(server.encrypt).toEqual(client.decrypt);
        const msg = rnd(100);
        expect(aesCtr(server.decrypt.key, server.decrypt.iv, aesCtr(client.encrypt.key, client.encrypt.iv, msg))).toEqual(msg);
      }
    }
  });

  it('the proxy header is accepted by a DC (no secret) and carries tag and DC id', () => {
    for (const tag of tags) {
      const out = generateServerHeader(tag, -3);
      const dc = parseDcHeader(out.header);
      expect(dc).toMatchObject({ ok: true, tag, dc: -3 });
      if (!dc.ok) continue;
      expect(dc.decrypt).toEqual(out.encrypt);
      expect(dc.encrypt).toEqual(out.decrypt);
      expect(deriveDcKeys(out.header)).toEqual({ encrypt: out.encrypt, decrypt: out.decrypt });
      expect(hex(out.encrypt.key)).toBe(hex(out.header.subarray(8, 40)));
    }
    expect(parseDcHeader(rnd(64).fill(0, 56, 60))).toEqual({ ok: false, reason: 'no-match' });
  });

  it('fast mode: the DC keystream towards the proxy equals the proxy keystream towards the client', () => {
    const key = rnd(16);
    const client = buildClientHeader(key, 'intermediate', 2);
    const server = parseClientHeader(client.header, [{ user: 'u', key }]);
    if (!server.ok) throw new Error('no match');
    const dcSide = generateServerHeader('intermediate', 2, { fastModeClientEncrypt: server.encrypt });
    const dc = parseDcHeader(dcSide.header);
    if (!dc.ok) throw new Error('dc refused');
    const payload = rnd(4096);
    const fromDc = createCtrStream(dc.encrypt).update(payload);
    // the proxy forwards DC bytes untouched; the client decrypts them with its own keys
    expect(new Uint8Array(createCtrStream(client.decrypt).update(fromDc))).toEqual(payload);
  });

  it('redraws headers that look like other protocols', () => {
    const h = new Uint8Array(64).fill(1);
    expect(headerNeedsRedraw(h)).toBe(false);
    for (const start of ['HEAD', 'POST', 'GET ', 'OPTI', 'PUT ']) {
      h.set(Buffer.from(start), 0);
      expect(headerNeedsRedraw(h)).toBe(true);
    }
    for (const start of [[0x16, 3, 1, 2], [0xdd, 0xdd, 0xdd, 0xdd], [0xee, 0xee, 0xee, 0xee], [0xef, 1, 1, 1]]) {
      h.set(start, 0);
      expect(headerNeedsRedraw(h)).toBe(true);
    }
    h.set([1, 1, 1, 1, 0, 0, 0, 0], 0);
    expect(headerNeedsRedraw(h)).toBe(true);
    // a random source that first yields a bad header is drawn again
    let calls = 0;
    const random = (n: number) => (calls++ === 0 ? new Uint8Array(n).fill(0xef) : new Uint8Array(n).fill(7));
    const out = buildClientHeader(undefined, 'abridged', 1, { random });
    expect(calls).toBe(2);
    expect(out.header[0]).toBe(7);
  });

  it('never throws an untyped error on random input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 80 }), fc.uint8Array({ minLength: 14, maxLength: 18 }), (bytes, key) => {
        try {
          parseClientHeader(bytes, [{ user: 1, key }]);
          parseDcHeader(bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(ProtocolError);
        }
      }),
      { numRuns: 300 },
    );
  });
});
