import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TlsError } from '../../src/protocol/errors.js';
import { buildClientHello } from '../../src/protocol/faketls-client.js';
import { ja4, ja4Parts } from '../../src/protocol/ja4.js';
import { helloFingerprint, shapeKey } from '../../src/protocol/ja4-cache.js';

const u16 = (v: number): number[] => [v >>> 8, v & 0xff];
const vec16 = (b: number[]): number[] => [...u16(b.length), ...b];
const ext = (type: number, body: number[]): number[] => [...u16(type), ...vec16(body)];

/** A ClientHello record with these suites and extensions (type, body), in this order. */
function helloOf(suites: number[], extensions: [number, number[]][]): Uint8Array {
  const body = [0x03, 0x03, ...randomBytes(32), 0, ...vec16(suites.flatMap(u16)), 1, 0, ...vec16(extensions.flatMap(([t, b]) => ext(t, b)))];
  const hs = [0x01, 0, ...u16(body.length), ...body];
  return Uint8Array.from([0x16, 0x03, 0x01, ...u16(hs.length), ...hs]);
}

/** What the full computation gives, or the error it throws. */
function direct(hello: Uint8Array): { ja4: string; keyShareGroups: readonly number[] } | TlsError {
  try {
    return { ja4: ja4(hello).ja4, keyShareGroups: ja4Parts(hello).keyShareGroups };
  } catch (err) {
    return err as TlsError;
  }
}

function cached(hello: Uint8Array): { ja4: string; keyShareGroups: readonly number[] } | TlsError {
  try {
    const fp = helloFingerprint(hello);
    return { ja4: fp.ja4, keyShareGroups: [...fp.keyShareGroups] };
  } catch (err) {
    return err as TlsError;
  }
}

const client = (domain: string) => buildClientHello(new Uint8Array(randomBytes(16)), domain, Date.now()).record;

describe('helloFingerprint: JA4 remembered per hello shape', () => {
  it('gives what ja4 and ja4Parts give for browser-shaped hellos, cached or not', () => {
    for (let i = 0; i < 50; i++) {
      const hello = client(i % 2 === 0 ? 'example.com' : 'example.org');
      expect(cached(hello)).toEqual(direct(hello));
      expect(cached(hello)).toEqual(direct(hello)); // the second time from the cache
    }
  });

  it('gives one key to hellos that differ only in GREASE values, extension order, randoms and padding', () => {
    const a = buildClientHello(new Uint8Array(randomBytes(16)), 'example.com', Date.now(), { padTo: 0 }).record;
    const b = buildClientHello(new Uint8Array(randomBytes(16)), 'example.org', Date.now(), { padTo: 0 }).record;
    expect(shapeKey(a)).toBeDefined();
    expect(shapeKey(a)).toBe(shapeKey(b));
  });

  it('tells apart hellos whose fingerprint or key-share groups differ', () => {
    const sig = (algs: number[]) => ext(0x000d, vec16(algs.flatMap(u16))).slice(4);
    const base: [number, number[]][] = [[0x0000, [0, 0]], [0x000d, sig([0x0403, 0x0804])], [0x002b, [4, 0x03, 0x04, 0x03, 0x03]], [0x0033, vec16([0, 0x1d, 0, 1, 9])]];
    const variants: Uint8Array[] = [
      helloOf([0x1301, 0x1302], base),
      helloOf([0x1302, 0x1301], base), // same sorted list: same JA4, other key (wire order kept)
      helloOf([0x1301], base),
      helloOf([0x1301, 0x1302], base.slice(1)), // no SNI
      helloOf([0x1301, 0x1302], [[0x0000, [0, 0]], [0x000d, sig([0x0804, 0x0403])], base[2]!, base[3]!]), // sig order
      helloOf([0x1301, 0x1302], [...base.slice(0, 2), [0x002b, [2, 0x03, 0x03]], base[3]!]), // TLS 1.2 only
      helloOf([0x1301, 0x1302], [...base.slice(0, 3), [0x0033, vec16([0x11, 0xec, 0, 1, 9])]]), // other share group
      helloOf([0x1301, 0x1302], [...base, [0x0010, vec16([2, 0x68, 0x32])]]), // ALPN h2
      helloOf([0x1301, 0x1302], [...base, [0x0010, vec16([8, ...Buffer.from('http/1.1')])]]),
    ];
    for (const hello of variants) expect(cached(hello)).toEqual(direct(hello));
    const keys = variants.map((h) => shapeKey(h));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('takes the full path for a hello that repeats an extension it reads', () => {
    const hello = helloOf([0x1301], [[0x000d, vec16(u16(0x0403))], [0x000d, vec16(u16(0x0804))]]);
    expect(shapeKey(hello)).toBeUndefined();
    expect(cached(hello)).toEqual(direct(hello));
  });

  it('agrees with the full computation on arbitrary and cut bytes: same fingerprint or the same TlsError', () => {
    const good = client('example.com');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(good.length), fc.nat(255), fc.nat(good.length), (junk, cut, value, at) => {
        const mutated = good.slice();
        mutated[at % mutated.length] = value;
        for (const input of [junk, good.subarray(0, cut), mutated]) {
          const want = direct(input);
          const got = cached(input);
          if (want instanceof TlsError) {
            expect(got).toBeInstanceOf(TlsError);
            expect((got as TlsError).code).toBe(want.code);
          } else {
            expect(got).toEqual(want);
          }
        }
      }),
      { numRuns: 1000 },
    );
  });
});
