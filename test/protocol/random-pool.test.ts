import { describe, expect, it } from 'vitest';
import { fillRandom, randomPoolBytes } from '../../src/protocol/random-pool.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('random pool (handshake random bytes drawn in batches)', () => {
  it('never hands out the same bytes twice, across refills of the pool', () => {
    const seen = new Set<string>();
    // 64 KiB pool: 3000 draws of 64 bytes cross at least two refills.
    for (let i = 0; i < 3000; i++) {
      const draw = hex(randomPoolBytes(64));
      expect(seen.has(draw)).toBe(false);
      seen.add(draw);
    }
  });

  it('fills only the requested range, large requests included', () => {
    for (const length of [1, 4096, 20_000]) {
      const out = new Uint8Array(length + 32);
      fillRandom(out, 16, length);
      expect(out.subarray(0, 16).every((b) => b === 0)).toBe(true);
      expect(out.subarray(16 + length).every((b) => b === 0)).toBe(true);
      if (length >= 32) expect(out.subarray(16, 16 + length).some((b) => b !== 0)).toBe(true);
    }
  });

  it('gives differing answers padding to consecutive ServerHellos', async () => {
    const { buildServerHello } = await import('../../src/protocol/faketls.js');
    const key = new Uint8Array(16).fill(1);
    const random = new Uint8Array(32).fill(2);
    const a = buildServerHello(key, random, new Uint8Array(0), { keyShare: new Uint8Array(32), appDataLength: 2000 });
    const b = buildServerHello(key, random, new Uint8Array(0), { keyShare: new Uint8Array(32), appDataLength: 2000 });
    expect(hex(a.subarray(a.length - 2000))).not.toBe(hex(b.subarray(b.length - 2000)));
  });
});
