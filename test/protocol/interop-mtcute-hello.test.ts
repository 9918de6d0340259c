// The hello that a real client library (mtcute 0.30.3) generates passes our reader and verifier, split
// anywhere; a different secret or domain does not. mtcute keeps the generator in an internal module, loaded
// here by file path.
import { createHmac, randomBytes, randomFillSync } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ClientHelloReader, verifyClientHello, type HelloReadResult } from '../../src/protocol/faketls.js';

type Generate = (domain: Uint8Array, secret: Uint8Array, crypto: object) => Promise<Uint8Array>;

async function mtcuteGenerator(): Promise<Generate> {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('@mtcute/core/utils.js'));
  const mod = (await import(pathToFileURL(join(root, 'network', 'mtproxy', '_fake-tls.js')).href)) as { generateFakeTlsHeader: Generate };
  return mod.generateFakeTlsHeader;
}

// The two primitives the generator uses, from node:crypto.
const crypto = {
  randomFill: (buf: Uint8Array) => randomFillSync(buf),
  randomBytes: (n: number) => new Uint8Array(randomBytes(n)),
  hmacSha256: (data: Uint8Array, key: Uint8Array) => new Uint8Array(createHmac('sha256', key).update(data).digest()),
};

describe('interop: mtcute ClientHello', () => {
  it('verifies, at every TCP split, and carries the SNI', async () => {
    const generate = await mtcuteGenerator();
    const key = new Uint8Array(randomBytes(16));
    const domain = 'www.google.com';
    const hello = await generate(new TextEncoder().encode(domain), key, crypto);
    const now = Date.now();
    const users = [{ user: 'other', key: new Uint8Array(randomBytes(16)), domain }, { user: 'me', key, domain }];
    for (let cut = 1; cut < hello.length; cut += 37) {
      const reader = new ClientHelloReader();
      let res: HelloReadResult = reader.feed(hello.subarray(0, cut));
      expect(res.status).toBe('need-more');
      res = reader.feed(hello.subarray(cut));
      expect(res.status).toBe('done');
      if (res.status !== 'done') return;
      const verdict = verifyClientHello(res.record, users, now);
      expect(verdict).toMatchObject({ ok: true, user: 'me' });
      if (verdict.ok) expect(verdict.fields.serverName).toBe(domain);
    }
    const reader = new ClientHelloReader();
    const res = reader.feed(hello);
    if (res.status !== 'done') throw new Error(res.status);
    expect(verifyClientHello(res.record, [users[0]!], now)).toMatchObject({ ok: false, reason: 'bad_hmac' });
    expect(verifyClientHello(res.record, [{ user: 'me', key, domain: 'example.org' }], now)).toMatchObject({ ok: false, reason: 'bad_sni' });
  });
});
