import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TlsError } from '../../src/protocol/errors.js';
import { buildClientHello } from '../../src/protocol/faketls-client.js';
import { alpnChars, ja4, ja4FromParts, ja4Parts, Ja4Labels } from '../../src/protocol/ja4.js';

interface Ja4Example {
  ciphers: string[];
  extensions: string[];
  signatureAlgorithms: string[];
  alpn: string[];
  ja4: string;
  ja4_r: string;
  cipherHash: string;
  extensionHashWithoutSignatureAlgorithms: string;
  alpnExamples: { bytes: string; chars: string }[];
}

const example = JSON.parse(
  readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'vectors', 'ja4', 'foxio-example.json'), 'utf8'),
) as Ja4Example;

const u16 = (v: number): number[] => [v >>> 8, v & 0xff];
const vec16 = (b: number[]): number[] => [...u16(b.length), ...b];
const ext = (type: number, body: number[]): number[] => [...u16(type), ...vec16(body)];
const h = (s: string): number => parseInt(s, 16);

/** A ClientHello with the example's fields, wire order kept, GREASE added where browsers put it. */
function exampleHello(): Uint8Array {
  const alpn = vec16(example.alpn.flatMap((p) => [p.length, ...Buffer.from(p)]));
  const bodies: Record<string, number[]> = {
    '0000': vec16([0, ...vec16([...Buffer.from('example.com')]).slice(0)]),
    '0010': alpn,
    '000d': vec16(example.signatureAlgorithms.flatMap((s) => u16(h(s)))),
    '002b': [6, 0x7a, 0x7a, 0x03, 0x04, 0x03, 0x03],
    '0033': vec16([0x1a, 0x1a, 0, 1, 0, 0, 0x1d, 0, 32, ...randomBytes(32)]),
  };
  const extensions = [
    ...ext(0x0a0a, []),
    ...example.extensions.flatMap((e) => ext(h(e), bodies[e] ?? [])),
    ...ext(0xfafa, [0]),
  ];
  const suites = vec16([0x2a, 0x2a, ...example.ciphers.flatMap((c) => u16(h(c)))]);
  const body = [0x03, 0x03, ...randomBytes(32), 32, ...randomBytes(32), ...suites, 1, 0, ...vec16(extensions)];
  const hs = [0x01, 0, ...u16(body.length), ...body];
  return Uint8Array.from([0x16, 0x03, 0x01, ...u16(hs.length), ...hs]);
}

describe('JA4 (FoxIO specification example)', () => {
  it('gives the published JA4 and JA4_r for the example hello, GREASE ignored', () => {
    const hello = exampleHello();
    expect(ja4(hello)).toEqual({ ja4: example.ja4, raw: example.ja4_r });
    expect(ja4(hello.subarray(5)).ja4).toBe(example.ja4); // the handshake message alone
  });

  it('matches the published cipher hash and the hash without signature algorithms', () => {
    const sorted = example.ja4_r.split('_')[1]!;
    expect(createHash('sha256').update(sorted).digest('hex').slice(0, 12)).toBe(example.cipherHash);
    const parts = ja4Parts(exampleHello());
    expect(ja4FromParts({ ...parts, signatureAlgorithms: [] }).ja4.split('_')[2]).toBe(example.extensionHashWithoutSignatureAlgorithms);
    expect(ja4FromParts({ ...parts, ciphers: [], extensions: [] }).ja4).toBe('t13i0000h2_000000000000_000000000000');
  });

  it('takes ALPN characters as the specification examples say', () => {
    for (const { bytes, chars } of example.alpnExamples) expect(alpnChars(Buffer.from(bytes, 'hex'))).toBe(chars);
    expect(alpnChars(undefined)).toBe('00');
    expect(alpnChars(Buffer.from('h'))).toBe('hh');
  });

  it('fingerprints the browser-shaped hello of the fake-TLS client', () => {
    const { record } = buildClientHello(new Uint8Array(randomBytes(16)), 'example.com', Date.now());
    const fp = ja4(record).ja4;
    expect(fp).toMatch(/^t13d15(16|17)h2_8daaf6152771_[0-9a-f]{12}$/); // 16 extensions, or 17 with padding
    expect(ja4Parts(record).keyShareGroups).toEqual([0x11ec, 0x001d]); // GREASE share left out
    expect(ja4(buildClientHello(new Uint8Array(randomBytes(16)), 'example.com', Date.now(), { padTo: 0 }).record).ja4).toBe(
      ja4(buildClientHello(new Uint8Array(randomBytes(16)), 'example.org', Date.now(), { padTo: 0 }).record).ja4,
    ); // shuffled extensions and GREASE do not change it
  });

  it('throws only TlsError on malformed input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          ja4(bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(TlsError);
        }
      }),
      { numRuns: 500 },
    );
    const hello = exampleHello();
    for (const cut of [6, 50, 80, hello.length - 1]) expect(() => ja4(hello.subarray(0, cut))).toThrow(TlsError);
  });
});

describe('Ja4Labels: bounded labels for metrics', () => {
  it('keeps the top fingerprints and reports the rest as other', () => {
    const labels = new Ja4Labels(3);
    for (const fp of ['a', 'a', 'a', 'b', 'b', 'c']) expect(labels.observe(fp)).toBe(fp);
    expect(labels.observe('d')).toBe('other');
    expect(labels.current()).toEqual(['a', 'b', 'c']);
    // a newcomer that outgrows the least-seen label takes its place
    expect(labels.observe('d')).toBe('d');
    expect(labels.current()).toContain('d');
    expect(labels.current()).not.toContain('c');
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) seen.add(labels.observe(`fp${i % 997}`));
    expect(labels.current()).toHaveLength(3);
    expect(seen.has('other')).toBe(true);
    expect(() => new Ja4Labels(0)).toThrow(RangeError);
  });
});
