/**
 * Property tests: the handshake state machine and the config loader never throw an untyped error on random
 * input (network bytes end in a failure step; operator text ends in a ConfigError).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfigText, buildConfig, ConfigError } from '../../src/config/index.js';
import { isMtShieldError } from '../../src/errors.js';
import { buildClientHello } from '../../src/protocol/faketls.js';
import { generateSecret } from '../../src/protocol/secrets.js';
import { Handshake } from '../../src/proxy/handshake.js';
import { UserDirectory } from '../../src/proxy/users.js';
import { MemoryUsageStore } from '../../src/proxy/usage-store.js';

const users = new UserDirectory(new MemoryUsageStore());
const ee = generateSecret('ee', 'example.com');
users.upsert({ name: 'a', secret: '000102030405060708090a0b0c0d0e0f' });
users.upsert({ name: 'b', secret: 'ee' + Buffer.from(ee.key).toString('hex') + Buffer.from('example.com').toString('hex') });

function feedAll(chunks: Uint8Array[]): string {
  const handshake = new Handshake({ candidates: () => users.candidates(), allowModes: ['plain', 'dd', 'ee'], maxSkewMs: 120_000, now: Date.now });
  let buffered = new Uint8Array(0);
  for (const chunk of chunks) {
    buffered = Buffer.concat([buffered, chunk]);
    try {
      const step = handshake.feed(buffered);
      if (step.kind !== 'more') return step.kind;
    } catch (err) {
      // The session maps typed protocol errors to a failure; anything else would be a bug.
      expect(isMtShieldError(err)).toBe(true);
      return 'typed-error';
    }
  }
  return 'more';
}

describe('handshake on random bytes', () => {
  it('random chunks end in more, fail or a typed error', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }), (chunks) => {
        expect(['more', 'fail', 'typed-error']).toContain(feedAll(chunks));
      }),
      { numRuns: 300 },
    );
  });

  it('random TLS-looking bytes (16 03 01 prefix) never throw untyped', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 2000 }), fc.integer({ min: 1, max: 64 }), (tail, cut) => {
        const bytes = Buffer.concat([Buffer.of(0x16, 0x03, 0x01), tail]);
        const chunks = [bytes.subarray(0, cut), bytes.subarray(cut)];
        expect(['more', 'fail', 'typed-error']).toContain(feedAll(chunks));
      }),
      { numRuns: 300 },
    );
  });

  it('a valid hello with random bit flips never throws untyped', () => {
    const hello = buildClientHello(ee.key, 'example.com', Date.now()).record;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: hello.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, flip) => {
        const copy = Buffer.from(hello);
        copy[at] = copy[at]! ^ flip;
        expect(['more', 'fail', 'identified', 'typed-error']).toContain(feedAll([copy]));
      }),
      { numRuns: 300 },
    );
  });
});

describe('config on random input', () => {
  it('random TOML text ends in a config or a ConfigError', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        try {
          parseConfigText(text);
        } catch (err) {
          expect(err).toBeInstanceOf(ConfigError);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('random objects end in a config or a ConfigError', () => {
    fc.assert(
      fc.property(fc.object({ maxDepth: 3 }), (input) => {
        try {
          buildConfig(input as Record<string, unknown>);
        } catch (err) {
          expect(err).toBeInstanceOf(ConfigError);
        }
      }),
      { numRuns: 300 },
    );
  });
});
