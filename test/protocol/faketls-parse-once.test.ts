/** The proxy parses a ClientHello once and hands the fields to verifyClientHello: the verdict must not change. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildClientHello, parseClientHelloFields, verifyClientHello } from '../../src/protocol/faketls.js';
import { ja4 } from '../../src/protocol/ja4.js';

describe('fake TLS: a hello parsed once', () => {
  const key = new Uint8Array(randomBytes(16));
  const now = Date.now();
  const candidates = [
    { user: 'other', key: new Uint8Array(randomBytes(16)), domain: 'www.example.com' },
    { user: 'alice', key, domain: 'www.example.com' },
  ];

  it('gives the same verdict with the fields passed in as when verify parses them itself', () => {
    const record = buildClientHello(key, 'www.example.com', now).record;
    const fields = parseClientHelloFields(record);
    expect(fields.serverName).toBe('www.example.com');
    const parsedInside = verifyClientHello(record, candidates, now, { maxSkewMs: 120_000 });
    const passedIn = verifyClientHello(record, candidates, now, { maxSkewMs: 120_000, fields });
    expect(passedIn).toEqual(parsedInside);
    expect(passedIn.ok && passedIn.user).toBe('alice');
  });

  it('still refuses a wrong key and a stale time with the fields passed in', () => {
    const wrong = buildClientHello(new Uint8Array(randomBytes(16)), 'www.example.com', now).record;
    expect(verifyClientHello(wrong, candidates, now, { fields: parseClientHelloFields(wrong) })).toMatchObject({ ok: false, reason: 'bad_hmac' });
    const stale = buildClientHello(key, 'www.example.com', now - 600_000).record;
    expect(verifyClientHello(stale, candidates, now, { maxSkewMs: 120_000, fields: parseClientHelloFields(stale) })).toMatchObject({ ok: false, reason: 'stale_time' });
  });

  it('reads the SNI past many extensions it steps over, and JA4 stays the same when asked again', () => {
    for (let i = 0; i < 300; i++) {
      // More distinct hellos than JA4 keeps list hashes for: answers must not depend on what it remembers.
      const record = buildClientHello(key, `h${i}.example.com`, now).record;
      expect(parseClientHelloFields(record).serverName).toBe(`h${i}.example.com`);
      expect(ja4(record).ja4).toBe(ja4(record).ja4);
      expect(ja4(record).ja4).toMatch(/^t13d\d{4}[0-9a-z]{2}_[0-9a-f]{12}_[0-9a-f]{12}$/);
    }
  });
});
