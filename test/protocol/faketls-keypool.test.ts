/** The ServerHello key-share pool: filled ahead, refilled below its low-water mark, every key once, never empty-handed. */
import { diffieHellman, generateKeyPairSync, createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KeySharePool } from '../../src/protocol/faketls-keypool.js';

/** A key is a curve point when a real x25519 key agreement with it works. */
function agrees(publicKey: Uint8Array): boolean {
  const { privateKey } = generateKeyPairSync('x25519');
  const peer = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' });
  return diffieHellman({ privateKey, publicKey: peer }).length === 32;
}

describe('x25519 key-share pool', () => {
  it('fills ahead, refills below the low-water mark, and hands out each key once', async () => {
    const pool = new KeySharePool({ size: 8, lowWater: 4 });
    pool.refill();
    await pool.settled();
    expect(pool.available).toBe(8);
    const seen = new Set<string>();
    for (let i = 0; i < 5; i++) seen.add(Buffer.from(pool.take()).toString('hex'));
    expect(pool.available).toBe(3); // below the mark: a refill is under way, not done on this thread
    await pool.settled();
    expect(pool.available).toBe(8);
    for (let i = 0; i < 40; i++) {
      const key = pool.take();
      expect(key.length).toBe(32);
      seen.add(Buffer.from(key).toString('hex'));
      if (i % 4 === 3) await pool.settled();
    }
    expect(seen.size).toBe(45);
    expect(pool.misses).toBe(0);
  });

  it('an empty pool still answers with a fresh, real key, and starts refilling', async () => {
    const pool = new KeySharePool({ size: 4 });
    const key = pool.take();
    expect(pool.misses).toBe(1);
    expect(agrees(key)).toBe(true);
    await pool.settled();
    expect(pool.available).toBe(4);
    expect(agrees(pool.take())).toBe(true);
  });
});
