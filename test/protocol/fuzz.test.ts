// Property tests: the remaining parsers never throw an untyped error on random input.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DcTable } from '../../src/protocol/dc.js';
import { ProtocolError } from '../../src/protocol/errors.js';
import { verifyServerAnswer } from '../../src/protocol/faketls.js';
import { proxyLinks } from '../../src/protocol/links.js';
import { generateSecret } from '../../src/protocol/secrets.js';

function typedOnly(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ProtocolError);
  }
}

describe('parsers on random input', () => {
  it('DcTable.resolve answers every int16 DC id with addresses', () => {
    const table = new DcTable({ overrides: { '-2': ['[::1]:1'], '10004': ['127.0.0.1:2'] } });
    fc.assert(
      fc.property(fc.integer({ min: -32768, max: 32767 }), (id) => {
        const r = table.resolve(id);
        expect(r.addresses.length).toBeGreaterThan(0);
        expect(r.requested).toBe(id);
      }),
      { numRuns: 2000 },
    );
  });

  it('DcTable rejects random override tables only with typed errors', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 6 }), fc.array(fc.string({ maxLength: 30 }), { maxLength: 3 })), (overrides) => {
        typedOnly(() => new DcTable({ overrides }).resolve(2));
      }),
      { numRuns: 500 },
    );
  });

  it('verifyServerAnswer returns a typed result on random bytes', () => {
    const key = new Uint8Array(16);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, prefixed) => {
        const data = prefixed && bytes.length > 5 ? Uint8Array.of(0x16, 3, 3, 0, 1, ...bytes) : bytes;
        const r = verifyServerAnswer(key, new Uint8Array(32), data);
        expect(['need-more', 'error', 'ok']).toContain(r.status);
        if (r.status === 'error') expect(r.error).toBeInstanceOf(ProtocolError);
      }),
      { numRuns: 1000 },
    );
  });

  it('proxyLinks takes any host and port and either builds links or throws a typed error', () => {
    const secret = generateSecret('ee', 'example.com');
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), fc.integer({ min: -10, max: 70_000 }), (host, port) => {
        typedOnly(() => {
          const links = proxyLinks(host, port, secret);
          expect(new URL(links.https).searchParams.get('port')).toBe(String(port));
        });
      }),
      { numRuns: 1000 },
    );
  });
});
